"""keras.applications across the two libraries, one builder per family: weights that real
Keras 3 saves as `.weights.h5` load in numen's model of the same architecture with Keras's
predictions, and numen's saved weights load in Keras's model with numen's.

Runs where a real Keras 3 is importable (the interop environment: `make interop`); skipped
elsewhere. Families numen does not have yet are skipped too. The architectures are the small
forward-check ones of tests/fixtures/keras_applications/ (include_top=False, smallest input).
"""

import importlib
import json
import os
import sys

import numpy as np
import pytest

from numen import backend

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))
import app_weights  # noqa: E402

HERE = os.path.join(os.path.dirname(__file__), "fixtures", "keras_applications")
FAMILIES = sorted(f.removesuffix(".json") for f in os.listdir(HERE) if f.endswith(".json")) \
    if os.path.isdir(HERE) else []
# each takes tens of seconds (two libraries build and run it); the others stay quick
FAST = {"mobilenet", "mobilenet_v2", "mobilenet_v3", "resnet"}


@pytest.fixture(scope="module")
def real_keras():
    keras = pytest.importorskip("keras")
    if not hasattr(keras, "saving") or keras.__name__ != "keras":
        pytest.skip("the installed `keras` is not Keras 3")
    return keras


def _builders(family, keras):
    if importlib.util.find_spec(f"numen.applications.{family}") is None:
        pytest.skip(f"numen has no applications.{family} yet")
    with open(os.path.join(HERE, f"{family}.json")) as f:
        info = json.load(f)["forward"]
    kwargs = dict(info["kwargs"])
    kwargs["input_shape"] = tuple(kwargs["input_shape"])
    numen_module = importlib.import_module(f"numen.applications.{family}")
    keras_module = getattr(keras.applications, family)
    return (getattr(keras_module, info["builder"]), getattr(numen_module, info["builder"]),
            kwargs)


def _set(model, offset):
    """Deterministic weights (batch-norm statistics included) in `model.weights` order."""
    for i, v in enumerate(model.weights):
        if "float" in str(v.dtype):
            v.assign(app_weights.value(offset + i, v.shape, v.path.split("/")[-1]))


@pytest.mark.parametrize("family", [
    pytest.param(f, marks=[] if f in FAST else [pytest.mark.slow]) for f in FAMILIES])
def test_weights_travel_both_ways(family, real_keras, tmp_path):
    keras_builder, numen_builder, kwargs = _builders(family, real_keras)
    x = app_weights.forward_input((2, *kwargs["input_shape"]), seed=11)

    theirs = keras_builder(**kwargs)
    _set(theirs, 0)
    path = str(tmp_path / "keras.weights.h5")
    theirs.save_weights(path)
    ours = numen_builder(**kwargs)
    assert [la.name for la in ours.layers] == [la.name for la in theirs.layers]
    ours.load_weights(path)
    expected = np.asarray(theirs(x, training=False))
    np.testing.assert_allclose(backend.to_numpy(ours(x, training=False)), expected,
                               rtol=1e-3, atol=1e-4 * np.abs(expected).max())

    _set(ours, 500)
    path = str(tmp_path / "numen.weights.h5")
    ours.save_weights(path)
    theirs.load_weights(path)
    expected = backend.to_numpy(ours(x, training=False))
    np.testing.assert_allclose(np.asarray(theirs(x, training=False)), expected,
                               rtol=1e-3, atol=1e-4 * np.abs(expected).max())
