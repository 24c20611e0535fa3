"""The compiled convolution and max-pooling pieces (numen.kernels.image) against the NumPy path:
outputs and gradients of `ops.conv` and `ops.max_pool` with NUMEN_KERNELS=numba and =numpy, in
float32 and float64, NaN included for the pooling. Skipped without Numba."""

import numpy as np
import pytest

from numen import ops
from numen.autodiff import Tensor, Variable, enable_grad, gradients, no_grad
from numen.kernels import image as compiled

pytest.importorskip("numba")

TOL = {np.float32: 2e-5, np.float64: 1e-12}


def _counting(monkeypatch, name):
    calls = []
    real = getattr(compiled, name)
    monkeypatch.setattr(compiled, name, lambda *a: calls.append(1) or real(*a))
    return calls


def _conv(monkeypatch, path, x, w, b, gy, **kwargs):
    monkeypatch.setenv("NUMEN_KERNELS", path)
    with no_grad():
        inferred = ops.conv(x, w, bias=b, relu=True, **kwargs).data
    xt = Tensor(x, requires_grad=True)
    with enable_grad():
        y = ops.conv(xt, w, bias=b, relu=True, **kwargs)
        return inferred, y.data, gradients(y, [xt, w, b], gy)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("x_shape, k_shape, kwargs, kernel", [
    ((2, 9, 8, 1), (3, 3, 1, 5), {}, "conv_few_channels"),
    ((1, 10, 9, 3), (3, 2, 3, 4), {"strides": 2, "padding": "same"}, "conv_few_channels"),
    ((2, 11, 10, 2), (2, 3, 2, 3), {"dilation_rate": (2, 1)}, "conv_few_channels"),
    ((2, 12, 2), (3, 2, 4), {"strides": 2}, "conv_few_channels"),  # 1-D: one row high
    ((2, 7, 7, 6), (3, 3, 6, 4), {"padding": "same"}, "bias_relu"),  # wide: BLAS product
])
def test_compiled_conv_matches_numpy(monkeypatch, dtype, x_shape, k_shape, kwargs, kernel):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = Variable(rng.standard_normal(k_shape), dtype=np.dtype(dtype).name)
    b = Variable(rng.standard_normal(k_shape[-1]), dtype=np.dtype(dtype).name)
    y_np = _conv(monkeypatch, "numpy", x, w, b, None, **kwargs)[1]
    gy = rng.standard_normal(y_np.shape).astype(dtype)
    calls = _counting(monkeypatch, kernel)
    got = _conv(monkeypatch, "numba", x, w, b, gy, **kwargs)
    assert len(calls) == 2, "the compiled kernel did not run"
    want = _conv(monkeypatch, "numpy", x, w, b, gy, **kwargs)
    tol = TOL[dtype]
    for g, h in zip([got[0], got[1], *got[2]], [want[0], want[1], *want[2]]):
        np.testing.assert_allclose(g, h, rtol=tol, atol=tol)
    np.testing.assert_array_equal(got[0], got[1])  # inference and training: the same path
    assert (got[1] >= 0).all()


def _pool(monkeypatch, path, x, gy, **kwargs):
    monkeypatch.setenv("NUMEN_KERNELS", path)
    xt = Tensor(x, requires_grad=True)
    with enable_grad():
        y = ops.max_pool(xt, **kwargs)
        return y.data.copy(), gradients(y, [xt], gy)[0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, kwargs", [
    ((2, 8, 8, 3), {"pool_size": 2}),
    ((1, 9, 7, 4), {"pool_size": (3, 2), "strides": (2, 1), "padding": "same"}),
    ((2, 10, 5), {"pool_size": 3, "strides": 2}),  # 1-D: one row high
])
def test_compiled_max_pool_matches_numpy(monkeypatch, dtype, shape, kwargs):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(dtype)
    x.reshape(-1)[[0, 5, 17]] = [np.nan, np.inf, -np.inf]
    y_np = _pool(monkeypatch, "numpy", x, None, **kwargs)[0]
    gy = rng.standard_normal(y_np.shape).astype(dtype)
    calls = _counting(monkeypatch, "max_pool")
    y, gx = _pool(monkeypatch, "numba", x, gy, **kwargs)
    assert calls, "the compiled kernel did not run"
    y_np, gx_np = _pool(monkeypatch, "numpy", x, gy, **kwargs)
    np.testing.assert_array_equal(y, y_np)  # maxima are exact, NaN where NumPy has NaN
    np.testing.assert_array_equal(gx, gx_np)


@pytest.mark.parametrize("path", ["numpy", "numba"])
def test_max_pool_matches_the_maximum_over_every_tap(monkeypatch, path):
    # The NumPy path visits one tap at a time over the whole output, the compiled one each window.
    monkeypatch.setenv("NUMEN_KERNELS", path)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 9, 10, 3))
    y = ops.max_pool(x, (3, 2), strides=(2, 3)).data
    want = np.stack([x[:, i:i + 7:2, j:j + 7:3] for i in range(3) for j in range(2)]).max(0)
    np.testing.assert_array_equal(y, want)
