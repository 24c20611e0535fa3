"""Keras 3 interoperability of EinsumDense, GroupQueryAttention, RMSNormalization and
ConvLSTM2D: Keras-written .keras and .weights.h5 files load in numen with Keras's predictions,
and (when a real Keras 3 is importable) numen-written files load in Keras the same way.

Fixtures: tests/fixtures/make_keras_fixtures_misclayers.py, run with a real Keras 3.
"""

import glob
import os

import numpy as np
import pytest

from numen import backend, keras
from numen.keras import layers

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "keras3")
NAMES = ["misc_attention", "misc_conv_lstm"]


def _inputs(name):
    xs = [np.load(p) for p in sorted(glob.glob(os.path.join(FIXTURES, f"{name}_x*.npy")))]
    return xs[0] if len(xs) == 1 else xs


def numen_models():
    """The fixtures' architectures, built in numen."""
    x = keras.Input((5, 6))
    h = layers.EinsumDense("abc,cd->abd", output_shape=(None, 8), bias_axes="d",
                           activation="relu")(x)
    a = layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)(h, h)
    h = layers.RMSNormalization()(layers.Add()([a, h]))
    out = layers.EinsumDense("abc,cd->ad", output_shape=2)(h)
    attention = keras.Model(x, out)
    conv_lstm = keras.Sequential([
        keras.Input((3, 6, 6, 2)), layers.ConvLSTM2D(3, 3, padding="same",
                                                     return_sequences=True),
        layers.ConvLSTM2D(2, 2, strides=2), layers.Flatten(), layers.Dense(2)])
    return {"misc_attention": attention, "misc_conv_lstm": conv_lstm}


@pytest.mark.parametrize("name", NAMES)
def test_keras3_model_file_loads_with_same_predictions(name):
    model = keras.models.load_model(os.path.join(FIXTURES, f"{name}.keras"))
    expected = np.load(os.path.join(FIXTURES, f"{name}_y.npy"))
    np.testing.assert_allclose(model.predict(_inputs(name), verbose=0), expected, rtol=1e-4,
                               atol=1e-5)
    assert model.compiled and model.optimizer.iterations == 2


@pytest.mark.parametrize("name", NAMES)
def test_keras3_weights_file_loads_into_numen_model(name):
    model = numen_models()[name]
    x = _inputs(name)
    expected = np.load(os.path.join(FIXTURES, f"{name}_y.npy"))
    model.load_weights(os.path.join(FIXTURES, f"{name}.weights.h5"))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)


def test_numen_files_load_in_keras3(tmp_path):
    real_keras = pytest.importorskip("keras")
    if not hasattr(real_keras, "saving") or real_keras.__name__ != "keras":
        pytest.skip("the installed `keras` is not Keras 3")
    backend.set_random_seed(5)
    for name, model in numen_models().items():
        x = _inputs(name)
        y = np.random.default_rng(0).normal(size=(4, *model.output_shape[1:]))
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y.astype("float32"), epochs=1, batch_size=2, verbose=0)
        path = str(tmp_path / f"{name}.keras")
        model.save(path)
        loaded = real_keras.models.load_model(path)
        np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)),
                                   model.predict(x, verbose=0), rtol=1e-4, atol=1e-5,
                                   err_msg=name)
        weights = str(tmp_path / f"{name}.weights.h5")
        model.save_weights(weights)
        fresh = real_keras.models.clone_model(loaded)
        fresh.load_weights(weights)
        np.testing.assert_allclose(np.asarray(fresh.predict(x, verbose=0)),
                                   model.predict(x, verbose=0), rtol=1e-4, atol=1e-5,
                                   err_msg=name)
