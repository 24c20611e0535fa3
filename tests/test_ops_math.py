"""Element-wise ops: forward values against NumPy/PyTorch and float64 gradient checks."""

import numpy as np
import pytest
import torch

from numen import ops, testing
from numen.autodiff import Tensor, gradients

SHAPE_PAIRS = [((3,), (3,)), ((2, 3), (3,)), ((2, 1, 4), (3, 1)), ((4,), ())]


def _pos(shape, seed=0):
    return testing.randn(shape, low=0.5, high=2.0, seed=seed)


BINARY = [
    ("add", np.add, lambda a, b: (a, b)),
    ("subtract", np.subtract, lambda a, b: (a, b)),
    ("multiply", np.multiply, lambda a, b: (a, b)),
    ("divide", np.divide, lambda a, b: (a, _pos(b.shape, 3))),
    ("true_divide", np.divide, lambda a, b: (a, _pos(b.shape, 3))),
    ("power", np.power, lambda a, b: (_pos(a.shape, 4), b)),
    ("maximum", np.maximum, lambda a, b: (a, b)),
    ("minimum", np.minimum, lambda a, b: (a, b)),
]


@pytest.mark.parametrize("name,ref,prep", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("shapes", SHAPE_PAIRS)
def test_binary(name, ref, prep, shapes):
    a, b = prep(testing.randn(shapes[0], seed=1), testing.randn(shapes[1], seed=2))
    fn = getattr(ops, name)
    testing.assert_close(fn(a, b), ref(a, b), rtol=1e-12)
    testing.check_grad(fn, [a, b])
    # Broadcasting works in both argument orders.
    testing.assert_close(fn(b, a), ref(b, a), rtol=1e-12)
    testing.check_grad(fn, [b, a]) if name not in ("power", "divide", "true_divide") else None


UNARY = [
    ("negative", np.negative, None),
    ("square", np.square, None),
    ("sqrt", np.sqrt, "pos"),
    ("rsqrt", lambda x: 1 / np.sqrt(x), "pos"),
    ("exp", np.exp, None),
    ("expm1", np.expm1, None),
    ("log", np.log, "pos"),
    ("log1p", np.log1p, "pos"),
    ("log2", np.log2, "pos"),
    ("log10", np.log10, "pos"),
    ("abs", np.abs, None),
    ("absolute", np.abs, None),
    ("tanh", np.tanh, None),
    ("sin", np.sin, None),
    ("cos", np.cos, None),
    ("tan", np.tan, None),
    ("sinh", np.sinh, None),
    ("cosh", np.cosh, None),
    ("arctan", np.arctan, None),
    ("arcsin", np.arcsin, "unit"),
    ("arccos", np.arccos, "unit"),
    ("arcsinh", np.arcsinh, None),
    ("arctanh", np.arctanh, "unit"),
    ("reciprocal", np.reciprocal, "pos"),
    ("erf", lambda x: torch.erf(torch.tensor(x)).numpy(), None),
    ("log_sigmoid", lambda x: torch.nn.functional.logsigmoid(torch.tensor(x)).numpy(), None),
]


@pytest.mark.parametrize("name,ref,domain", UNARY, ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("shape", [(5,), (2, 3)])
def test_unary(name, ref, domain, shape):
    if domain == "pos":
        x = _pos(shape)
    elif domain == "unit":
        x = testing.randn(shape, low=-0.9, high=0.9)
    else:
        x = testing.randn(shape)
    fn = getattr(ops, name)
    testing.assert_close(fn(x), ref(x), rtol=1e-10, atol=1e-12)
    testing.check_grad(fn, [x])


def test_power_tensor_exponent_and_scalar_forms():
    a, b = _pos((2, 3)), testing.randn((3,), seed=5)
    testing.check_grad(ops.power, [a, b])
    testing.check_grad(lambda x: ops.power(2.0, x), [b])
    testing.check_grad(lambda x: x**3, [testing.randn((4,))])
    testing.check_grad(lambda x: 1.5**x, [b])
    # d/da a**2 at a = 0 is 0, not nan; the exponent's gradient at a = 0 stays finite.
    a0 = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    b0 = Tensor(np.array([2.0, 2.0]), requires_grad=True)
    ga, gb = gradients(ops.power(a0, b0), [a0, b0])
    np.testing.assert_array_equal(ga, [0.0, 2.0])
    assert np.all(np.isfinite(gb))


def test_where_broadcast():
    cond = testing.randn((2, 3, 4), seed=3) > 0
    a, b = testing.randn((3, 1)), testing.randn((4,), seed=2)
    testing.assert_close(ops.where(cond, a, b), np.where(cond, a, b))
    testing.check_grad(lambda x, y: ops.where(cond, x, y), [a, b])
    testing.check_grad(lambda x: ops.where(cond[0], x, 0.0), [a])
    testing.assert_close(ops.where(np.array([[1, 0], [0, 1]])), [[0, 0], [1, 1]])


def test_clip_gradient_at_and_beyond_bounds():
    x = Tensor(np.array([-2.0, -1.0, 0.0, 1.0, 2.0]), requires_grad=True)
    y = ops.clip(x, -1.0, 1.0)
    testing.assert_close(y, [-1.0, -1.0, 0.0, 1.0, 1.0])
    (g,) = gradients(y, [x])
    xt = torch.tensor(x.data, requires_grad=True)
    torch.clamp(xt, -1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(g, xt.grad.numpy())
    testing.check_grad(lambda t: ops.clip(t, -0.5, 0.5), [testing.randn((3, 4))])
    testing.assert_close(ops.clip(np.array([-3.0, 3.0]), None, 1.0), [-3.0, 1.0])
    assert ops.clip(np.array([1, 5, 9]), 2, 6).dtype == "int64"


def test_cast_gradient_and_dtypes():
    x = testing.randn((2, 3))
    y = ops.cast(Tensor(x), "float32")
    assert y.dtype == "float32"
    testing.check_grad(lambda t: ops.cast(t, "float32") * 1.0, [x], eps=1e-2, rtol=1e-4, atol=1e-4)
    t = Tensor(x, requires_grad=True)
    (g,) = gradients(ops.cast(ops.cast(t, "float32"), "float64") * 2.0, [t])
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 2.0)
    assert not ops.cast(t, "int32").requires_grad


def test_stop_gradient_and_sign():
    t = Tensor(testing.randn((3,)), requires_grad=True)
    y = ops.stop_gradient(t) * t
    (g,) = gradients(y, [t])
    np.testing.assert_allclose(g, t.data)
    assert not ops.sign(t).requires_grad


@pytest.mark.parametrize("name", ["less", "less_equal", "greater", "greater_equal", "equal",
                                  "not_equal", "logical_and", "logical_or", "floor_divide",
                                  "mod"])
def test_no_gradient_binary(name):
    a = Tensor(testing.randn((2, 3)), requires_grad=True)
    b = testing.randn((3,), seed=2)
    out = getattr(ops, name)(a, b)
    np.testing.assert_array_equal(out.data, getattr(np, name)(a.data, b))
    assert not out.requires_grad


@pytest.mark.parametrize("name", ["logical_not", "floor", "ceil", "round", "isnan", "isinf",
                                  "isfinite"])
def test_no_gradient_unary(name):
    a = Tensor(testing.randn((2, 3)), requires_grad=True)
    out = getattr(ops, name)(a)
    np.testing.assert_array_equal(out.data, getattr(np, name)(a.data))
    assert not out.requires_grad


def test_scalar_operands_keep_float32():
    x = Tensor(np.ones((2,), "float32"))
    for y in (x + 1, 1 + x, x * 2.5, 2.5 * x, x / 3, 3 / x, x - 1.0, 1.0 - x, x**2, 2**x,
              x + np.float64(1.5), ops.maximum(x, 0.5), ops.where(x > 0, x, 0.0)):
        assert y.dtype == "float32", y.dtype


def test_extended_names_exported():
    for name in ["erf", "log_sigmoid", "norm", "top_k", "sort", "argsort", "arange", "outer",
                 "tensordot", "tril", "triu", "cumprod", "log2", "log10", "hard_tanh"]:
        assert callable(getattr(ops, name)), name
