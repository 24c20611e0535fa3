"""The compiled sparse softmax cross-entropy (numen.kernels.losses, the `numen[fast]` extra):
against the NumPy path of `ops.sparse_softmax_cross_entropy` and PyTorch, forwards and
backwards, float32 and float64; out-of-range labels keep the NumPy path's behaviour.
Skipped without Numba."""

import numpy as np
import pytest
import torch

from numen import ops
from numen.autodiff import Tensor, enable_grad, gradients
from numen.kernels import losses as compiled

pytest.importorskip("numba")

TOLERANCE = {np.float32: 2e-6, np.float64: 1e-13}


def _loss_and_grad(monkeypatch, path, z, labels, gy):
    monkeypatch.setenv("NUMEN_KERNELS", path)
    zt = Tensor(z, requires_grad=True)
    with enable_grad():
        y = ops.sparse_softmax_cross_entropy(labels, zt)
        (g,) = gradients(y, [zt], gy)
    return y.data, g


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(32, 10), (4, 3, 7), (6,), (1, 1)])
def test_compiled_matches_the_numpy_path_and_torch(monkeypatch, dtype, shape):
    rng = np.random.default_rng(0)
    z = (rng.standard_normal(shape) * 4).astype(dtype)
    labels = rng.integers(0, shape[-1], shape[:-1]).astype(np.int64)
    gy = rng.standard_normal(shape[:-1]).astype(dtype)
    calls = []
    real = compiled.sparse_xent_forward
    monkeypatch.setattr(compiled, "sparse_xent_forward",
                        lambda *a: calls.append(1) or real(*a))
    y, g = _loss_and_grad(monkeypatch, "numba", z, labels, gy)
    assert calls, "the compiled kernel did not run"
    y_np, g_np = _loss_and_grad(monkeypatch, "numpy", z, labels, gy)
    assert y.dtype == y_np.dtype == dtype and g.dtype == dtype
    tol = TOLERANCE[dtype] * 10
    np.testing.assert_allclose(y, y_np, rtol=tol, atol=tol)
    np.testing.assert_allclose(g, g_np, rtol=tol, atol=tol)
    zt = torch.tensor(z.reshape(-1, shape[-1]), requires_grad=True)
    expected = torch.nn.functional.cross_entropy(zt, torch.tensor(labels.reshape(-1)),
                                                 reduction="none")
    expected.backward(torch.tensor(gy.reshape(-1)))
    np.testing.assert_allclose(y.reshape(-1), expected.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(g.reshape(-1, shape[-1]), zt.grad.numpy(), rtol=tol, atol=tol)


def test_an_out_of_range_label_takes_the_numpy_path(monkeypatch):
    monkeypatch.setenv("NUMEN_KERNELS", "numba")
    z = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    with pytest.raises(IndexError):
        ops.sparse_softmax_cross_entropy(np.array([0, 1, 3, 2]), z)
    wrapped = ops.sparse_softmax_cross_entropy(np.array([0, 1, -1, 2]), z).data
    monkeypatch.setenv("NUMEN_KERNELS", "numpy")
    np.testing.assert_array_equal(
        wrapped, ops.sparse_softmax_cross_entropy(np.array([0, 1, -1, 2]), z).data)
