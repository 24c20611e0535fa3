"""Keras 3 interoperability of the issue-15 losses and metrics: a model compiled with them
saves in one framework and loads compiled in the other, with the same configs and values.

Runs under the interop venv (real Keras 3 next to numen); skipped where Keras 3 is absent:
    PYTHONPATH=src .venv/interop/bin/python -m pytest tests/test_interop_losses.py
"""

import numpy as np
import pytest

from numen import backend, keras


def _real_keras():
    real = pytest.importorskip("keras")
    if not hasattr(real, "saving") or real.__name__ != "keras":
        pytest.skip("the installed `keras` is not Keras 3")
    return real


def _compile(k, model):
    model.compile(
        optimizer="adam",
        loss=k.losses.BinaryFocalCrossentropy(gamma=3.0, apply_class_balancing=True),
        metrics=[k.metrics.BinaryIoU(threshold=0.4), k.metrics.PrecisionAtRecall(0.6),
                 k.metrics.R2Score(), k.metrics.PearsonCorrelation(axis=0)])


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 4)).astype("float32")
    return x, (x[:, :1] > 0).astype("float32")


def _check(loaded_model, source_model, x, y):
    a = loaded_model.loss if hasattr(loaded_model.loss, "get_config") else None
    assert a is not None and a.get_config() == source_model.loss.get_config()
    got = [float(v) for v in np.ravel(loaded_model.evaluate(x, y, verbose=0))]
    want = [float(v) for v in np.ravel(source_model.evaluate(x, y, verbose=0))]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_numen_model_with_new_losses_and_metrics_loads_in_keras3(tmp_path):
    real = _real_keras()
    backend.set_random_seed(0)
    x, y = _data()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    _compile(keras, model)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    path = str(tmp_path / "numen.keras")
    model.save(path)
    _check(real.models.load_model(path), model, x, y)


def test_keras3_model_with_new_losses_and_metrics_loads_in_numen(tmp_path):
    real = _real_keras()
    x, y = _data()
    model = real.Sequential([real.Input((4,)), real.layers.Dense(1, activation="sigmoid")])
    _compile(real, model)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    path = str(tmp_path / "keras.keras")
    model.save(path)
    _check(keras.models.load_model(path), model, x, y)
