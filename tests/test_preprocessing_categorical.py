"""Categorical preprocessing layers: CategoryEncoding, Discretization, Hashing, HashedCrossing,
StringLookup, IntegerLookup and Pipeline (values against real Keras live in
tests/golden_cases/layers_textpre*.py; here: the Keras workflow, configs, files, errors)."""

import zipfile

import h5py
import numpy as np
import pytest

from numen import keras
from numen.keras import layers
from numen.layers.fingerprint import fingerprint64, siphash24


def _structured_data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    colors = rng.choice(["red", "blue", "green"], n)
    size = rng.normal(5, 2, n).astype("float32")
    y = ((colors == "red") | (size > 6)).astype("float32")
    return {"color": colors[:, None], "size": size[:, None]}, y


def _structured_model(data):
    lookup = layers.StringLookup()
    lookup.adapt(data["color"][:, 0])
    encode = layers.CategoryEncoding(num_tokens=lookup.vocabulary_size(), output_mode="one_hot")
    norm = layers.Normalization()
    norm.adapt(data["size"])
    color = keras.Input(shape=(1,), name="color", dtype="string")
    size = keras.Input(shape=(1,), name="size")
    x = layers.concatenate([encode(lookup(color)), norm(size)])
    x = layers.Dense(8, activation="relu")(x)
    model = keras.Model({"color": color, "size": size}, layers.Dense(1, activation="sigmoid")(x))
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


def test_structured_data_example_fits_predicts_and_round_trips(tmp_path):
    data, y = _structured_data()
    model = _structured_model(data)
    history = model.fit(data, y, epochs=4, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    probe = {"color": np.array([["red"], ["blue"], ["purple"]]),
             "size": np.array([[1.0], [9.0], [5.0]], "float32")}
    before = model.predict(probe, verbose=0)
    assert before.shape == (3, 1)
    path = str(tmp_path / "structured.keras")
    model.save(path)
    again = keras.models.load_model(path)
    np.testing.assert_allclose(again.predict(probe, verbose=0), before, rtol=1e-6)
    assert again.evaluate(data, y, verbose=0)[0] == pytest.approx(
        model.evaluate(data, y, verbose=0)[0], rel=1e-5)


def test_string_data_still_refused_by_numeric_models():
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(TypeError, match="expected numeric data"):
        model.fit(np.array([["a", "b"]]), np.zeros(1), verbose=0)


LAYERS = {
    "category_encoding": lambda: layers.CategoryEncoding(num_tokens=5, output_mode="count"),
    "discretization": lambda: layers.Discretization(bin_boundaries=[0.0, 1.5]),
    "hashing": lambda: layers.Hashing(num_bins=7, salt=(3, 4), mask_value="x"),
    "hashed_crossing": lambda: layers.HashedCrossing(num_bins=9, output_mode="one_hot"),
    "string_lookup": lambda: layers.StringLookup(vocabulary=["a", "b"], mask_token="",
                                                 num_oov_indices=2),
    "integer_lookup": lambda: layers.IntegerLookup(vocabulary=[4, 8], output_mode="multi_hot",
                                                   oov_method="farmhash", salt=3),
    "tf_idf_lookup": lambda: layers.StringLookup(vocabulary=["a", "b"], idf_weights=[1., 2.],
                                                 output_mode="tf_idf"),
    "pipeline": lambda: layers.Pipeline([layers.Discretization(bin_boundaries=[0.5]),
                                         layers.CategoryEncoding(num_tokens=2)]),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_config_round_trip(name):
    layer = LAYERS[name]()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


def _sample(name):
    if name in ("string_lookup", "tf_idf_lookup", "hashing"):
        return np.array([["a"], ["b"], ["x"], [""]])
    if name == "hashed_crossing":
        return (np.array(["a", "b"]), np.array([1, 2]))
    if name == "integer_lookup":
        return np.array([[4], [8], [5]])
    if name == "category_encoding":
        return np.array([[0, 4], [2, 2]])
    return np.array([[-1.0], [0.7], [3.0]], "float32")


@pytest.mark.parametrize("name", sorted(set(LAYERS) - {"hashed_crossing"}))
def test_save_load_round_trip_in_a_model(name, tmp_path):
    layer = LAYERS[name]()
    x = _sample(name)
    dtype = "string" if x.dtype.kind == "U" else str(x.dtype)
    inputs = keras.Input(shape=x.shape[1:], dtype=dtype)
    model = keras.Model(inputs, layer(inputs))
    expected = keras.ops.convert_to_numpy(model(x))
    model.save(str(tmp_path / "m.keras"))
    again = keras.models.load_model(str(tmp_path / "m.keras"))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(again(x)), expected)


def test_hashed_crossing_in_a_functional_model(tmp_path):
    a = keras.Input(shape=(1,), dtype="string")
    b = keras.Input(shape=(1,), dtype="int64")
    model = keras.Model([a, b], layers.HashedCrossing(num_bins=9)((a, b)))
    x = [np.array([["u"], ["v"]]), np.array([[1], [2]])]
    expected = keras.ops.convert_to_numpy(model(x))
    model.save(str(tmp_path / "m.keras"))
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(keras.models.load_model(str(tmp_path / "m.keras"))(x)),
        expected)


