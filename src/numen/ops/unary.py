"""One-input element-wise functions of the NumPy family (cbrt, exp2, sinc, trunc, ...), each with
its gradient where one exists, and the dtype conversion `saturate_cast`.

Integer and bool inputs of functions with real-number values become floatx first, as in Keras.
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor, result
from numen.ops.elementwise import is_inexact, reject_complex, to_float
from numen.ops.math import cast, clip

_LN2 = float(np.log(2.0))


def arccosh(x):
    """Inverse hyperbolic cosine, element-wise (nan below 1).

    >>> ops.arccosh([1.0, 2.0])  # [0.0, 1.3169579]
    """
    x = to_float(as_tensor(x))
    xp = backend.xp_of(x.data)
    y = xp.arccosh(x.data)
    return result(y, (x,), lambda gy: (gy / xp.sqrt((x.data - 1) * (x.data + 1)),), "arccosh")


def cbrt(x):
    """Real cube root, element-wise (negative for negative inputs).

    >>> ops.cbrt([-8.0, 27.0])  # [-2.0, 3.0]
    """
    x = to_float(as_tensor(x))
    reject_complex(x, "cbrt")
    xp = backend.xp_of(x.data)
    y = xp.cbrt(x.data)

    def backward(gy):
        with np.errstate(divide="ignore"):  # infinite slope at 0, as the true derivative
            return (gy / (3 * y * y),)

    return result(y, (x,), backward, "cbrt")


def _scaled(x, factor, name):
    x = to_float(as_tensor(x))
    c = backend.xp_of(x.data).asarray(factor, dtype=x.data.dtype)
    return result(x.data * c, (x,), lambda gy: (gy * c,), name)


def deg2rad(x):
    """Angles in degrees converted to radians.

    >>> ops.deg2rad([180.0])  # [3.1415927]
    """
    return _scaled(x, np.pi / 180.0, "deg2rad")


def rad2deg(x):
    """Angles in radians converted to degrees.

    >>> ops.rad2deg([np.pi])  # [180.0]
    """
    return _scaled(x, 180.0 / np.pi, "rad2deg")


def exp2(x):
    """`2 ** x`, element-wise.

    >>> ops.exp2([3.0, -1.0])  # [8.0, 0.5]
    """
    x = to_float(as_tensor(x))
    y = backend.xp_of(x.data).exp2(x.data)
    return result(y, (x,), lambda gy: (gy * y * _LN2,), "exp2")


def fabs(x):
    """Absolute value as a floating tensor (integer inputs give floatx).

    >>> ops.fabs([-2, 3])  # [2.0, 3.0] (float32)
    """
    x = to_float(as_tensor(x))
    reject_complex(x, "fabs")
    xp = backend.xp_of(x.data)
    return result(xp.fabs(x.data), (x,), lambda gy: (gy * xp.sign(x.data),), "fabs")


def sinc(x):
    """Normalised sinc, `sin(pi * x) / (pi * x)`, with the value 1 at 0.

    >>> ops.sinc([0.0, 0.5])  # [1.0, 0.63661975]
    """
    x = to_float(as_tensor(x))
    xp = backend.xp_of(x.data)
    y = xp.sinc(x.data)

    def backward(gy):
        at_zero = x.data == 0
        safe = xp.where(at_zero, xp.ones((), x.data.dtype), x.data)
        slope = (xp.cos(np.pi * x.data) - y) / safe
        return (gy * xp.where(at_zero, xp.zeros((), slope.dtype), slope),)

    return result(y, (x,), backward, "sinc")


def trunc(x):
    """Values rounded toward zero; integer inputs come back unchanged (no gradient).

    >>> ops.trunc([-1.7, 1.7])  # [-1.0, 1.0]
    """
    x = as_tensor(x)
    reject_complex(x, "trunc")
    if not is_inexact(x):
        return x
    return Tensor(backend.xp_of(x.data).trunc(x.data))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """nan replaced by `nan`, +inf and -inf by `posinf` and `neginf` (by default the largest and
    smallest finite values of the dtype). The gradient passes only where `x` was finite.

    >>> ops.nan_to_num([float("nan"), 1.0])  # [0.0, 1.0]
    """
    x = as_tensor(x)
    if not is_inexact(x):
        return x
    xp = backend.xp_of(x.data)
    with np.errstate(over="ignore"):  # a replacement too large for the dtype becomes inf
        y = xp.nan_to_num(x.data, nan=nan, posinf=posinf, neginf=neginf)
    if x.data.dtype.kind == "c":
        return Tensor(y)
    return result(y, (x,), lambda gy: (gy * xp.isfinite(x.data),), "nan_to_num")


def signbit(x):
    """Whether the sign bit is set, element-wise (True for -0.0 and negative values).

    >>> ops.signbit([-0.0, 0.0, -2.0])  # [True, False, True]
    """
    x = as_tensor(x)
    reject_complex(x, "signbit")
    xp = backend.xp_of(x.data)
    if x.data.dtype == bool:
        return Tensor(xp.zeros(x.shape, dtype=bool))
    return Tensor(xp.signbit(x.data) if is_inexact(x) else x.data < 0)


def _is_inf(x, sign, name):
    x = as_tensor(x)
    reject_complex(x, name)
    xp = backend.xp_of(x.data)
    if not is_inexact(x):
        return Tensor(xp.zeros(x.shape, dtype=bool))
    return Tensor(x.data == sign * np.inf)


def isposinf(x):
    """Whether each element is +inf.

    >>> ops.isposinf([np.inf, -np.inf, 1.0])  # [True, False, False]
    """
    return _is_inf(x, 1, "isposinf")


def isneginf(x):
    """Whether each element is -inf.

    >>> ops.isneginf([np.inf, -np.inf, 1.0])  # [False, True, False]
    """
    return _is_inf(x, -1, "isneginf")


def _limits(dtype: np.dtype):
    if dtype.kind == "b":
        return 0, 1
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return int(info.min), int(info.max)
    info = np.finfo(dtype)
    return float(info.min), float(info.max)


def saturate_cast(x, dtype):
    """`x` converted to `dtype`, values outside the target range clamped to its limits first
    (so 300.0 cast to uint8 gives 255, not a wrapped value). Float values are truncated toward
    zero when the target is an integer type, and nan becomes 0 there. Float-to-float casts keep
    the gradient, which is 0 where a value was clamped.

    >>> ops.saturate_cast([-1.5, 300.0], "uint8")  # [0, 255]
    """
    x = as_tensor(x)
    target = np.dtype(backend.standardize_dtype(dtype))
    if x.data.dtype.kind == "c" or target.kind == "c":
        raise TypeError(f"saturate_cast: complex values are not supported, received "
                        f"{x.dtype} -> {target.name}")
    lo_in, hi_in = _limits(x.data.dtype)
    lo_out, hi_out = _limits(target)
    lo, hi = max(lo_in, lo_out), min(hi_in, hi_out)
    xp = backend.xp_of(x.data)
    if not is_inexact(x):
        if x.data.dtype != bool:  # clamp in the input's own integer type (the limits fit in it)
            x = Tensor(xp.clip(x.data, int(lo), int(hi)))
        return Tensor(x.data.astype(target))
    if target.kind == "f":
        return cast(clip(x, lo, hi), target)
    if target.kind == "b":
        return Tensor((x.data > 0) | xp.isnan(x.data))
    # Float to integer: decide clamping by comparison, since the integer limits may not be
    # exactly representable in the float type (int32's max rounds up to 2**31 in float32).
    finite = xp.where(xp.isnan(x.data), xp.zeros((), x.data.dtype), x.data)
    high, low = finite >= hi_out, finite <= lo_out
    inside = xp.where(high | low, xp.zeros((), x.data.dtype), finite).astype(target)
    top = xp.asarray(hi_out, dtype=target)
    bottom = xp.asarray(lo_out, dtype=target)
    return Tensor(xp.where(high, top, xp.where(low, bottom, inside)))
