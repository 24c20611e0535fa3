"""Array ops (creation, joining, layout, indexing, scatter, segment, rearrange): values against
NumPy, float64 gradient checks, and clear errors for bad arguments. Keras's own values and
gradients are compared in test_keras_golden.py (golden_cases/ops_arrays*.py)."""

import numpy as np
import pytest

from numen import ops, testing
from numen.autodiff import GradientTape, Tensor

X = testing.randn((3, 4), seed=3)
V = testing.randn((4,), seed=4)


def _flat(pieces):
    """Several outputs as one Tensor, so check_grad sees them all."""
    return ops.concatenate([ops.reshape(p, (-1,)) for p in pieces], 0)


GRADS = [
    ("append", lambda a, b: ops.append(a, b), [X, V]),
    ("append_axis", lambda a, b: ops.append(a, b[None], axis=0), [X, V]),
    ("hstack", lambda a, b: ops.hstack([a, a[:, :1] * b[0]]), [X, V]),
    ("vstack", lambda a, b: ops.vstack([b, a]), [X, V]),
    ("dstack", lambda a, b: ops.dstack([a, a * b]), [X, V]),
    ("array_split", lambda a: _flat(ops.array_split(a, 3, axis=1)), [X]),
    ("hsplit", lambda a: _flat(ops.hsplit(a, [1, 3])), [X]),
    ("vsplit", lambda a: _flat([p * (i + 1) for i, p in enumerate(ops.vsplit(a, 3))]), [X]),
    ("dsplit", lambda a: _flat(ops.dsplit(a[None], 2)[::-1]), [X]),
    ("unstack", lambda a: _flat([p * (i + 1) for i, p in enumerate(ops.unstack(a, axis=1))]),
     [X]),
    ("ravel", ops.ravel, [X]),
    ("copy", ops.copy, [X]),
    ("fliplr", ops.fliplr, [X]),
    ("flipud", ops.flipud, [X]),
    ("roll", lambda a: ops.roll(a, 5), [X]),
    ("roll_axes", lambda a: ops.roll(a, (-1, 6), axis=(0, 1)), [X]),
    ("rot90", lambda a: ops.rot90(a, k=-1), [X]),
    ("rot90_2", lambda a: ops.rot90(a[None], k=2, axes=(2, 1)), [X]),
    ("diag_vector", lambda v: ops.diag(v, k=2), [V]),
    ("diag_matrix", lambda a: ops.diag(a, k=-1), [X]),
    ("diagflat", lambda a: ops.diagflat(a[:2, :2]), [X]),
    ("diagonal", lambda a: ops.diagonal(ops.reshape(a, (2, 3, 2)), 1, 2, 1), [X]),
    ("vander", lambda v: ops.vander(v), [V]),
    ("vander_zero", lambda v: ops.vander(v * 0, 3, increasing=True), [V]),
    ("meshgrid", lambda a, b: _flat(ops.meshgrid(a[0], b)), [X, V]),
    ("meshgrid_ij", lambda a, b: _flat(ops.meshgrid(a[0], b, a[1], indexing="ij")), [X, V]),
    ("extract_sequences", lambda a: ops.extract_sequences(a, 2, 1), [X]),
    ("rearrange", lambda a: ops.rearrange(a, "(x y) z -> z (y x)", y=3), [X]),
    ("linspace", lambda a, b: ops.linspace(a[0], b, 5, axis=-1), [X, V]),
    ("linspace_no_end", lambda a, b: ops.linspace(a[0], b, 3, endpoint=False), [X, V]),
    ("logspace", lambda a, b: ops.logspace(a[0], b, 4, base=3.0), [X, V]),
    ("geomspace", lambda a, b: ops.geomspace(ops.exp(a[0]), ops.exp(b), 4), [X, V]),
    ("get_item", lambda a: ops.get_item(a, (np.array([0, 2, 0]), slice(1, None))), [X]),
    ("slice", lambda a: ops.slice(a, (1, 1), (2, -1)), [X]),
    ("slice_update", lambda a, b: ops.slice_update(a, (1, 0), b[None, :3]), [X, V]),
    ("take_along_axis", lambda a: ops.take_along_axis(a, np.array([[0, 0, 3]]), axis=1), [X]),
    ("take_along_axis_flat", lambda a: ops.take_along_axis(a, np.array([1, 1, 11])), [X]),
    ("select", lambda a, b: ops.select([a > 0, a < -0.5], [a, a * 2], default=b), [X, V]),
    ("scatter", lambda v: ops.scatter(np.array([[1, 1], [1, 1], [0, 2]]), v[:3], (2, 3)), [V]),
    ("scatter_update", lambda a, b: ops.scatter_update(a, np.array([[2], [0], [2]]),
                                                       ops.reshape(b[:3], (3, 1)) * a[0]),
     [X, V]),
    ("scatter_update_add", lambda a, b: ops.scatter_update(a, np.array([[1, 1], [1, 1]]), b[:2],
                                                           reduction="add"), [X, V]),
    ("scatter_update_max", lambda a, b: ops.scatter_update(a, np.array([[0, 1], [0, 1], [2, 3]]),
                                                           b[:3], reduction="max"), [X, V]),
    ("scatter_update_min", lambda a, b: ops.scatter_update(a, np.array([[0], [0]]),
                                                           ops.reshape(b, (2, 2))[:, :1] * a[1],
                                                           reduction="min"), [X, V]),
    ("segment_sum", lambda a: ops.segment_sum(a, np.array([1, -1, 1]), 3), [X]),
    ("segment_max", lambda a: ops.segment_max(a, np.array([1, 0, 1])), [X]),
    ("segment_min", lambda a: ops.segment_min(a, np.array([0, 1, 5]), num_segments=2), [X]),
    ("segment_prod", lambda a: ops.segment_prod(a, np.array([1, 0, 1]), 3), [X]),
]


