"""`.weights.h5` interoperability of keras.applications (MobileNetV3, EfficientNet, ConvNeXt,
EfficientNetV2, NASNet where numen has them), both ways: weights that real Keras 3 saved load
into numen's builder and give the same predictions, and the other way.

Runs where a real Keras 3 is importable (the interop environment:
`KERAS_BACKEND=jax PYTHONPATH=src /work/main/.venv/interop/bin/python -m pytest
tests/test_interop_applications_b.py`); skipped elsewhere.
"""

import importlib
import importlib.util

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from numen import backend  # noqa: E402

# family -> (builder, small-model arguments)
CASES = {
    "mobilenet_v3": ("MobileNetV3Small", {"input_shape": (32, 32, 3)}),
    "efficientnet": ("EfficientNetB0", {"input_shape": (32, 32, 3)}),
    "efficientnet_v2": ("EfficientNetV2B0", {"input_shape": (32, 32, 3)}),
    "convnext": ("ConvNeXtTiny", {"input_shape": (32, 32, 3)}),
    "nasnet": ("NASNetMobile", {"input_shape": (32, 32, 3)}),
}
PRESENT = [f for f in CASES
           if importlib.util.find_spec(f"numen.applications.{f}") is not None]
SLOW = {"nasnet", "convnext", "efficientnet", "efficientnet_v2"}


def _keras_builder(family, name):
    module = getattr(keras.applications, family)
    return getattr(module, name, None) or getattr(keras.applications, name)


def _numen_builder(family, name):
    return getattr(importlib.import_module(f"numen.applications.{family}"), name)


def _kwargs(family, include_top):
    kwargs = dict(CASES[family][1], weights=None, include_top=include_top)
    if include_top:
        kwargs["classes"] = 7
    return kwargs


def _randomize(variables, seed):
    rng = np.random.default_rng(seed)
    for v in variables:
        shape = tuple(v.shape)
        if "float" not in str(v.dtype):
            continue
        if v.path.endswith(("variance", "gamma")):
            value = rng.uniform(0.9, 1.1, shape)
        elif len(shape) >= 2:
            value = rng.uniform(-1, 1, shape) * np.sqrt(3.0 / max(int(np.prod(shape[:-1])), 1))
        else:
            value = rng.uniform(-0.05, 0.05, shape)
        v.assign(value.astype("float32"))


def _images(family):
    shape = (2,) + tuple(CASES[family][1]["input_shape"])
    return np.random.default_rng(5).uniform(0, 255, shape).astype("float32")


def _params():
    return [pytest.param(f, top, marks=[pytest.mark.slow] if f in SLOW else [],
                         id=f"{f}-{'top' if top else 'notop'}")
            for f in PRESENT for top in (False, True)]


@pytest.mark.parametrize("family,include_top", _params())
def test_keras_weights_load_in_numen(family, include_top, tmp_path):
    name = CASES[family][0]
    kmodel = _keras_builder(family, name)(**_kwargs(family, include_top))
    _randomize(kmodel.weights, seed=1)
    path = str(tmp_path / "keras.weights.h5")
    kmodel.save_weights(path)
    x = _images(family)
    expected = np.asarray(kmodel.predict(x, verbose=0))
    model = _numen_builder(family, name)(**_kwargs(family, include_top))
    model.load_weights(path)
    got = backend.to_numpy(model.predict(x, verbose=0))
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-4 * np.abs(expected).max())


@pytest.mark.parametrize("family,include_top", _params())
def test_numen_weights_load_in_keras(family, include_top, tmp_path):
    name = CASES[family][0]
    model = _numen_builder(family, name)(**_kwargs(family, include_top))
    _randomize(model.weights, seed=2)
    path = str(tmp_path / "numen.weights.h5")
    model.save_weights(path)
    x = _images(family)
    got = backend.to_numpy(model.predict(x, verbose=0))
    kmodel = _keras_builder(family, name)(**_kwargs(family, include_top))
    kmodel.load_weights(path)
    expected = np.asarray(kmodel.predict(x, verbose=0))
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-4 * np.abs(expected).max())
