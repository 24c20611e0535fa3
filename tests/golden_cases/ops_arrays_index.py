"""Indexing, scatter and segment ops against Keras: values, dtypes, gradients."""

import numpy as np

from golden_cases.case import Case, bools, const, f32, ints

IDS = np.array([0, 0, 2, 2, 2, 3], dtype="int32")
UNSORTED = np.array([1, 0, 1, 3, 0], dtype="int32")


def _distinct(*shape):
    """Floats with no two alike, so max/min have a single winner."""
    n = int(np.prod(shape))
    return lambda rng: (rng.permutation(n).reshape(shape) * 0.5 - 1).astype("float32")


CASES = [
    Case("get_item_slice", lambda k, x: k.ops.get_item(x, (slice(None), slice(1, 3))),
         [f32(2, 4)], grad=True),
    Case("get_item_int", lambda k, x: k.ops.get_item(x, 1), [f32(3, 2)], grad=True),
    Case("get_item_array", lambda k, x, i: k.ops.get_item(x, i), [f32(4, 2), ints(5, high=4)],
         grad=(0,)),
    Case("slice", lambda k, x: k.ops.slice(x, (1, 0), (2, 3)), [f32(3, 4)], grad=True),
    Case("slice_to_end", lambda k, x: k.ops.slice(x, (0, 1), (2, -1)), [ints(2, 4)]),
    Case("slice_clamped", lambda k, x: k.ops.slice(x, (2, 3), (2, 2)), [f32(3, 4)], grad=True),
    Case("slice_update_clamped", lambda k, x, u: k.ops.slice_update(x, (2, 3), u),
         [f32(3, 4), f32(2, 2)], grad=True),
    Case("slice_update", lambda k, x, u: k.ops.slice_update(x, (1, 1), u),
         [f32(3, 4), f32(2, 2)], grad=True),
    Case("slice_update_int", lambda k, x, u: k.ops.slice_update(x, (0, 2), u),
         [ints(2, 4), ints(1, 2)]),
    Case("take_along_axis", lambda k, x, i: k.ops.take_along_axis(x, i, axis=1),
         [f32(2, 3), ints(2, 4, high=3)], grad=(0,)),
    Case("take_along_axis_bcast", lambda k, x, i: k.ops.take_along_axis(x, i, axis=-1),
         [f32(2, 3), ints(1, 5, high=3)], grad=(0,)),
    Case("take_along_axis_flat", lambda k, x, i: k.ops.take_along_axis(x, i),
         [f32(2, 3), ints(4, high=6)], grad=(0,)),
    Case("select", lambda k, c1, c2, a, b: k.ops.select([c1, c2], [a, b]),
         [bools(2, 3), bools(2, 3), f32(2, 3), f32(2, 3)], grad=(2, 3)),
    Case("select_default", lambda k, c, a, d: k.ops.select([c], [a], default=d),
         [bools(4), f32(4), f32(4)], grad=(1, 2)),
    Case("select_int", lambda k, c, a: k.ops.select([c], [a], default=5), [bools(4), ints(4)]),
    Case("select_float_default", lambda k, c, a: k.ops.select([c], [a], default=0.5),
         [bools(4), ints(4)]),
    Case("select_bool_choices", lambda k, c, a: k.ops.select([c], [a > 0]), [bools(4), f32(4)]),
    Case("unravel_index", lambda k, i: k.ops.unravel_index(i, (2, 3, 4)), [ints(5, high=24)]),
    Case("scatter", lambda k, v: k.ops.scatter(np.array([[0], [0], [2]]), v, (4,)), [f32(3)],
         grad=True),
    Case("scatter_2d", lambda k, v: k.ops.scatter(np.array([[0, 1], [2, 0]]), v, (3, 2, 2)),
         [f32(2, 2)], grad=True),
    Case("scatter_int", lambda k, v: k.ops.scatter(np.array([[1], [1]]), v, (3,)), [ints(2)]),
    Case("scatter_update", lambda k, x, u: k.ops.scatter_update(x, np.array([[0], [2]]), u),
         [f32(4, 2), f32(2, 2)], grad=True),
    Case("scatter_update_points",
         lambda k, x, u: k.ops.scatter_update(x, np.array([[0, 1], [1, 0]]), u),
         [f32(2, 2), f32(2)], grad=True),
    Case("scatter_update_add",
         lambda k, x, u: k.ops.scatter_update(x, np.array([[0], [0], [2]]), u, reduction="add"),
         [f32(4), f32(3)], grad=True),
    Case("scatter_update_max",
         lambda k, x, u: k.ops.scatter_update(x, np.array([[0], [0], [2]]), u, reduction="max"),
         [_distinct(4), _distinct(3)], grad=True),
    Case("scatter_update_min",
         lambda k, x, u: k.ops.scatter_update(x, np.array([[1], [3], [1]]), u, reduction="min"),
         [_distinct(4), _distinct(3)], grad=True),
    Case("scatter_update_mul",
         lambda k, x, u: k.ops.scatter_update(x, np.array([[1], [3]]), u, reduction="mul"),
         [f32(4), f32(2)]),  # JAX has no gradient for scatter-multiply; test_ops_arrays does
    Case("segment_sum", lambda k, d: k.ops.segment_sum(d, IDS, num_segments=5), [f32(6, 2)],
         grad=True),
    Case("segment_sum_unsorted", lambda k, d: k.ops.segment_sum(d, UNSORTED, num_segments=4),
         [f32(5)], grad=True),
    Case("segment_sum_int", lambda k, d: k.ops.segment_sum(d, IDS, num_segments=4), [ints(6)]),
    Case("segment_max", lambda k, d: k.ops.segment_max(d, IDS, num_segments=5),
         [_distinct(6, 2)], grad=True),
    Case("segment_max_int", lambda k, d: k.ops.segment_max(d, UNSORTED, num_segments=4),
         [ints(5)]),
    Case("segment_min", lambda k, d: k.ops.segment_min(d, UNSORTED, num_segments=4),
         [_distinct(5)], grad=True),
    Case("segment_prod", lambda k, d: k.ops.segment_prod(d, IDS, num_segments=5),
         [f32(6, 2)]),  # no JAX gradient (scatter-multiply); test_ops_arrays checks ours
    Case("segment_prod_sorted", lambda k, d: k.ops.segment_prod(d, IDS, 4, sorted=True),
         [ints(6, low=-3, high=4)]),
    Case("segment_ties", lambda k, d: k.ops.segment_max(d, np.array([0, 0, 1]), 2),
         [const([2.0, 2.0, 1.0], "float32")], grad=True),
]
