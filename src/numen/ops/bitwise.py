"""Bitwise operations and integer arithmetic (gcd, lcm) on integer and bool tensors.

None is differentiable. Floating inputs are refused with a TypeError, as in Keras.
"""

from __future__ import annotations

from numen import backend
from numen.autodiff import Tensor, as_tensor
from numen.ops.elementwise import operands


def _check(t: Tensor, op: str, arg: str) -> None:
    if t.data.dtype.kind not in "iub":
        raise TypeError(f"{op}: `{arg}` must have an integer or bool dtype, received {t.dtype}")


def _binary(x, y, op, fn_name, names=("x", "y"), allow_bool=True, bool_as_int=False):
    for value, name in ((x, names[0]), (y, names[1])):  # before promotion mixes the two
        if not isinstance(value, (int, bool)):
            _check(as_tensor(value), op, name)
    a, b = operands(x, y)
    if not allow_bool and a.data.dtype.kind == "b" and b.data.dtype.kind == "b":
        raise TypeError(f"{op}: needs integers, received two bool operands (a bool meeting an "
                        "integer counts as 0 or 1)")
    if bool_as_int:  # shifting bools gives int32, as in Keras
        a = Tensor(a.data.astype("int32")) if a.data.dtype == bool else a
        b = Tensor(b.data.astype("int32")) if b.data.dtype == bool else b
    return Tensor(getattr(backend.xp_of(a.data, b.data), fn_name)(a.data, b.data))


def bitwise_and(x, y):
    """Bitwise AND of integers (logical AND of bools).

    >>> ops.bitwise_and(np.array([12], "int32"), 10)  # [8]
    """
    return _binary(x, y, "bitwise_and", "bitwise_and")


def bitwise_or(x, y):
    """Bitwise OR of integers (logical OR of bools).

    >>> ops.bitwise_or(np.array([12], "int32"), 10)  # [14]
    """
    return _binary(x, y, "bitwise_or", "bitwise_or")


def bitwise_xor(x, y):
    """Bitwise exclusive OR of integers (logical XOR of bools).

    >>> ops.bitwise_xor(np.array([12], "int32"), 10)  # [6]
    """
    return _binary(x, y, "bitwise_xor", "bitwise_xor")


def bitwise_invert(x):
    """Bitwise NOT of integers (two's complement: ~x == -x - 1), logical NOT of bools.

    >>> ops.bitwise_invert(np.array([0, 5], "int32"))  # [-1, -6]
    """
    x = as_tensor(x)
    _check(x, "bitwise_invert", "x")
    return Tensor(backend.xp_of(x.data).invert(x.data))


bitwise_not = bitwise_invert


def bitwise_left_shift(x, y):
    """`x` shifted left by `y` bits (bits shifted past the width are lost; bools give int32).

    >>> ops.bitwise_left_shift(np.array([1, 3], "int32"), 2)  # [4, 12]
    """
    return _binary(x, y, "bitwise_left_shift", "left_shift", bool_as_int=True)


def left_shift(x, y):
    """Alias of `bitwise_left_shift`.

    >>> ops.left_shift(np.array([1], "int32"), 3)  # [8]
    """
    return _binary(x, y, "left_shift", "left_shift", bool_as_int=True)


def bitwise_right_shift(x, y):
    """`x` shifted right by `y` bits, keeping the sign of signed integers (bools give int32).

    >>> ops.bitwise_right_shift(np.array([-8, 8], "int32"), 2)  # [-2, 2]
    """
    return _binary(x, y, "bitwise_right_shift", "right_shift", bool_as_int=True)


def right_shift(x, y):
    """Alias of `bitwise_right_shift`.

    >>> ops.right_shift(np.array([8], "int32"), 3)  # [1]
    """
    return _binary(x, y, "right_shift", "right_shift", bool_as_int=True)


def gcd(x1, x2):
    """Greatest common divisor of integers, element-wise (non-negative; gcd(0, 0) is 0).

    >>> ops.gcd(np.array([12, -18], "int32"), 8)  # [4, 2]
    """
    return _binary(x1, x2, "gcd", "gcd", ("x1", "x2"), allow_bool=False)


def lcm(x1, x2):
    """Least common multiple of integers, element-wise (non-negative; 0 if either is 0).

    >>> ops.lcm(np.array([4, -6], "int32"), 6)  # [12, 6]
    """
    return _binary(x1, x2, "lcm", "lcm", ("x1", "x2"), allow_bool=False)
