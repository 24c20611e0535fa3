"""The compiled ReLU gradient and bias sum of the dense kernel (numen.kernels.dense): the same
gradients as the NumPy path, non-finite upstream gradients included. Skipped without Numba."""

import numpy as np
import pytest

from numen import ops
from numen.autodiff import Tensor, Variable, enable_grad, gradients
from numen.kernels import dense as compiled

pytest.importorskip("numba")


def _grads(monkeypatch, path, x, w, b, gy):
    monkeypatch.setenv("NUMEN_KERNELS", path)
    xt = Tensor(x, requires_grad=True)
    with enable_grad():
        y = ops.dense(xt, w, b, relu=True)
        return y.data, gradients(y, [xt, w, b], gy)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(32, 12, 9), (1, 5, 3), (2, 3, 4, 6)])
def test_compiled_relu_backward_matches_numpy(monkeypatch, dtype, shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape[:-2] + (shape[-2],)).astype(dtype)
    w = Variable(rng.standard_normal(shape[-2:]), dtype=np.dtype(dtype).name)
    b = Variable(rng.standard_normal(shape[-1]), dtype=np.dtype(dtype).name)
    gy = rng.standard_normal(shape[:-2] + (shape[-1],)).astype(dtype)
    gy.reshape(-1)[:3] = [np.nan, np.inf, -np.inf]  # pass as gy * 1 or gy * 0 does
    calls = []
    real = compiled.relu_grad_and_bias_sum
    monkeypatch.setattr(compiled, "relu_grad_and_bias_sum",
                        lambda *a: calls.append(1) or real(*a))
    y, got = _grads(monkeypatch, "numba", x, w, b, gy)
    assert calls, "the compiled kernel did not run"
    y_np, want = _grads(monkeypatch, "numpy", x, w, b, gy)
    np.testing.assert_array_equal(y, y_np)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for g, h in zip(got, want):
        assert g.dtype == h.dtype == dtype
        np.testing.assert_allclose(g, h, rtol=tol, atol=tol)