@pytest.mark.parametrize("name,fn,inputs", GRADS, ids=[g[0] for g in GRADS])
def test_gradient(name, fn, inputs):
    testing.check_grad(fn, inputs)


MUL_UPDATES = [
    np.array([2.0, -3.0, 0.5, 1.5]),  # no zeros
    np.array([0.0, -3.0, 0.5, 1.5]),  # one zero at a position
    np.array([0.0, 0.0, 0.5, 1.5]),  # two zeros at one position
]


@pytest.mark.parametrize("updates", MUL_UPDATES)
def test_multiplying_gradients_with_zeros_and_repeats(updates):
    index = np.array([[1], [1], [3], [1]])
    testing.check_grad(lambda x, u: ops.scatter_update(x, index, u, reduction="mul"),
                       [V, updates])
    ids = np.array([0, 0, 2, 0])
    testing.check_grad(lambda u: ops.segment_prod(u, ids, 4), [updates])


def test_values_against_numpy():
    testing.assert_close(ops.roll(X, (1, -2), axis=(0, 1)), np.roll(X, (1, -2), axis=(0, 1)))
    for k in range(-2, 5):
        testing.assert_close(ops.rot90(X, k), np.rot90(X, k))
    testing.assert_close(ops.diagonal(X, -1), np.diagonal(X, -1))
    testing.assert_close(ops.diag(V, 1), np.diag(V, 1))
    testing.assert_close(ops.vander(V, 3), np.vander(V, 3))
    for a, b in zip(ops.meshgrid(V, V[:2], V[:3]), np.meshgrid(V, V[:2], V[:3])):
        testing.assert_close(a, b)
    for a, b in zip(ops.array_split(X, 3, axis=1), np.array_split(X, 3, axis=1)):
        testing.assert_close(a, b)
    testing.assert_close(ops.dstack([V, V]), np.dstack([V, V]))
    testing.assert_close(ops.linspace(1.0, 3.0, 7), np.linspace(1.0, 3.0, 7), rtol=1e-6)
    testing.assert_close(ops.geomspace(-1.0, -8.0, 4), np.geomspace(-1.0, -8.0, 4), rtol=1e-6)
    idx = np.array([[2, 0, 1, 1], [0, 0, 0, 2], [1, 1, 1, 1]])
    testing.assert_close(ops.take_along_axis(X, idx, axis=0), np.take_along_axis(X, idx, 0))
    got = ops.unravel_index(np.array([0, 7, 23]), (2, 3, 4))
    assert [g.dtype for g in got] == ["int32"] * 3
    np.testing.assert_array_equal(np.stack([g.numpy() for g in got]),
                                  np.unravel_index([0, 7, 23], (2, 3, 4)))


