"""numen against values written by real Keras 3: every case in tests/golden_cases/.

tests/fixtures/make_keras_golden.py ran each case with Keras (JAX backend) and stored inputs,
outputs and gradients; here the same case code runs with `numen.keras` on those inputs.
"""

import importlib
import os
import pkgutil

import numpy as np
import pytest

import golden_cases
from golden_cases.case import cotangent, is_float, leaves
from numen import keras
from numen.autodiff import GradientTape, Tensor

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "golden")


def _all_cases():
    for info in sorted(pkgutil.iter_modules(golden_cases.__path__), key=lambda m: m.name):
        if info.name == "case":
            continue
        module = importlib.import_module(f"golden_cases.{info.name}")
        for case in module.CASES:
            yield pytest.param(info.name, case, id=f"{info.name}-{case.name}")


_loaded = {}


def _fixture(family):
    if family not in _loaded:
        path = os.path.join(FIXTURES, f"{family}.npz")
        if not os.path.exists(path):
            pytest.fail(f"{path} is missing: run `make golden` (real Keras) for {family}")
        with np.load(path) as data:
            _loaded[family] = dict(data)
    return _loaded[family]


def _stored(data, name, kind):
    out, i = [], 0
    while f"{name}.{kind}{i}" in data:
        out.append(data[f"{name}.{kind}{i}"])
        i += 1
    return out


def _compare(actual, expected, case, what):
    actual = np.asarray(actual.numpy() if isinstance(actual, Tensor) else actual)
    where = f"{case.name} {what}"
    assert actual.shape == expected.shape, f"{where}: shape {actual.shape}, Keras {expected.shape}"
    if case.check_dtype:
        assert actual.dtype == expected.dtype, f"{where}: {actual.dtype}, Keras {expected.dtype}"
    if expected.dtype == bool or not np.issubdtype(expected.dtype, np.inexact):
        np.testing.assert_array_equal(actual, expected, err_msg=f"{case.name} {what}")
    else:
        np.testing.assert_allclose(actual, expected, rtol=case.rtol, atol=case.atol,
                                   err_msg=f"{case.name} {what}")


@pytest.mark.parametrize("family,case", list(_all_cases()))
def test_matches_keras(family, case):
    data = _fixture(family)
    arrays = [data[f"{case.name}.in{i}"] for i in range(len(case.inputs))]
    expected = _stored(data, case.name, "out")
    outs = leaves(case.fn(keras, *arrays))
    assert len(outs) == len(expected), f"{case.name}: {len(outs)} outputs, Keras {len(expected)}"
    for i, (a, e) in enumerate(zip(outs, expected)):
        _compare(a, e, case, f"output {i}")

    wrt = case.grad_indices(arrays)
    if not wrt:
        return
    args = [Tensor(a) for a in arrays]
    with GradientTape() as tape:
        tape.watch([args[i] for i in wrt])
        ys = [y for y in leaves(case.fn(keras, *args)) if is_float(y)]
        total = sum(keras.ops.sum(y * cotangent(tuple(y.shape)).astype(y.dtype)) for y in ys)
    grads = tape.gradient(total, [args[i] for i in wrt])
    for i, g in zip(wrt, grads):
        e = data[f"{case.name}.grad{i}"]
        _compare(np.zeros_like(e) if g is None else g, e, case, f"gradient {i}")
