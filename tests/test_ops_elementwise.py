"""The element-wise families (ops/elementwise, unary, special, complex, bitwise): float64 gradient
checks, float64 dtypes kept, special-function accuracy, and clear errors for bad input.

Values and float32 dtypes against real Keras live in tests/golden_cases/ops_elementwise*.py.
"""

import numpy as np
import pytest

from numen import keras, ops, testing
from numen.autodiff import grad
from numen.ops import special

A = testing.randn((2, 3), seed=1)
B = testing.randn((3,), seed=2)
POS = testing.randn((2, 3), low=0.5, high=2.0, seed=3)

BINARY_GRADS = [
    ("arctan2", A, B),
    ("divide_no_nan", A, np.array([0.7, 1.5, -2.0])),  # zeros: test_gradient_masks
    ("fmax", A, B),
    ("fmin", A, B),
    ("fmod", A * 3, POS),
    ("hypot", A, B),
    ("logaddexp", A, B),
    ("logaddexp2", A, B),
]


@pytest.mark.parametrize("name,a,b", BINARY_GRADS, ids=[c[0] for c in BINARY_GRADS])
def test_binary_gradients(name, a, b):
    fn = getattr(ops, name)
    testing.check_grad(fn, [a, b])
    assert fn(a, b).dtype == "float64"


UNARY_GRADS = [
    ("arccosh", POS + 1.0),
    ("cbrt", A),
    ("deg2rad", A),
    ("rad2deg", A),
    ("exp2", A),
    ("fabs", A),
    ("sinc", np.array([0.0, 0.3, -1.25, 2.5])),
    ("nan_to_num", A),
    ("erfc", A),
    ("erfinv", np.array([-0.99, -0.5, 0.0, 0.3, 0.9, 0.999])),
    ("i0", np.array([-3.0, -0.5, 0.0, 0.5, 2.0, 4.0])),  # large x: against SciPy below
    ("real", A),
    ("conj", A),
]


@pytest.mark.parametrize("name,x", UNARY_GRADS, ids=[c[0] for c in UNARY_GRADS])
def test_unary_gradients(name, x):
    fn = getattr(ops, name)
    testing.check_grad(fn, [x], rtol=1e-5)
    assert fn(x).dtype == "float64"


def test_heaviside_and_ldexp_gradients():
    x1 = np.array([-1.0, 0.0, 2.0, 0.0])
    testing.check_grad(lambda b: ops.heaviside(x1, b), [testing.randn((4,), seed=4)])
    exponent = np.array([-2, 0, 3], dtype="int32")
    testing.check_grad(lambda a: ops.ldexp(a, exponent), [testing.randn((2, 3), seed=5)])


def test_gradient_masks():
    x = np.array([1.0, np.nan, np.inf, -2.0], dtype="float32")
    testing.assert_close(grad(lambda t: ops.sum(ops.nan_to_num(t)))(x), [1, 0, 0, 1])
    x = np.array([-1e5, 1.0, 7e4], dtype="float32")
    g = grad(lambda t: ops.sum(ops.cast(ops.saturate_cast(t, "float16"), "float32")))(x)
    testing.assert_close(g, [0, 1, 0])
    g = grad(lambda t: ops.sum(ops.divide_no_nan(t, np.array([0.0, 2.0, 0.0]))))(A[0])
    testing.assert_close(g, [0, 0.5, 0])
    assert grad(lambda t: ops.sum(ops.trunc(t)))(A) is None


def test_special_functions_match_scipy():
    sp = pytest.importorskip("scipy.special")
    x = np.concatenate([np.linspace(-40, 40, 4001), [19.999, 20.0, 20.001, 300.0]])
    np.testing.assert_allclose(special._i1_values(x), sp.i1(x), rtol=1e-13)
    testing.assert_close(ops.i0(x), sp.i0(x), rtol=1e-13, atol=0)
    y = np.concatenate([np.linspace(-0.999999, 0.999999, 4001), 1 - np.logspace(-15, -1, 50),
                        np.logspace(-300, -1, 50)])
    testing.assert_close(ops.erfinv(y), sp.erfinv(y), rtol=1e-13, atol=0)
    z = np.linspace(-5, 26, 200)
    testing.assert_close(ops.erfc(z), sp.erfc(z), rtol=1e-13, atol=0)


