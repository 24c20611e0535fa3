"""Reductions: forward values against NumPy and float64 gradient checks over axis variants."""

import numpy as np
import pytest
import torch

from numen import ops, testing
from numen.autodiff import Tensor, gradients

AXES = [None, 0, -1, (0, 2), (-1, 0)]
REDUCTIONS = [
    ("sum", np.sum), ("mean", np.mean), ("max", np.max), ("min", np.min), ("amax", np.max),
    ("amin", np.min), ("var", np.var), ("std", np.std), ("prod", np.prod),
]


@pytest.mark.parametrize("name,ref", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction(name, ref, axis, keepdims):
    x = testing.randn((2, 3, 4), seed=7)
    fn = getattr(ops, name)
    out = fn(x, axis=axis, keepdims=keepdims)
    testing.assert_close(out, ref(x, axis=axis, keepdims=keepdims), rtol=1e-12)
    testing.check_grad(lambda t: fn(t, axis=axis, keepdims=keepdims), [x])


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp(axis, keepdims):
    x = testing.randn((2, 3, 4), seed=2)
    expected = torch.logsumexp(torch.tensor(x), dim=tuple(range(3)) if axis is None else axis,
                               keepdim=keepdims).numpy()
    testing.assert_close(ops.logsumexp(x, axis=axis, keepdims=keepdims), expected, rtol=1e-12)
    testing.check_grad(lambda t: ops.logsumexp(t, axis=axis, keepdims=keepdims), [x])
    big = ops.logsumexp(np.array([1e4, 1e4]))
    testing.assert_close(big, 1e4 + np.log(2.0))


@pytest.mark.parametrize("name", ["max", "min"])
def test_extreme_ties_share_gradient(name):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    if name == "min":
        x = -x
    t = Tensor(x, requires_grad=True)
    (g,) = gradients(getattr(ops, name)(t, axis=1), [t])
    np.testing.assert_allclose(g, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    (g,) = gradients(getattr(ops, name)(t), [t])
    # Whole-tensor reduction: only the winners of the global extreme share the gradient.
    expected = np.where(x == getattr(np, name)(x), 1.0, 0.0)
    np.testing.assert_allclose(g, expected / expected.sum())


def test_prod_with_zeros():
    x = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 4.0]])
    t = Tensor(x, requires_grad=True)
    (g,) = gradients(ops.prod(t, axis=1), [t])
    xt = torch.tensor(x, requires_grad=True)
    torch.prod(xt, dim=1).sum().backward()
    np.testing.assert_allclose(g, xt.grad.numpy())
    testing.check_grad(lambda v: ops.prod(v, axis=1), [x])


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_cumsum_cumprod(axis):
    x = testing.randn((3, 4), seed=3)
    testing.assert_close(ops.cumsum(x, axis=axis), np.cumsum(x, axis=axis))
    testing.check_grad(lambda t: ops.cumsum(t, axis=axis), [x])
    testing.assert_close(ops.cumprod(x, axis=axis), np.cumprod(x, axis=axis))
    testing.check_grad(lambda t: ops.cumprod(t, axis=axis), [x])
    x0 = x.copy()
    x0[1, 1] = 0.0
    testing.check_grad(lambda t: ops.cumprod(t, axis=axis), [x0])


def test_arg_reductions_and_logical():
    x = testing.randn((3, 4), seed=4)
    assert int(ops.argmax(x).data) == np.argmax(x)  # Keras default: flattened
    np.testing.assert_array_equal(ops.argmax(x, axis=-1).data, x.argmax(-1))
    np.testing.assert_array_equal(ops.argmin(x, axis=0, keepdims=True).data,
                                  x.argmin(0, keepdims=True))
    np.testing.assert_array_equal(ops.all(x > -5, axis=1).data, [True] * 3)
    np.testing.assert_array_equal(ops.any(x > 5).data, False)


@pytest.mark.parametrize("axis", [0, -1])
def test_sort_argsort(axis):
    x = testing.randn((3, 5), seed=5)
    testing.assert_close(ops.sort(x, axis=axis), np.sort(x, axis=axis))
    np.testing.assert_array_equal(ops.argsort(x, axis=axis).data, np.argsort(x, axis=axis))
    testing.check_grad(lambda t: ops.sort(t, axis=axis), [x])


def test_index_results_are_int32_as_keras():
    # Keras (3.15, JAX) gives int32 indices from argmax, argsort and top_k alike.
    x = np.array([1.0, 3.0, 2.0])
    assert ops.argsort(x).dtype == "int32" and ops.top_k(x, 2)[1].dtype == "int32"
    assert ops.argmax(x).dtype == "int32"


def test_top_k():
    x = testing.randn((2, 6), seed=6)
    values, indices = ops.top_k(x, 3)
    ref = torch.topk(torch.tensor(x), 3)
    testing.assert_close(values, ref.values.numpy())
    np.testing.assert_array_equal(indices.data, ref.indices.numpy())
    testing.check_grad(lambda t: ops.top_k(t, 3)[0], [x])
    with pytest.raises(ValueError, match="top_k"):
        ops.top_k(x, 7)


def test_integer_mean_is_float():
    assert ops.mean(np.array([1, 2, 4])).dtype == "float32"


def test_axis_out_of_range_is_value_error():
    with pytest.raises(ValueError, match="axis 3"):
        ops.sum(np.ones((2, 2)), axis=3)


@pytest.mark.parametrize("name", ["mean", "var", "std"])
@pytest.mark.parametrize("axis,shape", [(None, (2, 0)), (0, (0, 3)), (-1, (2, 0)),
                                        ((0, 1), (0, 3))])
def test_reduction_over_an_empty_axis_is_nan_without_a_warning(name, axis, shape):
    # Keras (JAX) returns NaN silently (tests/golden_cases/ops_core.py has its values); NumPy's
    # "Mean of empty slice" and 0/0 RuntimeWarnings must not reach the user
    import warnings

    x = Tensor(np.zeros(shape, "float32"), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = getattr(ops, name)(x, axis=axis, keepdims=True)
        (gx,) = gradients(ops.sum(getattr(ops, name)(x, axis=axis)), [x])
    assert out.dtype == "float32" and np.isnan(out.numpy()).all()
    assert out.shape == np.zeros(shape).sum(axis=axis, keepdims=True).shape
    assert gx.shape == shape
