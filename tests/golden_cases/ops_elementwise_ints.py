"""Bitwise and integer ops (ops/bitwise.py) and complex parts (ops/complex.py) against Keras."""

import numpy as np

from golden_cases.case import Case, bools, const, f32, ints


def c64(*shape):
    return lambda rng: (rng.standard_normal(shape)
                        + 1j * rng.standard_normal(shape)).astype("complex64")


SIGNED = [-8, -3, 0, 5, 12]

CASES = [
    Case("bitwise_and", lambda k, a, b: k.ops.bitwise_and(a, b),
         [ints(2, 3, low=-20, high=20), ints(3, low=0, high=16)]),
    Case("bitwise_or", lambda k, a, b: k.ops.bitwise_or(a, b),
         [ints(4, low=-20, high=20), ints(4, high=16)]),
    Case("bitwise_xor", lambda k, a, b: k.ops.bitwise_xor(a, b),
         [ints(4, low=-20, high=20), ints(4, high=16)]),
    Case("bitwise_and_bools", lambda k, a, b: k.ops.bitwise_and(a, b), [bools(4), bools(4)]),
    Case("bitwise_or_int8_int32", lambda k, a, b: k.ops.bitwise_or(a, b),
         [ints(4, dtype="int8"), ints(4)]),
    Case("bitwise_xor_scalar", lambda k, a: k.ops.bitwise_xor(a, 5), [ints(4, dtype="uint8")]),
    Case("bitwise_invert", lambda k, a: k.ops.bitwise_invert(a), [const(SIGNED, "int32")]),
    Case("bitwise_not_uint8", lambda k, a: k.ops.bitwise_not(a), [const([0, 3, 255], "uint8")]),
    Case("bitwise_not_bools", lambda k, a: k.ops.bitwise_not(a), [bools(4)]),
    Case("bitwise_left_shift", lambda k, a, b: k.ops.bitwise_left_shift(a, b),
         [const(SIGNED, "int32"), ints(5, high=5)]),
    Case("left_shift_uint8", lambda k, a, b: k.ops.left_shift(a, b),
         [const([1, 3, 255, 7], "uint8"), const([1, 2, 1, 9], "uint8")]),
    Case("bitwise_right_shift", lambda k, a, b: k.ops.bitwise_right_shift(a, b),
         [const(SIGNED, "int32"), ints(5, high=4)]),
    Case("right_shift_scalar", lambda k, a: k.ops.right_shift(a, 1), [const(SIGNED, "int32")]),
    Case("left_shift_bools", lambda k, a, b: k.ops.left_shift(a, b), [bools(4), bools(4)]),
    Case("gcd", lambda k, a, b: k.ops.gcd(a, b),
         [const([12, -18, 0, 7, 0], "int32"), const([8, 12, 5, 0, 0], "int32")]),
    Case("lcm", lambda k, a, b: k.ops.lcm(a, b),
         [const([4, -6, 0, 7, 3], "int32"), const([6, 4, 5, 0, -9], "int32")]),
    Case("gcd_int8_int32", lambda k, a, b: k.ops.gcd(a, b),
         [ints(4, low=1, high=30, dtype="int8"), ints(4, low=1, high=30)]),
    Case("real", lambda k, z: k.ops.real(z), [c64(2, 3)]),
    Case("imag", lambda k, z: k.ops.imag(z), [c64(2, 3)]),
    Case("conj", lambda k, z: k.ops.conj(z), [c64(4)]),
    Case("conjugate", lambda k, z: k.ops.conjugate(z), [c64(4)]),
    Case("angle", lambda k, z: k.ops.angle(z), [c64(5)]),
    Case("real_of_float", lambda k, x: k.ops.real(x), [f32(4)], grad=True),
    Case("imag_of_float", lambda k, x: k.ops.imag(x), [f32(4)], grad=True),
    Case("conj_of_float", lambda k, x: k.ops.conj(x), [f32(4)], grad=True),
    Case("real_of_ints", lambda k, x: (k.ops.real(x), k.ops.imag(x), k.ops.conj(x)), [ints(3)]),
    Case("angle_of_float", lambda k, x: k.ops.angle(x),
         [const([-1.5, 0.0, -0.0, 2.0], "float32")]),
    Case("angle_of_ints", lambda k, x: k.ops.angle(x), [ints(4, low=-3, high=3)]),
    Case("isreal", lambda k, z: k.ops.isreal(z),
         [lambda r: np.array([1 + 0j, 1j, -2 + 0j, 0j], "complex64")]),
    Case("isreal_of_float", lambda k, x: k.ops.isreal(x), [f32(3)]),
    Case("view_as_complex", lambda k, x: k.ops.view_as_complex(x), [f32(3, 2)]),
    Case("view_as_complex_ints", lambda k, x: k.ops.view_as_complex(x), [ints(2, 2)]),
    Case("view_as_real", lambda k, z: k.ops.view_as_real(z), [c64(2, 3)]),
    Case("view_as_real_of_float", lambda k, x: k.ops.view_as_real(x), [f32(3)]),
    Case("polar", lambda k, r, t: k.ops.polar(r, t), [f32(2, 3), f32(3)]),
    Case("polar_ints", lambda k, r, t: k.ops.polar(r, t), [ints(3), ints(3)]),
    # integer operands divide into Keras's float (float32 here), not NumPy's float64
    Case("true_divide_ints", lambda k, a, b: (k.ops.true_divide(a, b), k.ops.divide(a, 2),
                                              k.ops.true_divide(3, a)),
         [ints(2, 3, low=1), ints(2, 3, low=1, dtype="int8")]),
    Case("divide_bool_uint8", lambda k, a, b: k.ops.divide(a, b),
         [ints(4, low=0, high=2, dtype="bool"), ints(4, low=1, dtype="uint8")]),
    Case("round_decimals", lambda k, x: (k.ops.round(x, 1), k.ops.round(x * 100.0, -1),
                                         k.ops.round(x)), [f32(2, 5, scale=3.0)]),
    Case("round_int_decimals", lambda k, i: (k.ops.round(i, -1), k.ops.round(i, 2)),
         [ints(6, low=-60, high=60)]),
]
