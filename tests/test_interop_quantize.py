"""Quantized and bfloat16 .keras files, both ways with real Keras 3: EinsumDense quantized to
int8 and int4, float8-trained Dense and EinsumDense, and a mixed_bfloat16 model.

Keras-written files (from tests/fixtures/make_keras_precision_fixtures.py) load in numen with
Keras's predictions everywhere; the other direction, and files made and quantized on the spot
by Keras, need a real Keras 3 (`make interop` runs this file in the interop venv) and are
skipped without one.
"""

import os

import numpy as np
import pytest

from numen import keras

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "keras3")
# name -> (the quantized layers' policies, prediction tolerance)
FILES = {
    "quantized_einsum_int8": (["int8_from_float32", "int8_from_float32"], 1e-5),
    "quantized_einsum_int4": (["int4/128_from_float32", "int4/128_from_float32"], 1e-5),
    "quantized_float8": (["float8_from_float32", "float8_from_float32"], 1e-5),
    "mixed_bfloat16": (["mixed_bfloat16", "mixed_bfloat16", "mixed_bfloat16"], 2e-2),
}


def _load(name):
    return (keras.saving.load_model(os.path.join(FIXTURES, f"{name}.keras")),
            np.load(os.path.join(FIXTURES, f"{name}_x.npy")),
            np.load(os.path.join(FIXTURES, f"{name}_y.npy")))


def _policies(model):
    return [layer.dtype_policy.name for layer in model.layers
            if layer.dtype_policy.name != "float32"]


def _predict(model, x):
    return np.asarray(model.predict(x, verbose=0), dtype="float32")


@pytest.fixture(scope="module")
def real_keras():
    real = pytest.importorskip("keras")
    if real.__name__ != "keras" or not hasattr(real, "quantizers"):
        pytest.skip("the installed `keras` is not Keras 3 with quantization")
    return real


@pytest.mark.parametrize("name", sorted(FILES))
def test_keras3_file_loads_with_same_predictions(name):
    model, x, expected = _load(name)
    policies, tol = FILES[name]
    assert _policies(model) == policies
    np.testing.assert_allclose(_predict(model, x), expected, rtol=tol, atol=tol)


def test_keras3_float8_file_keeps_trained_scales():
    model, _, _ = _load("quantized_float8")
    layer = model.layers[0]
    assert float(layer.inputs_scale.numpy()) != 1.0  # written after two training steps
    assert layer.inputs_amax_history.shape == (1024,)


@pytest.mark.parametrize("name", sorted(FILES))
def test_numen_file_loads_in_keras3(name, tmp_path, real_keras):
    model, x, _ = _load(name)
    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    loaded = real_keras.saving.load_model(path)
    assert [layer.dtype_policy.name for layer in loaded.layers] == \
        [layer.dtype_policy.name for layer in model.layers]
    tol = FILES[name][1]
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0), dtype="float32"),
                               _predict(model, x), rtol=tol, atol=tol)
    for theirs, ours in zip(loaded.layers, model.layers):  # names and shapes (not order)
        assert sorted((w.path.split("/")[-1], tuple(w.shape)) for w in theirs.weights) == \
            sorted((w.path.split("/")[-1], tuple(w.shape)) for w in ours.weights)


def _numen_quantized(kind):
    rng = np.random.default_rng(3)
    if kind == "float8_dense":
        model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, activation="relu"),
                                  keras.layers.Dense(2)])
        x = rng.standard_normal((6, 5)).astype("float32")
        model.quantize("float8")
        model.compile(keras.optimizers.SGD(0.05), "mse")
        model.fit(x, rng.standard_normal((6, 2)).astype("float32"), epochs=2, verbose=0)
        return model, x
    model = keras.Sequential([
        keras.Input((3, 4)),
        keras.layers.EinsumDense("abc,bcd->ad", 5, bias_axes="d"),
        keras.layers.Dense(2)])
    config = (keras.quantizers.Int4QuantizationConfig(block_size=4) if kind == "int4"
              else None)
    model.quantize(kind if kind == "int8" else None, config=config)
    return model, rng.standard_normal((6, 3, 4)).astype("float32")


@pytest.mark.parametrize("kind", ["int8", "int4", "float8_dense"])
def test_numen_quantized_models_load_in_keras3(kind, tmp_path, real_keras):
    model, x = _numen_quantized(kind)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = real_keras.saving.load_model(path)
    assert [layer.dtype_policy.name for layer in loaded.layers] == \
        [layer.dtype_policy.name for layer in model.layers]
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)), _predict(model, x),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", ["int8", "int4", "float8"])
def test_keras3_quantized_einsum_loads_in_numen(mode, tmp_path, real_keras):
    k = real_keras
    model = k.Sequential([k.Input((3, 4)),
                          k.layers.EinsumDense("abc,bcd->ad", 5, bias_axes="d"),
                          k.layers.Dense(2)])
    model.quantize(mode)
    x = np.random.default_rng(4).standard_normal((6, 3, 4)).astype("float32")
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert [layer.dtype_policy.name for layer in loaded.layers] == \
        [layer.dtype_policy.name for layer in model.layers]
    np.testing.assert_allclose(_predict(loaded, x), np.asarray(model.predict(x, verbose=0)),
                               rtol=1e-5, atol=1e-5)


def test_compiled_float8_model_keeps_optimizer_state_both_ways(tmp_path, real_keras):
    """Keras makes no optimizer slots for the float8 scales and histories; neither does
    numen, so the saved optimizer states line up."""
    import warnings

    k = real_keras
    rng = np.random.default_rng(5)
    x = rng.standard_normal((8, 5)).astype("float32")
    y = rng.standard_normal((8, 2)).astype("float32")
    theirs = k.Sequential([k.Input((5,)), k.layers.Dense(3, activation="relu"),
                           k.layers.Dense(2)])
    theirs.quantize("float8")
    theirs.compile(k.optimizers.Adam(0.01), "mse")
    theirs.fit(x, y, epochs=1, verbose=0)
    path = str(tmp_path / "keras.keras")
    theirs.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        ours = keras.saving.load_model(path)
    assert len(ours.optimizer.variables) == len(theirs.optimizer.variables)
    ours.fit(x, y, epochs=1, verbose=0)
    path = str(tmp_path / "numen.keras")
    ours.save(path)
    again = k.saving.load_model(path)
    assert len(again.optimizer.variables) == len(ours.optimizer.variables)
    np.testing.assert_allclose(np.asarray(again.predict(x, verbose=0)), _predict(ours, x),
                               rtol=1e-5, atol=1e-5)
