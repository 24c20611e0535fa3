"""keras.ops.image sampling: map_coordinates (orders, fill modes, ranks, int inputs),
affine_transform and perspective_transform (interpolations, fill modes, layouts).

affine_transform's projective terms (c0, c1) stay 0 here: Keras's JAX backend applies them to
the channel index instead of dividing (numen follows the documented projective formula), and
the transform's gradient is checked numerically in tests/test_ops_image.py instead.
"""

import numpy as np

from golden_cases.case import Case, const, f32, ints


def uni(low, high, *shape):
    return lambda rng: rng.uniform(low, high, shape).astype("float32")


def mc(order, **kw):
    return lambda k, x, c: k.ops.image.map_coordinates(x, c, order, **kw)


ROTATE = [[0.9, -0.3, 1.2, 0.35, 0.8, -0.6, 0.0, 0.0], [1.31, 0.21, -1.73, -0.12, 0.71, 0.93, 0, 0]]
SHEAR = [0.8, 0.45, 0.3, -0.2, 1.1, 0.7, 0.0, 0.0]
START = np.array([[0, 0], [6, 0], [0, 5], [6, 5]], "float32")
END = np.array([[0.6, 0.3], [5.2, 0.9], [0.2, 4.1], [5.9, 4.6]], "float32")
END2 = np.array([[-0.4, 0.7], [6.3, -0.2], [0.5, 5.4], [5.1, 4.8]], "float32")


def affine(**kw):
    return lambda k, x, t: k.ops.image.affine_transform(x, t, **kw)


def persp(start, end, **kw):
    return lambda k, x: k.ops.image.perspective_transform(x, start, end, **kw)


CASES = [
    Case("map_linear_constant", mc(1), [f32(4, 5), uni(-1.5, 5.5, 2, 3, 3)], grad=True),
    Case("map_linear_fill", mc(1, fill_value=2.5), [f32(4, 5), uni(-1.5, 5.5, 2, 7)],
         grad=True),
    Case("map_nearest_nearest", mc(0, fill_mode="nearest"), [f32(4, 5), uni(-3, 7, 2, 6)],
         grad=(0,)),
    Case("map_linear_wrap", mc(1, fill_mode="wrap"), [f32(4, 5), uni(-6, 10, 2, 8)],
         grad=True),
    Case("map_linear_mirror", mc(1, fill_mode="mirror"), [f32(4, 5), uni(-6, 10, 2, 8)],
         grad=True),
    Case("map_linear_reflect", mc(1, fill_mode="reflect"), [f32(4, 5), uni(-6, 10, 2, 8)],
         grad=True),
    Case("map_nearest_reflect", mc(0, fill_mode="reflect"), [f32(3, 4), uni(-6, 9, 2, 9)],
         grad=(0,)),
    Case("map_nearest_constant", mc(0, fill_value=-1.0), [f32(3, 4), uni(-2, 5, 2, 9)],
         grad=(0,)),
    Case("map_rank3", mc(1, fill_mode="nearest"), [f32(3, 4, 2), uni(-1, 4, 3, 5)], grad=True),
    Case("map_rank1", mc(1), [f32(6), uni(-1, 7, 1, 4)], grad=True),
    Case("map_int", mc(1), [ints(4, 5, high=100), uni(-0.5, 4.5, 2, 6)]),
    Case("map_int_nearest", mc(0, fill_mode="wrap"), [ints(4, 5, high=100), uni(-5, 9, 2, 6)]),
    Case("affine_bilinear", affine(), [f32(2, 6, 7, 3), const(ROTATE, "float32")], grad=(0,)),
    Case("affine_nearest_reflect", affine(interpolation="nearest", fill_mode="reflect"),
         [f32(2, 6, 7, 2), const(ROTATE, "float32")], grad=(0,)),
    Case("affine_fill_value", affine(fill_value=0.75), [f32(5, 6, 1), const(SHEAR, "float32")],
         grad=(0,)),
    Case("affine_wrap_first", affine(fill_mode="wrap", data_format="channels_first"),
         [f32(2, 2, 5, 6), const(ROTATE, "float32")], grad=(0,)),
    Case("affine_mirror", affine(fill_mode="mirror"),
         [f32(2, 5, 6, 1), const(ROTATE, "float32")], grad=(0,)),
    Case("affine_nearest_mode", affine(fill_mode="nearest"),
         [f32(1, 5, 6, 2), const([SHEAR], "float32")], grad=(0,)),
    Case("perspective_bilinear", persp(START[None], END[None]), [f32(1, 6, 7, 2)], grad=True),
    Case("perspective_fill", persp(START, END2, fill_value=0.5), [f32(6, 7, 1)], grad=True),
    Case("perspective_nearest_first", persp(np.stack([START, START]), np.stack([END, END2]),
                                            interpolation="nearest",
                                            data_format="channels_first"),
         [f32(2, 3, 6, 7)], grad=True),
]