def test_scatter_update_last_write_wins_and_gets_the_gradient():
    x = Tensor(np.zeros(3), requires_grad=True)
    u = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    with GradientTape() as tape:
        y = ops.scatter_update(x, np.array([[0], [0], [2]]), u)
        loss = ops.sum(y * np.array([10.0, 20.0, 30.0]))
    np.testing.assert_array_equal(y.numpy(), [2.0, 0.0, 3.0])
    gx, gu = tape.gradient(loss, [x, u])
    np.testing.assert_array_equal(gx, [0.0, 20.0, 0.0])
    np.testing.assert_array_equal(gu, [0.0, 10.0, 30.0])


@pytest.mark.parametrize("reduction,ufunc", [(None, None), ("add", np.add), ("max", np.maximum),
                                             ("min", np.minimum), ("mul", np.multiply)])
def test_scatter_update_with_many_repeats_matches_numpy(reduction, ufunc):
    rng = np.random.default_rng(0)
    x = rng.integers(-5, 6, (4, 3, 2)).astype("float64")
    index = np.stack([rng.integers(-4, 4, 30), rng.integers(-3, 3, 30)], axis=1)
    u = rng.integers(-3, 4, (30, 2)).astype("float64")
    expected = x.copy()
    target = (index[:, 0], index[:, 1])
    if ufunc is None:
        for row, value in zip(index, u):  # one at a time: the last write wins
            expected[tuple(row)] = value
    else:
        ufunc.at(expected, target, u)
    testing.assert_close(ops.scatter_update(x, index, u, reduction=reduction), expected)


def test_segments_fill_empty_and_infer_count():
    data = np.array([[1, 2], [3, 4], [5, 6]], dtype="int32")
    ids = np.array([0, 0, 2])
    np.testing.assert_array_equal(ops.segment_sum(data, ids).numpy(), [[4, 6], [0, 0], [5, 6]])
    mx = ops.segment_max(data, ids).numpy()
    assert mx[1].tolist() == [np.iinfo("int32").min] * 2
    assert ops.segment_min(data.astype("float32"), ids, 4).numpy()[3].tolist() == [np.inf] * 2
    assert ops.segment_prod(data, ids, 3).numpy()[1].tolist() == [1, 1]


def test_rearrange_patterns():
    x = np.arange(24.0).reshape(2, 3, 4)
    testing.assert_close(ops.rearrange(x, "b h w -> w b h"), x.transpose(2, 0, 1))
    testing.assert_close(ops.rearrange(x, "b h (w c) -> b (h w) c", c=2),
                         x.reshape(2, 3, 2, 2).reshape(2, 6, 2))
    testing.assert_close(ops.rearrange(x, "b h w -> (w h) b"),
                         x.transpose(2, 1, 0).reshape(12, 2))


def test_creation_dtypes():
    assert ops.arange(3).dtype == "int32"
    assert ops.arange(3.0).dtype == "float32"
    assert ops.arange(0, 1, 0.25).dtype == "float32"
    assert ops.convert_to_tensor([1, 2]).dtype == "int32"
    assert ops.convert_to_tensor(np.arange(2)).dtype == "int64"  # arrays keep their dtype
    assert ops.full((2,), 1).dtype == "float32"
    assert ops.linspace(0, 1, 3).dtype == "float32"
    assert ops.linspace(np.float16(0), np.float16(1), 3).dtype == "float16"
    assert ops.tri(2).dtype == ops.identity(2).dtype == ops.empty((1,)).dtype == "float32"
    assert ops.is_tensor(ops.zeros(1)) and not ops.is_tensor(np.zeros(1))
    y, step = ops.linspace(0.0, 1.0, 5, retstep=True)
    assert float(step) == 0.25 and y.shape == (5,)
    assert ops.view(np.ones(2, "float32"), "int16").shape == (4,)
    assert ops.select([V > 0], [V > 1]).dtype == "int32"  # bool choices, int default


