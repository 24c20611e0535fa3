"""Element-wise arithmetic and comparisons, each with its gradient."""

from __future__ import annotations

import math as pymath

import numpy as np

from numen import backend, dtypes
from numen.autodiff import Tensor, as_tensor, result
from numen.autodiff.replay import primitive
from numen.ops.broadcast import pair, unbroadcast

_scipy_erf = None  # looked up on first use: importing SciPy costs ~0.3 s at start-up


def add(a, b):
    a, b = pair(a, b)
    y = a.data + b.data

    def backward(gy):
        return unbroadcast(gy, a.shape), unbroadcast(gy, b.shape)

    return result(y, (a, b), backward, "add")


def subtract(a, b):
    a, b = pair(a, b)
    y = a.data - b.data

    def backward(gy):
        return unbroadcast(gy, a.shape), unbroadcast(-gy, b.shape)

    return result(y, (a, b), backward, "subtract")


def multiply(a, b):
    a, b = pair(a, b)
    y = a.data * b.data

    def backward(gy):
        return unbroadcast(gy * b.data, a.shape), unbroadcast(gy * a.data, b.shape)

    return result(y, (a, b), backward, "multiply")


def divide(a, b):
    a, b = pair(a, b)
    y = a.data / b.data
    if a.data.dtype.kind in "biu" and b.data.dtype.kind in "biu":
        # integers divide into Keras's float for them (int32 / int32 is float32), where
        # NumPy would give float64
        y = y.astype(dtypes.result_type(a.data.dtype.name, b.data.dtype.name, float))

    def backward(gy):
        ga = gy / b.data
        return unbroadcast(ga, a.shape), unbroadcast(-ga * y, b.shape)

    return result(y, (a, b), backward, "divide")


true_divide = divide


def negative(x):
    x = as_tensor(x)
    return result(-x.data, (x,), lambda gy: (-gy,), "negative")


def power(a, b):
    """a ** b element-wise; the exponent may be a Tensor and receives a gradient too."""
    a, b = pair(a, b)
    y = a.data**b.data

    def backward(gy):
        xp = backend.xp_of(a.data)
        ga = gb = None
        if a.requires_grad:
            ga = unbroadcast(gy * b.data * a.data ** (b.data - 1), a.shape)
        if b.requires_grad:
            safe = xp.where(a.data > 0, a.data, 1)
            gb = unbroadcast(gy * y * xp.log(safe), b.shape)
        return ga, gb

    return result(y, (a, b), backward, "power")


def square(x):
    x = as_tensor(x)
    return result(x.data * x.data, (x,), lambda gy: (2 * gy * x.data,), "square")


def sqrt(x):
    x = as_tensor(x)
    y = backend.xp_of(x.data).sqrt(x.data)
    return result(y, (x,), lambda gy: (gy / (2 * y),), "sqrt")


def rsqrt(x):
    x = as_tensor(x)
    y = 1 / backend.xp_of(x.data).sqrt(x.data)
    return result(y, (x,), lambda gy: (-0.5 * gy * y / x.data,), "rsqrt")


def exp(x):
    x = as_tensor(x)
    y = backend.xp_of(x.data).exp(x.data)
    return result(y, (x,), lambda gy: (gy * y,), "exp")


def expm1(x):
    x = as_tensor(x)
    y = backend.xp_of(x.data).expm1(x.data)
    return result(y, (x,), lambda gy: (gy * (y + 1),), "expm1")


def log(x):
    x = as_tensor(x)
    y = backend.xp_of(x.data).log(x.data)
    return result(y, (x,), lambda gy: (gy / x.data,), "log")


def log1p(x):
    x = as_tensor(x)
    y = backend.xp_of(x.data).log1p(x.data)
    return result(y, (x,), lambda gy: (gy / (1 + x.data),), "log1p")


def abs(x):  # noqa: A001 - keras.ops spelling
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    return result(xp.abs(x.data), (x,), lambda gy: (gy * xp.sign(x.data),), "abs")


absolute = abs


def sign(x):
    x = as_tensor(x)
    return Tensor(backend.xp_of(x.data).sign(x.data))


