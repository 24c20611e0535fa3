"""Ops numen already had: keep them agreeing with Keras (values, gradients, dtypes)."""

from golden_cases.case import Case, const, f32, ints, pos

CASES = [
    Case("add_broadcast", lambda k, a, b: k.ops.add(a, b), [f32(2, 3), f32(3)], grad=True),
    Case("logsumexp_axis", lambda k, x: k.ops.logsumexp(x, axis=1), [f32(3, 4)], grad=True),
    Case("shape", lambda k, x: k.ops.shape(x), [f32(2, 5)]),
    Case("sqrt", lambda k, x: k.ops.sqrt(x), [pos(4)], grad=True),
    Case("argmax", lambda k, x: k.ops.argmax(x, axis=-1), [f32(3, 5)]),
    Case("take_ints", lambda k, x, i: k.ops.take(x, i, axis=0), [f32(5, 2), ints(3, high=5)],
         grad=(0,)),
]

# A mean over an empty axis is NaN in Keras (JAX), with no warning; the gradient is empty.
CASES += [
    Case("mean_tuple_axis", lambda k, x: k.ops.mean(x, axis=(0, 2)), [f32(2, 3, 4)], grad=True),
    Case("mean_empty_axis0", lambda k, x: k.ops.mean(x.reshape(0, 3), axis=0),
         [const([], "float32")], grad=True),
    Case("mean_empty_all", lambda k, x: k.ops.mean(x.reshape(2, 0)), [const([], "float32")],
         grad=True),
    Case("mean_empty_keepdims",
         lambda k, x: k.ops.mean(x.reshape(2, 0), axis=-1, keepdims=True),
         [const([], "float32")], grad=True),
    Case("mean_over_full_axis_of_empty", lambda k, x: k.ops.mean(x.reshape(0, 3), axis=1),
         [const([], "float32")], grad=True),
    Case("mean_empty_int", lambda k, x: k.ops.mean(x), [const([], "int32")]),
    Case("var_std_empty_axis0", lambda k, x: (k.ops.var(x.reshape(0, 3), axis=0),
                                              k.ops.std(x.reshape(0, 3), axis=0)),
         [const([], "float32")]),
]
