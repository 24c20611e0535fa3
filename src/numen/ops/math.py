"""Element-wise arithmetic and comparisons, each with its gradient."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor, result
from numen.ops.broadcast import pair, unbroadcast


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

    def backward(gy):
        ga = gy / b.data
        return unbroadcast(ga, a.shape), unbroadcast(-ga * y, b.shape)

    return result(y, (a, b), backward, "divide")


true_divide = divide


def negative(x):
    x = as_tensor(x)
    return result(-x.data, (x,), lambda gy: (-gy,), "negative")


def power(a, b):
    a, b = pair(a, b)
    y = a.data**b.data

    def backward(gy):
        ga = gy * b.data * a.data ** (b.data - 1)
        gb = None
        if b.requires_grad:
            xp = backend.xp_of(a.data)
            safe = xp.where(a.data > 0, a.data, 1)
            gb = unbroadcast(gy * y * xp.log(safe), b.shape)
        return unbroadcast(ga, a.shape), gb

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
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if x1 is None and x2 is None:
        return Tensor(backend.xp_of(cond).stack(backend.xp_of(cond).nonzero(cond), -1))
    a, b = pair(x1, x2)
    xp = backend.xp_of(a.data, b.data)
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
    """Values limited to [x_min, x_max]; the gradient passes only where no limit applied."""
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    lo = x_min.data if isinstance(x_min, Tensor) else x_min
    hi = x_max.data if isinstance(x_max, Tensor) else x_max
    y = xp.clip(x.data, lo, hi).astype(x.data.dtype, copy=False)
    return result(y, (x,), lambda gy: (gy * ((x.data >= lo) & (x.data <= hi)),), "clip")


def tanh(x):
    x = as_tensor(x)
    y = backend.xp_of(x.data).tanh(x.data)
    return result(y, (x,), lambda gy: (gy * (1 - y * y),), "tanh")


def sin(x):
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    return result(xp.sin(x.data), (x,), lambda gy: (gy * xp.cos(x.data),), "sin")


def cos(x):
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    return result(xp.cos(x.data), (x,), lambda gy: (-gy * xp.sin(x.data),), "cos")


def reciprocal(x):
    return divide(1.0, x)


def cast(x, dtype):
    """`x` converted to `dtype`; gradients are cast back to the input's dtype."""
    x = as_tensor(x)
    dtype = backend.standardize_dtype(dtype)
    if x.data.dtype.name == dtype:
        return x
    src = x.data.dtype
    y = x.data.astype(dtype)
    if y.dtype.kind != "f" or src.kind != "f":
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
round = _no_grad_unary("round")  # noqa: A001
isnan = _no_grad_unary("isnan")
isinf = _no_grad_unary("isinf")
isfinite = _no_grad_unary("isfinite")
floor_divide = _no_grad_binary("floor_divide")
mod = _no_grad_binary("mod")