def test_adapted_vocabulary_is_an_asset_not_config(tmp_path):
    layer = layers.StringLookup()
    layer.adapt(["b", "a", "b"])
    assert layer.get_vocabulary() == ["[UNK]", "b", "a"]
    assert layer.get_config()["vocabulary"] is None
    assert layer.get_config()["vocabulary_size"] == 3
    inputs = keras.Input(shape=(), dtype="string")
    model = keras.Model(inputs, layer(inputs))
    model.save(str(tmp_path / "m.keras"))
    again = keras.models.load_model(str(tmp_path / "m.keras"))
    assert again.layers[1].get_vocabulary() == ["[UNK]", "b", "a"]


def test_adapt_inputs():
    gen = (np.array(["x", "y", "y"]) for _ in range(2))
    layer = layers.StringLookup(max_tokens=3)
    layer.adapt(gen)
    assert layer.get_vocabulary() == ["[UNK]", "y", "x"]
    ints = layers.IntegerLookup()
    ints.adapt([[1, 2, 2], [3, 2, 1]], steps=None)
    assert ints.get_vocabulary() == [-1, 2, 1, 3]
    disc = layers.Discretization(num_bins=2)
    disc.adapt(iter([np.array([1.0, 2.0]), (np.array([3.0, 4.0]), None)]))
    assert len(disc.bin_boundaries) == 1


def test_invert_maps_ids_back_to_strings():
    layer = layers.StringLookup(vocabulary=["a", "b"], invert=True, mask_token="")
    out = layer(np.array([[0, 1, 2, 3, 9]]))
    assert out.numpy().tolist() == [["", "[UNK]", "a", "b", "[UNK]"]]


def test_python_strings_and_object_arrays():
    layer = layers.StringLookup(vocabulary=["a", "b"])
    assert layer(["b", "a", "q"]).numpy().tolist() == [2, 1, 0]
    assert layer(np.array(["b", "a"], dtype=object)).numpy().tolist() == [2, 1]
    assert layer(np.array([b"b"])).numpy().tolist() == [2]
    assert int(layer("b").numpy()) == 2


def test_hash_functions_published_values():
    assert fingerprint64(b"") == 0x9AE16A3B2F90404F
    assert siphash24((0, 0), b"") == 0x1E924B9D737700D7
    # SipHash-2-4's reference vector: key 00..0f, message 00..0e.
    key = (int.from_bytes(bytes(range(8)), "little"), int.from_bytes(bytes(range(8, 16)),
                                                                       "little"))
    assert siphash24(key, bytes(range(15))) == 0xA129CA6149BE45E5


