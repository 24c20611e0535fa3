"""Optimizer state in .keras files, both ways with a real Keras 3 (which stores it by order
alone): optimizers whose state is made in several passes or has placeholders, and the wrappers
(skipped where `keras` is not importable):

    PYTHONPATH=src .venv/interop/bin/python -m pytest tests/test_interop_optimizers.py
"""

import numpy as np
import pytest

from numen import keras
from numen.saving.weights_h5 import optimizer_arrays

MAKERS = {
    # Keras makes RMSprop's slots in three passes, Adam's velocity_hat in a second one, and
    # the EMA averages and gradient accumulators before the slots.
    "rmsprop": lambda k: k.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "adam_amsgrad_ema": lambda k: k.optimizers.Adam(0.01, amsgrad=True, use_ema=True,
                                                    gradient_accumulation_steps=2),
    "adafactor": lambda k: k.optimizers.Adafactor(learning_rate=0.01),
    "adamax": lambda k: k.optimizers.Adamax(0.01),
    "nadam": lambda k: k.optimizers.Nadam(0.01),
    "lamb": lambda k: k.optimizers.Lamb(learning_rate=0.01),
    "muon": lambda k: k.optimizers.Muon(learning_rate=0.01, exclude_layers=["head"]),
    "schedule_free": lambda k: k.optimizers.ScheduleFreeAdamW(learning_rate=0.01),
    "loss_scale": lambda k: k.optimizers.LossScaleOptimizer(k.optimizers.Adam(0.01),
                                                            dynamic_growth_steps=3),
    "multi": lambda k: k.optimizers.MultiOptimizer(k.optimizers.OptimizerMap(
        k.optimizers.SGD(0.05, momentum=0.9), {".*enc/.*": k.optimizers.Adam(0.01)})),
}


def _real_keras():
    real = pytest.importorskip("keras")
    if not hasattr(real, "saving") or real.__name__ != "keras":
        pytest.skip("needs a real Keras 3")
    return real


# Keras's variable paths start with the model's name ("sequential/enc/kernel"), numen's with
# the layer's ("enc/kernel"): the MultiOptimizer pattern matches both.


def _fitted(k, name):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 4)).astype("float32")
    y = rng.standard_normal((16, 2)).astype("float32")
    model = k.Sequential([k.Input((4,)), k.layers.Dense(3, name="enc"),
                          k.layers.Dense(2, name="head")])
    model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.5
                       for w in model.weights])
    model.compile(optimizer=MAKERS[name](k), loss="mse")
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    return model, x, y


def _keras_state(model):
    return [np.asarray(v) for v in model.optimizer.variables]


def _numen_state(model):
    return [np.asarray(a) for a in optimizer_arrays(model.optimizer)]


def _same_state(numen_model, keras_model):
    ours, theirs = _numen_state(numen_model), _keras_state(keras_model)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.astype("float64"), b.astype("float64"), rtol=1e-5,
                                   atol=1e-6)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_numen_optimizer_state_loads_in_keras3(name, tmp_path):
    real = _real_keras()
    model, x, y = _fitted(keras, name)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = real.models.load_model(path)
    assert type(loaded.optimizer).__name__ == type(model.optimizer).__name__
    _same_state(model, loaded)
    # One more step on each side from the same state: the same weights.
    model.fit(x[:4], y[:4], batch_size=4, verbose=0)
    loaded.fit(x[:4], y[:4], batch_size=4, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_keras3_optimizer_state_loads_in_numen(name, tmp_path):
    real = _real_keras()
    model, _, _ = _fitted(real, name)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.optimizer).__name__ == type(model.optimizer).__name__
    _same_state(loaded, model)
