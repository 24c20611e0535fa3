"""Operators and activations on symbolic tensors (`keras.Input`) inside Functional models.

Each case builds a model from `keras.Input`, predicts, saves it to a `.keras` file, loads it
back and predicts again: the values before and after the round trip are Keras's.
"""

import os
import tempfile

import numpy as np

from golden_cases.case import Case, f32, ints


def _round_trip(k, model, data):
    """The model's predictions, then those of the model loaded back from a .keras file."""
    before = model.predict(data, verbose=0)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        after = k.models.load_model(path).predict(data, verbose=0)
    return before, after


def _tied(a, b):
    """`b` with every other column taken from `a`, so the comparisons meet equal elements."""
    b = b.copy()
    b[:, ::2] = a[:, ::2]
    return b


def _comparisons(k, a, b):
    b = _tied(a, b)
    x, y = k.Input((4,)), k.Input((4,))
    # `!=` records a not_equal op; `==` is Python's identity test in Keras (a plain bool)
    same = np.array([x == y, x == x, x in [y], x in [y, x]])
    outs = [x != y, x < y, x <= y, x > y, x >= y, x != 0.5, 0.5 != x, x < 0.0, 0.0 < x,
            x >= 1.0]
    before, after = _round_trip(k, k.Model([x, y], outs), [a, b])
    return same, before, after


def _comparisons_in_math(k, a, b):
    b = _tied(a, b)
    x, y = k.Input((4,)), k.Input((4,))
    changed = k.ops.cast(x != y, "float32")
    z = k.ops.where(x > y, x - y, 0.0) + changed * 2.0 - k.ops.cast(y <= -0.5, "float32")
    return _round_trip(k, k.Model([x, y], z), [a, b])


def _relu_options(k, a):
    x = k.Input((6,))
    relu = k.activations.relu
    outs = [relu(x), relu(x, max_value=6.0), relu(x, negative_slope=0.1),
            relu(x, threshold=0.5), relu(x, negative_slope=0.2, max_value=1.0, threshold=-0.5),
            relu(x * 4.0, max_value=6.0) + k.ops.relu(x)]
    return _round_trip(k, k.Model(x, outs), a)


def _operators(k, a, i):
    x, n = k.Input((2, 3)), k.Input((6,), dtype="int32")
    outs = [round(x * 10.0), round(x, 1), x.reshape((-1, 6)), x[:, :1].squeeze(axis=1),
            n / 4, n // 4, -x, abs(x), x ** 2, 2.0 ** x, x @ np.ones((3, 2), "float32"),
            x[:, ::-1, None, ...], x[..., -1], ~(n > 0), (n > 0) & (n < 5), (n < 0) | (n > 5),
            (n > 0) ^ (n > 3), 7.0 % (abs(x) + 1.0), 1.0 / (abs(x) + 1.0)]
    return _round_trip(k, k.Model([x, n], outs), [a, i])


CASES = [
    Case("comparisons_saved_and_loaded", _comparisons, [f32(3, 4), f32(3, 4)]),
    Case("comparisons_in_math", _comparisons_in_math, [f32(3, 4), f32(3, 4)]),
    Case("relu_options_saved_and_loaded", _relu_options, [f32(4, 6, scale=3.0)]),
    Case("operators_saved_and_loaded", _operators, [f32(3, 2, 3), ints(3, 6, low=-8, high=9)]),
]