@pytest.mark.parametrize("make, match", [
    (lambda: layers.CategoryEncoding(num_tokens=3, sparse=True), "sparse"),
    (lambda: layers.Hashing(num_bins=3, sparse=True, output_mode="one_hot"), "sparse"),
    (lambda: layers.StringLookup(sparse=True), "sparse"),
    (lambda: layers.TextVectorization(sparse=True), "sparse"),
    (lambda: layers.CategoryEncoding(), "num_tokens"),
    (lambda: layers.CategoryEncoding(num_tokens=3, output_mode="tf_idf"), "output_mode"),
    (lambda: layers.Discretization(), "num_bins"),
    (lambda: layers.Discretization(num_bins=3, bin_boundaries=[1.0]), "not both"),
    (lambda: layers.Hashing(num_bins=0), "num_bins"),
    (lambda: layers.Hashing(num_bins=3, salt="pepper"), "salt"),
    (lambda: layers.StringLookup(max_tokens=1), "max_tokens"),
    (lambda: layers.StringLookup(num_oov_indices=-1), "num_oov_indices"),
    (lambda: layers.StringLookup(invert=True, output_mode="count"), "invert"),
    (lambda: layers.StringLookup(vocabulary=["a", "a"]), "repeats"),
    (lambda: layers.StringLookup(vocabulary=["a"], output_mode="tf_idf"), "idf_weights"),
    (lambda: layers.IntegerLookup(salt=3), "farmhash"),
    (lambda: layers.HashedCrossing(num_bins=3, output_mode="count"), "output_mode"),
])
def test_bad_arguments_raise_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        layers.StringLookup(vocabulary=["a"], num_oov_indices=0)(np.array(["a", "zz"]))
    with pytest.raises(TypeError, match="StringLookup.*expects strings"):
        layers.StringLookup(vocabulary=["a"])(np.array([1, 2]))
    with pytest.raises(TypeError, match="IntegerLookup.*expects integers"):
        layers.IntegerLookup(vocabulary=[1])(np.array(["a"]))
    with pytest.raises(ValueError, match="adapt"):
        layers.Discretization(num_bins=3)(np.array([1.0]))
    with pytest.raises(ValueError, match="at least two inputs"):
        layers.HashedCrossing(num_bins=3)(np.array([1, 2]))
    with pytest.raises(ValueError, match="count_weights"):
        layers.CategoryEncoding(num_tokens=3)(np.array([1]), count_weights=np.array([1.0]))
    with pytest.raises(ValueError, match="given a vocabulary"):
        layers.StringLookup(vocabulary=["a"]).adapt(["b"])


def test_pipeline_of_adapted_layers_saves_under_keras_paths(tmp_path):
    norm = layers.Normalization(axis=None)
    norm.adapt(np.array([[1.0], [2.0], [3.0]]))
    pipe = layers.Pipeline([norm, layers.Rescaling(2.0)])
    inputs = keras.Input(shape=(1,))
    model = keras.Model(inputs, pipe(inputs))
    model.save(str(tmp_path / "p.keras"))
    with zipfile.ZipFile(str(tmp_path / "p.keras")) as z:
        z.extract("model.weights.h5", str(tmp_path))
    with h5py.File(str(tmp_path / "model.weights.h5")) as f:
        assert "layers/pipeline/layers/normalization/vars/0" in f
    again = keras.models.load_model(str(tmp_path / "p.keras"))
    np.testing.assert_allclose(again.predict(np.array([[3.0]]), verbose=0),
                               model.predict(np.array([[3.0]]), verbose=0))


def test_string_outputs_are_string_keras_tensors():
    ids = keras.Input(shape=(2,), dtype="int64")
    words = layers.StringLookup(vocabulary=["a", "b"], invert=True)(ids)
    assert words.dtype == "string"
    model = keras.Model(ids, layers.StringLookup(vocabulary=["b", "a"])(words))
    np.testing.assert_array_equal(model.predict(np.array([[1, 2], [2, 3]]), verbose=0),
                                  [[2, 1], [1, 0]])


