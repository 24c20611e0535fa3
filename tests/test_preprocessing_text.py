"""TextVectorization in the Keras workflow (its values against real Keras live in
tests/golden_cases/layers_textpre_tf.py): models on raw text, callables, files, errors."""

import numpy as np
import pytest

from numen import keras
from numen.keras import layers

DOCS = np.array(["The cat sat on the mat.", "The dog ate my homework!", "Cats and dogs",
                 "a bird, a cat", "the mat is red", "dogs like the cat"])
LABELS = np.array([1, 0, 0, 1, 1, 0], dtype="float32")


def _text_model(**kwargs):
    vectorize = layers.TextVectorization(max_tokens=20, output_sequence_length=6, **kwargs)
    vectorize.adapt(DOCS)
    model = keras.Sequential([keras.Input(shape=(1,), dtype="string"), vectorize,
                              layers.Embedding(20, 4), layers.GlobalAveragePooling1D(),
                              layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    return model


def test_sequential_text_model_fits_predicts_and_round_trips(tmp_path):
    model = _text_model()
    history = model.fit(DOCS[:, None], LABELS, epochs=3, batch_size=2, verbose=0)
    assert len(history.history["loss"]) == 3
    before = model.predict(DOCS[:, None], verbose=0)
    assert before.shape == (6, 1)
    path = str(tmp_path / "text.keras")
    model.save(path)
    again = keras.models.load_model(path)
    np.testing.assert_allclose(again.predict(DOCS[:, None], verbose=0), before, rtol=1e-6)
    assert again.layers[0].get_vocabulary() == model.layers[0].get_vocabulary()


def test_vector_modes_in_a_functional_model(tmp_path):
    vectorize = layers.TextVectorization(max_tokens=8, output_mode="tf_idf", ngrams=2)
    vectorize.adapt(DOCS)
    doc = keras.Input(shape=(), dtype="string")
    model = keras.Model(doc, layers.Dense(2)(vectorize(doc)))
    assert model.output_shape == (None, 2)
    before = model.predict(DOCS, verbose=0)
    model.save(str(tmp_path / "m.keras"))
    np.testing.assert_allclose(keras.models.load_model(str(tmp_path / "m.keras")).predict(
        DOCS, verbose=0), before, rtol=1e-6)


def test_callable_standardize_and_split():
    def shout(x):
        return np.char.upper(x)

    def on_commas(x):
        return [s.split(",") for s in x.tolist()]

    layer = layers.TextVectorization(vocabulary=["A", "B C"], standardize=shout,
                                     split=on_commas)
    assert layer(np.array(["a,b c,d", "b c"])).numpy().tolist() == [[2, 3, 1], [3, 0, 0]]


def test_adapt_from_batches_and_vocabulary_order():
    layer = layers.TextVectorization()
    layer.adapt(iter([np.array(["b a b"]), np.array(["c b a a"])]))
    assert layer.get_vocabulary() == ["", "[UNK]", "b", "a", "c"]
    assert layer.vocabulary_size() == 5
    assert layer.get_vocabulary(include_special_tokens=False) == ["b", "a", "c"]


def test_set_vocabulary_and_config_round_trip():
    layer = layers.TextVectorization(output_sequence_length=3, ngrams=(1, 2))
    layer.set_vocabulary(["hello", "world", "hello world"])
    assert layer(np.array(["Hello, world!"])).numpy().tolist() == [[2, 3, 4]]
    config = layers.TextVectorization(vocabulary=["x"], ngrams=[1, 2]).get_config()
    clone = layers.TextVectorization.from_config(config)
    assert clone.get_config() == config
    assert config["ngrams"] == (1, 2) and config["vocabulary_size"] == 3


def test_unicode_lowercasing_is_ascii_only_as_in_keras():
    layer = layers.TextVectorization(vocabulary=["éé", "ÉÉ", "ÉtÉ"], standardize="lower")
    assert layer(np.array(["ÉÉ éé ÉTÉ"])).numpy().tolist() == [[3, 2, 4]]


@pytest.mark.parametrize("make, error, match", [
    (lambda: layers.TextVectorization(ragged=True), ValueError, "ragged"),
    (lambda: layers.TextVectorization(standardize="upper"), ValueError, "standardize"),
    (lambda: layers.TextVectorization(split="comma"), ValueError, "split"),
    (lambda: layers.TextVectorization(ngrams="2"), ValueError, "ngrams"),
    (lambda: layers.TextVectorization(output_mode="count", output_sequence_length=3),
     ValueError, "output_sequence_length"),
    (lambda: layers.TextVectorization(output_mode="bag"), ValueError, "output_mode"),
])
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_bad_inputs():
    layer = layers.TextVectorization(vocabulary=["a"])
    with pytest.raises(ValueError, match="last axis of size 1"):
        layer(np.array([["a", "b"]]))
    with pytest.raises(TypeError, match="expects strings"):
        layer(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="given a vocabulary"):
        layer.adapt(["a b"])


def test_unpadded_sequences_feed_an_rnn():
    vectorize = layers.TextVectorization()
    vectorize.adapt(DOCS)
    model = keras.Sequential([keras.Input(shape=(1,), dtype="string"), vectorize,
                              layers.Embedding(30, 4, mask_zero=True), layers.LSTM(3),
                              layers.Dense(1)])
    model.compile("adam", "mse")
    model.fit(DOCS[:, None], LABELS, epochs=1, batch_size=3, verbose=0)
    assert model.predict(DOCS[:, None], verbose=0).shape == (6, 1)
    assert vectorize(np.array(["the cat", "the dog ate my homework"])).shape == (2, 5)


def test_nested_python_lists_of_text_are_one_batch():
    # keras.io's pretrained-embeddings example calls `vectorizer([["the cat sat on the mat"]])`:
    # Keras converts the nested list as one (1, 1) string tensor.
    vectorize = layers.TextVectorization(max_tokens=20, output_sequence_length=4)
    vectorize.adapt(DOCS)
    expected = np.asarray(vectorize(np.array([["the cat sat on the mat"]])))
    np.testing.assert_array_equal(vectorize([["the cat sat on the mat"]]), expected)
    assert expected.shape == (1, 4)
    lookup = layers.StringLookup(vocabulary=["a", "b"])
    np.testing.assert_array_equal(lookup([["a", "b"], ["b", "z"]]), [[1, 2], [2, 0]])
    hashing = layers.Hashing(num_bins=3)
    np.testing.assert_array_equal(hashing([["a", "b"]]), hashing(np.array([["a", "b"]])))
    # HashedCrossing's inputs stay a list of features: two lists cross element by element.
    crossing = layers.HashedCrossing(num_bins=5)
    np.testing.assert_array_equal(crossing([["A", "B"], [101, 102]]),
                                  crossing((np.array(["A", "B"]), np.array([101, 102]))))
