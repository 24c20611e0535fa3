"""The transfer-learning guide's two rounds, run by real Keras 3 and by numen from the same
weights: Xception called with `training=False` under a new head, trained with the base frozen,
then unfrozen and fine-tuned with Adam(1e-5). The losses, the batch norms' moving statistics
(which the fine-tuning round updates in both: fit's training=True wins over the built-in
training=False, keras-team/keras issue 20285) and the predictions agree; so do the base's weight
updates, up to Adam's normalization of very small gradients.

Runs where a real Keras 3 is importable (the interop environment: `make interop`)."""

import os
import sys

import numpy as np
import pytest

from numen import backend

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))
import app_weights  # noqa: E402


@pytest.fixture(scope="module")
def real_keras():
    keras = pytest.importorskip("keras")
    if not hasattr(keras, "saving") or keras.__name__ != "keras":
        pytest.skip("the installed `keras` is not Keras 3")
    return keras


def _values(variables):
    """Copies of the variables' values (numen's or Keras's)."""
    return [np.array(backend.to_numpy(v.data) if hasattr(v, "data") else np.asarray(v))
            for v in variables]


def _two_rounds(k, x, y):
    base = k.applications.Xception(weights=None, include_top=False, input_shape=(71, 71, 3))
    for i, v in enumerate(base.weights):
        v.assign(app_weights.value(i, v.shape, v.path.split("/")[-1]))
    base.trainable = False
    inputs = k.Input((71, 71, 3))
    features = base(k.layers.Rescaling(1 / 127.5, offset=-1)(inputs), training=False)
    outputs = k.layers.Dense(1)(k.layers.GlobalAveragePooling2D()(features))
    model = k.Model(inputs, outputs)
    model.layers[-1].set_weights([np.linspace(-0.05, 0.05, 2048, dtype="float32")[:, None],
                                  np.zeros(1, "float32")])
    initial = _values(base.weights)
    loss = k.losses.BinaryCrossentropy(from_logits=True)
    model.compile(optimizer=k.optimizers.Adam(), loss=loss)
    top = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0).history["loss"]
    frozen = _values(base.weights)
    base.trainable = True
    moving_before = _values(base.non_trainable_weights)
    model.compile(optimizer=k.optimizers.Adam(1e-5), loss=loss)
    tuned = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0).history["loss"]
    return dict(initial=initial, frozen=frozen, final=_values(base.weights), top=top,
                tuned=tuned, moving_before=moving_before,
                moving=_values(base.non_trainable_weights),
                pred=np.asarray(model.predict(x, verbose=0)))


@pytest.mark.slow
def test_frozen_then_fine_tuned_xception_as_keras(real_keras):
    from numen import keras as numen_keras

    x = app_weights.forward_input((8, 71, 71, 3), seed=5) * 255
    y = (np.arange(8) % 2).astype("float32")[:, None]
    theirs, ours = _two_rounds(real_keras, x, y), _two_rounds(numen_keras, x, y)
    for run in (theirs, ours):  # frozen: nothing in the base moved, statistics included
        assert all(np.array_equal(a, b) for a, b in zip(run["initial"], run["frozen"]))
    np.testing.assert_allclose(ours["top"], theirs["top"], rtol=1e-5)
    np.testing.assert_allclose(ours["tuned"], theirs["tuned"], rtol=1e-5)
    assert len(ours["moving"]) == len(theirs["moving"]) == 80
    for a, b in zip(ours["moving"], theirs["moving"]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    for run in (theirs, ours):  # unfrozen: the statistics moved, in both libraries
        assert any(not np.array_equal(a, b) for a, b in zip(run["moving"], run["moving_before"]))
    np.testing.assert_allclose(ours["pred"], theirs["pred"], rtol=1e-4, atol=1e-6)
    ours_step = np.concatenate([(a - b).ravel() for a, b in zip(ours["final"], ours["initial"])])
    theirs_step = np.concatenate([(a - b).ravel() for a, b in
                                  zip(theirs["final"], theirs["initial"])])
    assert np.abs(theirs_step).max() > 0
    assert np.corrcoef(ours_step, theirs_step)[0, 1] > 0.999
