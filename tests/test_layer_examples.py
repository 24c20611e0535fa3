"""The layer examples (convnet, LSTM, text embedding, two-input two-output) reach the quality
their docstrings state, with the epochs the docstrings name for tests."""

import pathlib
import runpy

import numpy as np
import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def _load(name):
    return runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="example")


def test_convnet_digits_reaches_95_percent(capsys):
    accuracy = _load("convnet_digits")["main"](epochs=8, verbose=0)
    assert accuracy >= 0.95
    assert "test accuracy" in capsys.readouterr().out


def test_lstm_sequences_reaches_90_percent(capsys):
    accuracy = _load("lstm_sequences")["main"](epochs=6, verbose=0)
    assert accuracy >= 0.90
    assert "test accuracy" in capsys.readouterr().out


def test_lstm_sequences_labels_follow_the_true_sum():
    module = _load("lstm_sequences")
    x, y = module["make_sequences"](500, seed=3)
    assert x.shape == (500, module["STEPS"], 1) and x.dtype == np.float32
    # The observed sum agrees with the label almost always: the noise is small by design.
    assert np.mean((x.sum(axis=(1, 2)) > 0) == (y == 1)) > 0.95
    assert 0.4 < y.mean() < 0.6


@pytest.mark.filterwarnings("ignore:invalid value encountered in divide")
def test_text_embedding_reaches_95_percent(capsys):
    accuracy = _load("text_embedding")["main"](epochs=4, verbose=0)
    assert accuracy >= 0.95
    assert "test accuracy" in capsys.readouterr().out


def test_text_embedding_reviews_are_padded_and_labelled_by_marker_counts():
    module = _load("text_embedding")
    tokens, labels = module["make_reviews"](300, seed=5)
    assert tokens.shape == (300, module["MAX_LEN"])
    lengths = (tokens != 0).sum(axis=1)
    # Padding only at the end, so a mask of `tokens != 0` marks exactly the real words.
    assert all((row[n:] == 0).all() and (row[:n] != 0).all() for row, n in zip(tokens, lengths))
    good = np.isin(tokens, module["GOOD"]).sum(axis=1)
    bad = np.isin(tokens, module["BAD"]).sum(axis=1)
    np.testing.assert_array_equal(labels, (good > bad).astype(np.float32))
    assert (good != bad).all()


@pytest.mark.filterwarnings("ignore:invalid value encountered in divide")
def test_text_embedding_mask_makes_padding_irrelevant():
    from numen import keras

    module = _load("text_embedding")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(module["VOCAB"], 8, mask_zero=True),
        keras.layers.GlobalAveragePooling1D(),
        keras.layers.Dense(1),
    ])
    short = np.array([[12, 3, 40, 7]])
    padded = np.concatenate([short, np.zeros((1, 6), dtype=short.dtype)], axis=1)
    np.testing.assert_allclose(model.predict(padded, verbose=0), model.predict(short, verbose=0),
                               rtol=1e-6)


def test_two_input_two_output_reaches_93_percent_and_small_mae(capsys):
    accuracy, mae = _load("two_input_two_output")["main"](epochs=12, verbose=0)
    assert accuracy >= 0.93
    assert mae < 0.15
    assert "mean predictor" in capsys.readouterr().out


def test_two_input_two_output_model_names_its_inputs_and_outputs():
    module = _load("two_input_two_output")
    model = module["build_model"]()
    assert [t.name for t in model.inputs] == ["image", "metadata"]
    assert model.output_names == ["digit", "score"]
    inputs, targets = module["make_data"]()
    digit, score = model.predict({k: v[:5] for k, v in inputs.items()}, verbose=0)
    assert digit.shape == (5, 10) and score.shape == (5, 1)
    assert set(targets) == {"digit", "score"}