def test_lookups_without_oov_indices_connect_to_symbolic_inputs():
    """Keras finds a Functional model's shapes without values; numen probes with stand-ins
    ('' and 0), which a vocabulary without OOV indices must not refuse (the neural decision
    forest guide). Real data out of the vocabulary is still refused."""
    words = keras.Input(shape=(), dtype="string")
    ids = layers.StringLookup(vocabulary=["a", "b"], mask_token=None, num_oov_indices=0)(words)
    numbers = keras.Input(shape=(2,), dtype="int64")
    int_ids = layers.IntegerLookup(vocabulary=[7, 9], num_oov_indices=0)(numbers)
    model = keras.Model([words, numbers], [ids, int_ids])
    out = model.predict([np.array(["b", "a"]), np.array([[9, 7], [7, 7]])], verbose=0)
    np.testing.assert_array_equal(out[0], [1, 0])
    np.testing.assert_array_equal(out[1], [[1, 0], [0, 0]])
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        model.predict([np.array(["zz"]), np.array([[7, 7]])], verbose=0)


def test_models_and_custom_layers_holding_a_lookup_take_strings():
    """Keras hands strings to any layer; numen to those that hold a layer taking text: a
    Sequential encoder [StringLookup, Embedding] with no Input, and a custom layer around a
    StringLookup (the memory-efficient embeddings example)."""
    encoder = keras.Sequential([layers.StringLookup(vocabulary=["a", "b"], mask_token=None),
                                layers.Embedding(3, 2)])
    assert tuple(encoder(np.array(["b", "zz"])).shape) == (2, 2)
    # predict() takes the strings too (a model for inference: [vectorizer, trained model]).
    unbuilt = keras.Sequential([layers.StringLookup(vocabulary=["a", "b"]),
                                layers.Embedding(3, 2)])
    assert unbuilt.predict(np.array(["a", "b", "c"]), verbose=0).shape == (3, 2)
    words = keras.Input(shape=(), dtype="string")
    fresh = keras.Sequential([layers.StringLookup(vocabulary=["a"]), layers.Embedding(3, 2)])
    assert keras.Model(words, fresh(words)).output_shape == (None, 2)
    assert fresh.inputs[0].dtype == "string"

    class Hashed(layers.Layer):
        def __init__(self):
            super().__init__()
            self.lookup = layers.StringLookup(vocabulary=["x", "y"], num_oov_indices=0)

        def call(self, inputs):
            return keras.ops.mod(self.lookup(inputs), 2)

    np.testing.assert_array_equal(Hashed()(np.array(["y", "x"])), [1, 0])
    with pytest.raises(TypeError, match="Layer 'dense.*' expects numeric input"):
        layers.Dense(2)(np.array([["a"]]))


def test_ragged_lists_are_refused_with_the_way_out():
    """Keras needs a tf.ragged tensor for lists of different lengths; numen has none, and
    says so (with the padding that works) instead of NumPy's 'inhomogeneous shape'."""
    lookup = layers.StringLookup(output_mode="multi_hot", mask_token="")
    with pytest.raises(ValueError, match=r"string_lookup.*rows of different lengths.*mask"):
        lookup.adapt([["a", "b"], ["c"]])
    lookup.adapt(np.array([["a", "b"], ["c", ""]]))
    with pytest.raises(ValueError, match=r"Layer 'string_lookup.*': received rows of"):
        lookup([["a", "b"], ["c"]])
    # The mask token pads; multi_hot drops it.
    vocab = lookup.get_vocabulary()
    assert "" not in vocab
    np.testing.assert_array_equal(lookup(np.array([["c", ""]])),
                                  [[int(t == "c") for t in vocab]])


def test_a_keras_op_on_a_string_input_keeps_the_strings():
    """`ops.expand_dims` of a string Input feeding a one-hot StringLookup (the wide, deep and
    cross example): the op was refused text ('expects numeric input')."""
    words = keras.Input(shape=(), dtype="string")
    lookup = layers.StringLookup(vocabulary=["a", "b"], mask_token=None, num_oov_indices=0,
                                 output_mode="binary")
    model = keras.Model(words, lookup(keras.ops.expand_dims(words, -1)))
    assert model.output_shape == (None, 2)
    np.testing.assert_array_equal(model.predict(np.array(["b", "a"]), verbose=0),
                                  [[0, 1], [1, 0]])
    numbers = keras.Input(shape=(2,))
    assert keras.Model(numbers, keras.ops.expand_dims(numbers, -1)).predict(
        np.ones((1, 2)), verbose=0).dtype == np.float32  # numbers are converted as before