ERRORS = [
    (lambda: ops.array_split(X, [1, 2]), TypeError, "array_split: indices_or_sections"),
    (lambda: ops.array_split(X, 0), ValueError, "array_split"),
    (lambda: ops.array_split(X, 2, axis=2), ValueError, "array_split: axis 2"),
    (lambda: ops.hsplit(X, 3), ValueError, "hsplit: cannot split axis 1"),
    (lambda: ops.vsplit(V, 2), ValueError, "vsplit: x must have at least 2"),
    (lambda: ops.dsplit(X, 2), ValueError, "dsplit: x must have at least 3"),
    (lambda: ops.hstack([]), ValueError, "hstack: xs"),
    (lambda: ops.unstack(X, num=2), ValueError, "unstack: num=2"),
    (lambda: ops.fliplr(V), ValueError, "fliplr: x must have at least 2"),
    (lambda: ops.roll(X, 1, axis=3), ValueError, "roll: axis 3"),
    (lambda: ops.roll(X, (1, 2, 3), axis=(0, 1)), ValueError, "roll: shift"),
    (lambda: ops.rot90(X, axes=(0, 0)), ValueError, "rot90: axes"),
    (lambda: ops.diag(np.zeros((2, 2, 2))), ValueError, "diag: x must be 1-D or 2-D"),
    (lambda: ops.diagonal(X, axis1=1, axis2=-1), ValueError, "diagonal: axis1 and axis2"),
    (lambda: ops.vander(X), ValueError, "vander: x must be 1-D"),
    (lambda: ops.meshgrid(V, indexing="yx"), ValueError, "meshgrid: indexing"),
    (lambda: ops.meshgrid(X, V), ValueError, "meshgrid: each input must be 1-D"),
    (lambda: ops.extract_sequences(V, 5, 1), ValueError, "extract_sequences: sequence_length"),
    (lambda: ops.extract_sequences(V, 2, 0), ValueError, "extract_sequences"),
    (lambda: ops.view(np.ones(3, "int8"), "int32"), ValueError, "view: cannot view"),
    (lambda: ops.slice(X, (0,), (1, 1)), ValueError, "slice: start_indices"),
    (lambda: ops.slice(X, (0, 0), (4, 1)), ValueError, "slice: a window"),
    (lambda: ops.slice_update(X, (0, 0), V), ValueError, "slice_update: updates"),
    (lambda: ops.take_along_axis(X, np.zeros((3, 1))), TypeError, "take_along_axis: indices"),
    (lambda: ops.take_along_axis(X, np.zeros((3,), "int32"), 0), ValueError,
     "take_along_axis: indices of shape"),
    (lambda: ops.take_along_axis(X, np.zeros((2, 1), "int32"), 1), ValueError,
     "do not broadcast"),
    (lambda: ops.select([X > 0], [X, X]), ValueError, "select: condlist and choicelist"),
    (lambda: ops.unravel_index(np.array([6]), (2, 3)), ValueError, "unravel_index"),
    (lambda: ops.unravel_index(np.array([1.0]), (2, 3)), TypeError, "unravel_index"),
    (lambda: ops.scatter(np.array([[0.5]]), V[:1], (3,)), TypeError, "scatter: indices"),
    (lambda: ops.scatter(np.array([[0, 0, 0]]), V[:1], (3, 3)), ValueError, "scatter: indices"),
    (lambda: ops.scatter(np.array([[0]]), V, (3, 2)), ValueError, "scatter: updates"),
    (lambda: ops.scatter_update(X, np.array([[0]]), X[0], reduction="sum"), ValueError,
     "scatter_update: reduction"),
    (lambda: ops.segment_sum(X, np.array([0, 1])), ValueError, "segment_sum: segment_ids"),
    (lambda: ops.segment_max(X, np.array([0.0, 1, 1])), TypeError, "segment_max: segment_ids"),
    (lambda: ops.segment_min(X, np.array([0, 1, 1]), -1), ValueError,
     "segment_min: num_segments"),
    (lambda: ops.rearrange(X, "a b"), ValueError, "rearrange: pattern"),
    (lambda: ops.rearrange(X, "a b -> a c"), ValueError, "the same axes"),
    (lambda: ops.rearrange(X, "a b c -> a b c"), ValueError, "names 3 axes"),
    (lambda: ops.rearrange(X, "(a b) c -> a b c"), ValueError, "cannot infer"),
    (lambda: ops.rearrange(X, "(a b) c -> a b c", a=2), ValueError, "cannot be split"),
    (lambda: ops.rearrange(X, "a b -> b a", z=2), ValueError, "axes_lengths"),
    (lambda: ops.rearrange(X, "a ... -> a ..."), ValueError, "unsupported token"),
    (lambda: ops.arange(0, 3, 0), ValueError, "arange: step"),
    (lambda: ops.linspace(0, 1, -1), ValueError, "linspace: num"),
    (lambda: ops.geomspace(-1.0, 2.0, 3), ValueError, "geomspace: start and stop"),
]


@pytest.mark.parametrize("call,error,message", ERRORS)
def test_bad_arguments_raise_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
