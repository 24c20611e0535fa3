"""Binary element-wise functions of the NumPy family (arctan2, fmod, hypot, logaddexp, ...),
each with its gradient where one exists, plus the dtype rules the element-wise families share.

Dtypes follow Keras: a function whose values are real numbers (arctan2, hypot, ...) turns integer
and bool inputs into floatx; an integer meeting a float takes the float's dtype (int32 with
float16 gives float16, not NumPy's float64).
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor, result
from numen.ops.broadcast import pair, unbroadcast


def is_inexact(t: Tensor) -> bool:
    return t.data.dtype.kind in "fc" or t.data.dtype.name == "bfloat16"


def to_float(t: Tensor) -> Tensor:
    """`t` itself when floating (or complex), else its values as floatx."""
    if is_inexact(t):
        return t
    return Tensor(t.data.astype(backend.floatx()))


def operands(a, b) -> tuple[Tensor, Tensor]:
    """`pair(a, b)`, with arrays made Tensors first so a Python number takes an array's dtype
    too (uint8 array ^ 5 stays uint8, as in Keras)."""
    a = a if isinstance(a, (Tensor, int, float, bool)) else as_tensor(a)
    b = b if isinstance(b, (Tensor, int, float, bool)) else as_tensor(b)
    return pair(_bool_meets_int(a, b), _bool_meets_int(b, a))


def _bool_meets_int(t, other):
    # A bool tensor meeting a Python int gives int32 in Keras (pair alone would give int64).
    if (isinstance(t, Tensor) and t.data.dtype.kind == "b" and isinstance(other, int)
            and not isinstance(other, bool)):
        return Tensor(t.data.astype("int32"))
    return t


def promote_pair(a, b) -> tuple[Tensor, Tensor]:
    """Both operands as Tensors of one kind: an integer or bool operand meeting a floating one
    takes the floating dtype; two integer (or two floating) operands follow NumPy."""
    a, b = operands(a, b)
    fa, fb = is_inexact(a), is_inexact(b)
    if fa and not fb:
        b = Tensor(b.data.astype(a.data.dtype))
    elif fb and not fa:
        a = Tensor(a.data.astype(b.data.dtype))
    return a, b


def float_pair(a, b) -> tuple[Tensor, Tensor]:
    """Like `promote_pair`, then two integer operands both become floatx."""
    a, b = promote_pair(a, b)
    return to_float(a), to_float(b)


def reject_complex(t: Tensor, op: str, arg: str = "x") -> None:
    if t.data.dtype.kind == "c":
        raise TypeError(f"{op}: `{arg}` must be real, received dtype {t.data.dtype.name}")


def arctan2(x1, x2):
    """Element-wise arc tangent of `x1 / x2`, choosing the quadrant from both signs.

    >>> ops.arctan2(1.0, -1.0)  # 3*pi/4
    """
    a, b = float_pair(x1, x2)
    reject_complex(a, "arctan2", "x1")
    reject_complex(b, "arctan2", "x2")
    y = backend.xp_of(a.data, b.data).arctan2(a.data, b.data)

    def backward(gy):
        r = gy / (a.data * a.data + b.data * b.data)
        return unbroadcast(r * b.data, a.shape), unbroadcast(-r * a.data, b.shape)

    return result(y, (a, b), backward, "arctan2")


def divide_no_nan(x1, x2):
    """`x1 / x2`, with 0 wherever `x2` is 0 (instead of inf or nan); its gradient is 0 there.

    >>> ops.divide_no_nan([1.0, 2.0], [0.0, 4.0])  # [0.0, 0.5]
    """
    a, b = float_pair(x1, x2)
    xp = backend.xp_of(a.data, b.data)
    zero = b.data == 0
    safe = xp.where(zero, xp.ones((), b.data.dtype), b.data)
    y = xp.where(zero, xp.zeros((), b.data.dtype), a.data / safe)

    def backward(gy):
        ga = xp.where(zero, 0, gy / safe).astype(gy.dtype, copy=False)
        return unbroadcast(ga, a.shape), unbroadcast(-ga * y, b.shape)

    return result(y, (a, b), backward, "divide_no_nan")


def _fminmax(x1, x2, name, pick_first):
    a, b = promote_pair(x1, x2)
    reject_complex(a, name, "x1")
    reject_complex(b, name, "x2")
    xp = backend.xp_of(a.data, b.data)
    y = getattr(xp, name)(a.data, b.data)
    if not is_inexact(a):
        return Tensor(y)
    # The gradient follows the value chosen: a nan loses to a number, a tie goes to x2.
    first = pick_first(a.data, b.data) | xp.isnan(b.data)

    def backward(gy):
        return unbroadcast(gy * first, a.shape), unbroadcast(gy * ~first, b.shape)

    return result(y, (a, b), backward, name)


def fmax(x1, x2):
    """Element-wise maximum that ignores nan: a nan loses to any number.

    >>> ops.fmax([1.0, float("nan")], [0.0, 2.0])  # [1.0, 2.0]
    """
    return _fminmax(x1, x2, "fmax", lambda a, b: a > b)


def fmin(x1, x2):
    """Element-wise minimum that ignores nan: a nan loses to any number.

    >>> ops.fmin([1.0, float("nan")], [0.0, 2.0])  # [0.0, 2.0]
    """
    return _fminmax(x1, x2, "fmin", lambda a, b: a < b)


def fmod(x1, x2):
    """Remainder of `x1 / x2` truncated toward zero (it has the sign of `x1`, unlike `mod`).

    >>> ops.fmod([-5.5, 5.5], [2.0, 2.0])  # [-1.5, 1.5]
    """
    a, b = promote_pair(x1, x2)
    reject_complex(a, "fmod", "x1")
    reject_complex(b, "fmod", "x2")
    if a.data.dtype == bool and b.data.dtype == bool:
        a, b = Tensor(a.data.astype("int32")), Tensor(b.data.astype("int32"))
    xp = backend.xp_of(a.data, b.data)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = xp.fmod(a.data, b.data)
    if not is_inexact(a):
        return Tensor(y)

    def backward(gy):
        quotient = xp.trunc(a.data / b.data)
        return unbroadcast(gy, a.shape), unbroadcast(-gy * quotient, b.shape)

    return result(y, (a, b), backward, "fmod")


def heaviside(x1, x2):
    """Step function: 0 where `x1 < 0`, 1 where `x1 > 0`, `x2` where `x1 == 0`.

    Only `x2` receives a gradient (where `x1` is 0).

    >>> ops.heaviside([-1.0, 0.0, 3.0], 0.5)  # [0.0, 0.5, 1.0]
    """
    a, b = float_pair(x1, x2)
    reject_complex(a, "heaviside", "x1")
    reject_complex(b, "heaviside", "x2")
    xp = backend.xp_of(a.data, b.data)
    y = xp.heaviside(a.data, b.data)

    def backward(gy):
        return None, unbroadcast(gy * (a.data == 0), b.shape)

    return result(y, (a, b), backward, "heaviside")


def hypot(x1, x2):
    """`sqrt(x1**2 + x2**2)` element-wise, without overflow for large values.

    The gradient at (0, 0) is taken as 0.

    >>> ops.hypot(3.0, 4.0)  # 5.0
    """
    a, b = float_pair(x1, x2)
    reject_complex(a, "hypot", "x1")
    reject_complex(b, "hypot", "x2")
    xp = backend.xp_of(a.data, b.data)
    y = xp.hypot(a.data, b.data)

    def backward(gy):
        r = gy / xp.where(y == 0, xp.ones((), y.dtype), y)
        return unbroadcast(r * a.data, a.shape), unbroadcast(r * b.data, b.shape)

    return result(y, (a, b), backward, "hypot")


def ldexp(x1, x2):
    """`x1 * 2**x2`, where the exponent `x2` has an integer dtype.

    >>> ops.ldexp(1.5, 3)  # 12.0
    """
    a = to_float(as_tensor(x1))
    reject_complex(a, "ldexp", "x1")
    e = as_tensor(x2)  # a Python float becomes a float tensor and is refused just below
    if e.data.dtype.kind not in "iu":
        raise TypeError(f"ldexp: the exponent `x2` must have an integer dtype, received {e.dtype}")
    xp = backend.xp_of(a.data)
    e = backend.asarray_like(e.data, a.data).astype("int32")
    y = xp.ldexp(a.data, e).astype(a.data.dtype, copy=False)

    def backward(gy):
        scale = xp.ldexp(xp.ones((), gy.dtype), e)
        return (unbroadcast(gy * scale, a.shape),)

    return result(y, (a,), backward, "ldexp")


def logaddexp(x1, x2):
    """`log(exp(x1) + exp(x2))` element-wise, computed without overflow.

    >>> ops.logaddexp(0.0, 0.0)  # log(2)
    """
    a, b = float_pair(x1, x2)
    reject_complex(a, "logaddexp", "x1")
    reject_complex(b, "logaddexp", "x2")
    xp = backend.xp_of(a.data, b.data)
    y = xp.logaddexp(a.data, b.data)

    def backward(gy):
        return (unbroadcast(gy * xp.exp(a.data - y), a.shape),
                unbroadcast(gy * xp.exp(b.data - y), b.shape))

    return result(y, (a, b), backward, "logaddexp")


def logaddexp2(x1, x2):
    """`log2(2**x1 + 2**x2)` element-wise, computed without overflow.

    >>> ops.logaddexp2(1.0, 1.0)  # 2.0
    """
    a, b = float_pair(x1, x2)
    reject_complex(a, "logaddexp2", "x1")
    reject_complex(b, "logaddexp2", "x2")
    xp = backend.xp_of(a.data, b.data)
    y = xp.logaddexp2(a.data, b.data)

    def backward(gy):
        return (unbroadcast(gy * xp.exp2(a.data - y), a.shape),
                unbroadcast(gy * xp.exp2(b.data - y), b.shape))

    return result(y, (a, b), backward, "logaddexp2")


def nextafter(x1, x2):
    """The next representable floating value after `x1` in the direction of `x2` (no gradient).

    >>> ops.nextafter(1.0, 2.0)  # 1.0000001 in float32
    """
    a, b = float_pair(x1, x2)
    reject_complex(a, "nextafter", "x1")
    reject_complex(b, "nextafter", "x2")
    if a.data.dtype != b.data.dtype:
        dtype = np.result_type(a.data.dtype, b.data.dtype)
        a, b = Tensor(a.data.astype(dtype)), Tensor(b.data.astype(dtype))
    return Tensor(backend.xp_of(a.data, b.data).nextafter(a.data, b.data))


def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Element-wise `|x1 - x2| <= atol + rtol * |x2|`, as a bool tensor.

    Both operands are compared in their common dtype (float32 inputs in float32).

    >>> ops.isclose([1.0, 2.0], [1.0, 2.1])  # [True, False]
    """
    a, b = promote_pair(x1, x2)
    dtype = np.result_type(a.data.dtype, b.data.dtype)
    dtype = np.dtype("int32") if dtype.kind == "b" else dtype  # no subtraction on bools
    a, b = Tensor(a.data.astype(dtype, copy=False)), Tensor(b.data.astype(dtype, copy=False))
    xp = backend.xp_of(a.data, b.data)
    return Tensor(xp.isclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether `isclose` holds for every element (a 0-d bool tensor).

    >>> ops.allclose([1.0, 2.0], [1.0, 2.0 + 1e-7])  # True
    """
    close = isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return Tensor(backend.xp_of(close.data).all(close.data))


def logical_xor(x1, x2):
    """Element-wise exclusive or of the truth values of `x1` and `x2` (a bool tensor).

    >>> ops.logical_xor([True, False], [True, True])  # [False, True]
    """
    a, b = operands(x1, x2)
    return Tensor(backend.xp_of(a.data, b.data).logical_xor(a.data, b.data))