def maximum(a, b):
    a, b = pair(a, b)
    y = backend.xp_of(a.data).maximum(a.data, b.data)

    def backward(gy):
        mask = a.data >= b.data
        return unbroadcast(gy * mask, a.shape), unbroadcast(gy * ~mask, b.shape)

    return result(y, (a, b), backward, "maximum")


def minimum(a, b):
    a, b = pair(a, b)
    y = backend.xp_of(a.data).minimum(a.data, b.data)

    def backward(gy):
        mask = a.data <= b.data
        return unbroadcast(gy * mask, a.shape), unbroadcast(gy * ~mask, b.shape)

    return result(y, (a, b), backward, "minimum")


def where(condition, x1=None, x2=None):
    """Elements of `x1` where `condition` holds, else of `x2` (gradient flows to both)."""
    cond = condition.data if isinstance(condition, Tensor) else condition
    cond = cond if hasattr(cond, "shape") else np.asarray(cond)
    if x1 is None and x2 is None:
        return Tensor(backend.xp_of(cond).stack(backend.xp_of(cond).nonzero(cond), -1))
    a, b = pair(x1, x2)
    xp = backend.xp_of(a.data, b.data)
    cond = backend.asarray_like(cond, a.data if xp is backend.xp_of(a.data) else b.data)
    cond = cond.astype(bool)
    y = xp.where(cond, a.data, b.data)

    def backward(gy):
        zero = xp.zeros((), gy.dtype)
        return (
            unbroadcast(xp.where(cond, gy, zero), a.shape),
            unbroadcast(xp.where(cond, zero, gy), b.shape),
        )

    return result(y, (a, b), backward, "where")


def clip(x, x_min, x_max):
    """Values limited to [x_min, x_max] (None: no limit on that side).

    The gradient passes where `x` lies inside the closed interval, bounds included, as in
    PyTorch and TensorFlow.
    """
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    lo = x_min.data if isinstance(x_min, Tensor) else x_min
    hi = x_max.data if isinstance(x_max, Tensor) else x_max
    y = xp.clip(x.data, lo, hi).astype(x.data.dtype, copy=False)
    inside = xp.ones(x.shape, dtype=bool)
    if lo is not None:
        inside &= x.data >= lo
    if hi is not None:
        inside &= x.data <= hi
    return result(y, (x,), lambda gy: (gy * inside,), "clip")


def tanh(x):
    return primitive(_tanh_kernel, (as_tensor(x),), "tanh")


def _tanh_kernel(arrays, needs):
    y = backend.xp_of(arrays[0]).tanh(arrays[0])
    return y, lambda gy: (gy * (1 - y * y),)


def sin(x):
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    return result(xp.sin(x.data), (x,), lambda gy: (gy * xp.cos(x.data),), "sin")


def cos(x):
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    return result(xp.cos(x.data), (x,), lambda gy: (-gy * xp.sin(x.data),), "cos")


def _unary(name, fn, dfn, doc):
    """An element-wise op y = fn(x) whose derivative dfn(x, y) is written beside it."""

    def op(x):
        x = as_tensor(x)
        xp = backend.xp_of(x.data)
        y = fn(xp, x.data)
        return result(y, (x,), lambda gy: (gy * dfn(xp, x.data, y),), name)

    op.__name__ = name
    op.__doc__ = doc
    return op


_LN2, _LN10 = float(np.log(2.0)), float(np.log(10.0))

log2 = _unary("log2", lambda xp, x: xp.log2(x), lambda xp, x, y: 1 / (x * _LN2),
              "Base-2 logarithm.")
log10 = _unary("log10", lambda xp, x: xp.log10(x), lambda xp, x, y: 1 / (x * _LN10),
               "Base-10 logarithm.")
tan = _unary("tan", lambda xp, x: xp.tan(x), lambda xp, x, y: 1 + y * y, "Tangent.")
sinh = _unary("sinh", lambda xp, x: xp.sinh(x), lambda xp, x, y: xp.cosh(x),
              "Hyperbolic sine.")
cosh = _unary("cosh", lambda xp, x: xp.cosh(x), lambda xp, x, y: xp.sinh(x),
              "Hyperbolic cosine.")
arctan = _unary("arctan", lambda xp, x: xp.arctan(x), lambda xp, x, y: 1 / (1 + x * x),
                "Inverse tangent.")
