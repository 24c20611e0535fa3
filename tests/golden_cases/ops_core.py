"""Ops numen already had: keep them agreeing with Keras (values, gradients, dtypes)."""

from golden_cases.case import Case, f32, ints, pos

CASES = [
    Case("add_broadcast", lambda k, a, b: k.ops.add(a, b), [f32(2, 3), f32(3)], grad=True),
    Case("logsumexp_axis", lambda k, x: k.ops.logsumexp(x, axis=1), [f32(3, 4)], grad=True),
    Case("shape", lambda k, x: k.ops.shape(x), [f32(2, 5)]),
    Case("sqrt", lambda k, x: k.ops.sqrt(x), [pos(4)], grad=True),
    Case("argmax", lambda k, x: k.ops.argmax(x, axis=-1), [f32(3, 5)]),
    Case("take_ints", lambda k, x, i: k.ops.take(x, i, axis=0), [f32(5, 2), ints(3, high=5)],
         grad=(0,)),
]
