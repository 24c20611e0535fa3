"""Quantized and mixed-precision .keras files, both ways: Keras 3 files (from
tests/fixtures/make_keras_precision_fixtures.py) load in numen with Keras's predictions, and
(when `keras` is importable, i.e. under the interop Python) numen's files load in Keras 3."""

import os

import numpy as np
import pytest

from numen import keras

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "keras3")
NAMES = ["quantized_int8", "quantized_int4", "mixed_float16"]
POLICIES = {"quantized_int8": "int8_from_float32", "quantized_int4": "int4/128_from_float32",
            "mixed_float16": "mixed_float16"}


def _load(name):
    return (keras.saving.load_model(os.path.join(FIXTURES, f"{name}.keras")),
            np.load(os.path.join(FIXTURES, f"{name}_x.npy")),
            np.load(os.path.join(FIXTURES, f"{name}_y.npy")))


@pytest.mark.parametrize("name", NAMES)
def test_keras3_file_loads_with_same_predictions(name):
    model, x, expected = _load(name)
    assert model.layers[-2 if name == "mixed_float16" else -1].dtype_policy.name == \
        POLICIES[name]
    tol = 2e-3 if name == "mixed_float16" else 1e-5
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", NAMES)
def test_numen_file_loads_in_keras3(name, tmp_path):
    real_keras = pytest.importorskip("keras")
    model, x, _ = _load(name)
    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    loaded = real_keras.saving.load_model(path)
    assert [layer.dtype_policy.name for layer in loaded.layers] == \
        [layer.dtype_policy.name for layer in model.layers]
    tol = 2e-3 if name == "mixed_float16" else 1e-5
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)),
                               model.predict(x, verbose=0), rtol=tol, atol=tol)
