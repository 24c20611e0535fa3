"""Harnesses the test suite uses: numerical gradient checks and closeness assertions."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, gradients


def randn(shape, dtype="float64", seed=0, low=None, high=None):
    """Reproducible random test data (normal, or uniform in [low, high) when given)."""
    r = np.random.default_rng(seed)
    if low is not None:
        return r.uniform(low, high, size=shape).astype(dtype)
    return r.standard_normal(shape).astype(dtype)


def assert_close(actual, expected, rtol=1e-6, atol=1e-6, err_msg=""):
    """Assert two array-likes (Tensors allowed) agree elementwise."""
    a = backend.to_numpy(actual.data if isinstance(actual, Tensor) else actual)
    e = backend.to_numpy(expected.data if isinstance(expected, Tensor) else expected)
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, err_msg=err_msg)


def _scalar_of(fn, args):
    out = fn(*args)
    return out


def check_grad(fn, inputs, eps=1e-6, rtol=1e-5, atol=1e-6, seed=1):
    """Compare backward against central differences of a random projection of fn's output.

    Args:
        fn: takes Tensors, returns a Tensor (any shape).
        inputs: float64 arrays; each gets a gradient check.
    """
    arrays = [np.array(x, dtype="float64") for x in inputs]
    first = fn(*[Tensor(a) for a in arrays])
    out_shape = first.shape
    projection = np.random.default_rng(seed).standard_normal(out_shape)

    def scalar(arrs):
        return float((backend.to_numpy(fn(*[Tensor(a) for a in arrs]).data) * projection).sum())

    tensors = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(*tensors)
    analytic = gradients(out, tensors, output_gradient=projection)
    for i, a in enumerate(arrays):
        numeric = np.zeros_like(a)
        flat = a.reshape(-1)
        for j in range(flat.size):
            old = flat[j]
            flat[j] = old + eps
            up = scalar(arrays)
            flat[j] = old - eps
            down = scalar(arrays)
            flat[j] = old
            numeric.reshape(-1)[j] = (up - down) / (2 * eps)
        got = analytic[i]
        got = np.zeros_like(a) if got is None else backend.to_numpy(got)
        np.testing.assert_allclose(
            got, numeric, rtol=rtol, atol=atol, err_msg=f"gradient of input {i} differs"
        )