arcsin = _unary("arcsin", lambda xp, x: xp.arcsin(x), lambda xp, x, y: 1 / xp.sqrt(1 - x * x),
                "Inverse sine.")
arccos = _unary("arccos", lambda xp, x: xp.arccos(x), lambda xp, x, y: -1 / xp.sqrt(1 - x * x),
                "Inverse cosine.")
arcsinh = _unary("arcsinh", lambda xp, x: xp.arcsinh(x),
                 lambda xp, x, y: 1 / xp.sqrt(x * x + 1), "Inverse hyperbolic sine.")
arctanh = _unary("arctanh", lambda xp, x: xp.arctanh(x), lambda xp, x, y: 1 / (1 - x * x),
                 "Inverse hyperbolic tangent.")


def _erf_values(x):
    global _scipy_erf
    if _scipy_erf is None:
        try:  # SciPy's erf is exact and vectorised; without it a slower exact fallback is used
            from scipy.special import erf as found
        except ImportError:  # pragma: no cover - SciPy ships with scikit-learn in the dev setup
            found = False
        _scipy_erf = found
    if _scipy_erf and isinstance(x, np.ndarray):
        return _scipy_erf(x).astype(x.dtype, copy=False)
    # Exact but slow fallback (no SciPy, or a GPU array): Python's math.erf per element.
    values = np.vectorize(pymath.erf, otypes=[x.dtype])(backend.to_numpy(x))
    return backend.xp_of(x).asarray(values)


erf = _unary(
    "erf",
    lambda xp, x: _erf_values(x),
    lambda xp, x, y: (2 / np.sqrt(np.pi)) * xp.exp(-x * x),
    "The Gauss error function, 2/sqrt(pi) * integral of exp(-t**2) from 0 to x.",
)


def reciprocal(x):
    return divide(1.0, x)


def cast(x, dtype):
    """`x` converted to `dtype`; gradients are cast back to the input's dtype."""
    x = as_tensor(x)
    dtype = backend.standardize_dtype(dtype)
    if x.data.dtype.name == dtype:
        return x
    src = x.data.dtype
    y = backend.astype(x.data, dtype)
    if not (backend.is_float_dtype(y.dtype) and backend.is_float_dtype(src)):
        return Tensor(y)
    return result(y, (x,), lambda gy: (gy.astype(src),), "cast")


def stop_gradient(x):
    """The same values with no gradient flowing back."""
    return Tensor(as_tensor(x).data)


def _no_grad_binary(fn_name):
    def op(a, b):
        a, b = pair(a, b)
        return Tensor(getattr(backend.xp_of(a.data, b.data), fn_name)(a.data, b.data))

    op.__name__ = fn_name
    op.__doc__ = f"Element-wise `{fn_name}` (no gradient)."
    return op


def _no_grad_unary(fn_name):
    def op(x):
        x = as_tensor(x)
        return Tensor(getattr(backend.xp_of(x.data), fn_name)(x.data))

    op.__name__ = fn_name
    op.__doc__ = f"Element-wise `{fn_name}` (no gradient)."
    return op


less = _no_grad_binary("less")
less_equal = _no_grad_binary("less_equal")
greater = _no_grad_binary("greater")
greater_equal = _no_grad_binary("greater_equal")
equal = _no_grad_binary("equal")
not_equal = _no_grad_binary("not_equal")
logical_and = _no_grad_binary("logical_and")
logical_or = _no_grad_binary("logical_or")
logical_not = _no_grad_unary("logical_not")
floor = _no_grad_unary("floor")
ceil = _no_grad_unary("ceil")
isnan = _no_grad_unary("isnan")
isinf = _no_grad_unary("isinf")
isfinite = _no_grad_unary("isfinite")
floor_divide = _no_grad_binary("floor_divide")


def round(x, decimals: int = 0):  # noqa: A001
    """Element-wise rounding to `decimals` places (negative: tens, hundreds...), halves to
    even; integers stay integers (no gradient).

    >>> round(np.array([1.25, 2.5, 125.0]), 1).numpy()
    array([  1.2,   2.5, 125. ])
    """
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
        raise TypeError(f"round: decimals must be an int, received {decimals!r}")
    x = as_tensor(x)
    return Tensor(backend.xp_of(x.data).round(x.data, int(decimals)))
mod = _no_grad_binary("mod")