def test_erfinv_edges_and_erfc_fallback(monkeypatch):
    y = ops.erfinv(np.array([-1.0, 1.0, 1.5, -2.0, 0.0], dtype="float32"))
    assert y.dtype == "float32"
    np.testing.assert_array_equal(y.numpy(), [-np.inf, np.inf, np.nan, np.nan, 0.0])
    monkeypatch.setattr(special, "_scipy_erfc", False)  # as without SciPy
    testing.assert_close(ops.erfc(np.array([0.0, 3.0, 10.0])),
                         [1.0, 2.209049699858544e-05, 2.088487583762545e-45], rtol=1e-14)


def test_dtype_rules():
    i32 = np.array([3, -2], dtype="int32")
    assert ops.fabs(i32).dtype == "float32"
    assert ops.fmax(i32, np.array([1.0], "float16")).dtype == "float16"
    assert ops.fmod(np.array([True]), np.array([True])).dtype == "int32"
    assert ops.trunc(i32).dtype == "int32"
    assert ops.bitwise_xor(np.array([3], "uint8"), 5).dtype == "uint8"
    assert ops.left_shift(np.array([True]), np.array([True])).dtype == "int32"
    assert ops.bitwise_or(np.array([True]), 2).dtype == "int32"
    assert ops.gcd(np.array([True]), np.array([4], "int32")).dtype == "int32"
    assert ops.view_as_complex(np.ones((2, 2))).dtype == "complex128"
    assert ops.polar(np.ones(2, "float32"), np.ones(2, "float32")).dtype == "complex64"
    assert ops.angle(np.array([1j], "complex128")).dtype == "float64"
    assert ops.allclose([1.0, 2.0], [1.0, 2.0]).shape == ()


def test_saturate_cast_integer_limits():
    x = np.array([-np.inf, -3e9, 3e9, np.inf, np.nan, 2.5], dtype="float64")
    np.testing.assert_array_equal(ops.saturate_cast(x, "uint32").numpy(),
                                  [0, 0, 3_000_000_000, 2**32 - 1, 0, 2])
    big = np.array([-(2**31), 2**31 - 1], dtype="int32")
    np.testing.assert_array_equal(ops.saturate_cast(big, "float32").numpy(), big.astype("float32"))
    np.testing.assert_array_equal(ops.saturate_cast(big, "int16").numpy(), [-32768, 32767])


def test_works_on_symbolic_inputs():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.ops.logaddexp(keras.ops.cbrt(inputs), 0.0))
    x = np.array([[1.0, 8.0, -8.0]], dtype="float32")
    testing.assert_close(model(x), np.logaddexp(np.cbrt(x), 0.0), rtol=1e-6)


BAD_INPUT = [
    (lambda: ops.bitwise_and(np.ones(2), np.ones(2, "int32")), TypeError, "bitwise_and: `x`"),
    (lambda: ops.left_shift(np.ones(2, "int32"), np.ones(2)), TypeError, "left_shift: `y`"),
    (lambda: ops.bitwise_invert(np.ones(2)), TypeError, "bitwise_invert: `x`"),
    (lambda: ops.gcd(np.array([1.5]), np.array([2])), TypeError, "gcd: `x1`"),
    (lambda: ops.lcm(np.array([True]), np.array([False])), TypeError, "lcm: needs integers"),
    (lambda: ops.ldexp(np.ones(2), 1.5), TypeError, "ldexp: the exponent `x2`"),
    (lambda: ops.ldexp(np.ones(2), np.ones(2)), TypeError, "integer dtype"),
    (lambda: ops.view_as_complex(np.ones((2, 3))), ValueError, "view_as_complex: the last axis"),
    (lambda: ops.view_as_complex(np.ones(2, "complex64")), TypeError, "must be real"),
    (lambda: ops.polar(np.ones(2, "complex64"), 1.0), TypeError, "polar: `abs_`"),
    (lambda: ops.cbrt(np.ones(2, "complex64")), TypeError, "cbrt: `x` must be real"),
    (lambda: ops.fmax(np.ones(2, "complex64"), 1.0), TypeError, "fmax: `x1`"),
    (lambda: ops.isposinf(np.ones(2, "complex64")), TypeError, "isposinf"),
    (lambda: ops.saturate_cast(np.ones(2, "complex64"), "float32"), TypeError, "saturate_cast"),
    (lambda: ops.saturate_cast(np.ones(2), "no_such_type"), TypeError, "no_such_type"),
]


@pytest.mark.parametrize("call,error,message", BAD_INPUT, ids=[b[2] for b in BAD_INPUT])
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(")):
        call()
