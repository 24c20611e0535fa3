"""Partitions, insertion points, bins, unique values, membership (ops/search.py)."""

from golden_cases.case import Case, bools, const, f32, ints

SORTED = const([-1.0, -0.5, 0.0, 0.0, 0.5, 1.0], "float32")

CASES = [
    Case("argpartition", lambda k, x: k.ops.argpartition(x, 3), [f32(2, 7)]),
    Case("argpartition_axis0", lambda k, x: k.ops.argpartition(x, 1, axis=0), [f32(4, 3)]),
    Case("argpartition_negative_kth", lambda k, x: k.ops.argpartition(x, -2),
         [ints(8, high=4)]),
    Case("searchsorted", lambda k, s, v: k.ops.searchsorted(s, v), [SORTED, f32(3, 4)]),
    Case("searchsorted_right", lambda k, s, v: k.ops.searchsorted(s, v, side="right"),
         [SORTED, const([0.0, -1.0, 2.0, 0.5], "float32")]),
    Case("digitize", lambda k, x, b: k.ops.digitize(x, b), [f32(2, 5), SORTED]),
    Case("digitize_int", lambda k, x: k.ops.digitize(x, [2, 5, 7]), [ints(6)]),
    Case("unique", lambda k, x: k.ops.unique(x), [ints(10, high=6)]),
    Case("unique_all_extras",
         lambda k, x: k.ops.unique(x, return_index=True, return_inverse=True,
                                   return_counts=True), [ints(3, 4, high=5)]),
    Case("unique_size_fill",
         lambda k, x: k.ops.unique(x, return_index=True, return_counts=True, size=8,
                                   fill_value=-1), [ints(6, high=5)]),
    Case("unique_size_default_fill", lambda k, x: k.ops.unique(x, size=8), [ints(6, high=5)]),
    Case("unique_size_cut", lambda k, x: k.ops.unique(x, size=2), [ints(9, high=5)]),
    Case("unique_float", lambda k, x: k.ops.unique(x), [const([1.5, -2.0, 1.5, 0.0],
                                                                "float32")]),
    Case("unique_axis", lambda k, x: k.ops.unique(x, axis=0, return_inverse=True),
         [const([[1, 2], [0, 1], [1, 2]], "int32")]),
    Case("isin", lambda k, a, b: k.ops.isin(a, b), [ints(3, 4), ints(3)]),
    Case("isin_invert", lambda k, a, b: k.ops.isin(a, b, invert=True), [ints(5), ints(4)]),
    Case("nonzero", lambda k, x: k.ops.nonzero(x), [ints(3, 4, high=2)]),
    Case("nonzero_bool", lambda k, x: k.ops.nonzero(x), [bools(6)]),
]
