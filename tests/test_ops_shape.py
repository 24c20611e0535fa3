"""Shape, indexing, joining and splitting ops: values against NumPy, float64 gradient checks."""

import numpy as np
import pytest

from numen import ops, testing
from numen.autodiff import Tensor, gradients

X = testing.randn((2, 3, 4), seed=11)


CASES = [
    ("reshape", lambda t: ops.reshape(t, (4, -1)), lambda x: x.reshape(4, -1)),
    ("reshape_none", lambda t: ops.reshape(t, (None, 12)), lambda x: x.reshape(-1, 12)),
    ("transpose", lambda t: ops.transpose(t), lambda x: x.transpose()),
    ("transpose_axes", lambda t: ops.transpose(t, (1, 2, 0)), lambda x: x.transpose(1, 2, 0)),
    ("transpose_neg", lambda t: ops.transpose(t, (-1, 0, 1)), lambda x: x.transpose(2, 0, 1)),
    ("moveaxis", lambda t: ops.moveaxis(t, 0, -1), lambda x: np.moveaxis(x, 0, -1)),
    ("moveaxis_multi", lambda t: ops.moveaxis(t, [0, 1], [-1, 0]),
     lambda x: np.moveaxis(x, [0, 1], [-1, 0])),
    ("swapaxes", lambda t: ops.swapaxes(t, 0, -1), lambda x: np.swapaxes(x, 0, -1)),
    ("expand_dims", lambda t: ops.expand_dims(t, -1), lambda x: x[..., None]),
    ("squeeze", lambda t: ops.squeeze(ops.expand_dims(t, 1), 1), lambda x: x),
    ("flatten", ops.flatten, lambda x: x.reshape(2, -1)),
    ("broadcast_to", lambda t: ops.broadcast_to(t[:, :1], (5, 2, 3, 4)),
     lambda x: np.broadcast_to(x[:, :1], (5, 2, 3, 4))),
    ("getitem_slice", lambda t: t[:, 1:, ::2], lambda x: x[:, 1:, ::2]),
    ("getitem_int_neg", lambda t: t[-1, :, -2], lambda x: x[-1, :, -2]),
    ("getitem_ellipsis_none", lambda t: t[..., None, 1], lambda x: x[..., None, 1]),
    ("getitem_adv_repeat", lambda t: t[[0, 1, 0], :, [1, 1, 3]],
     lambda x: x[[0, 1, 0], :, [1, 1, 3]]),
    ("getitem_array_repeat", lambda t: t[:, np.array([[2, 2], [0, 2]])],
     lambda x: x[:, np.array([[2, 2], [0, 2]])]),
    ("getitem_tensor_index", lambda t: t[Tensor(np.array([1, 1, 0]))],
     lambda x: x[np.array([1, 1, 0])]),
    ("getitem_bool", lambda t: t[X > 0], lambda x: x[X > 0]),
    ("take_none", lambda t: ops.take(t, [0, 5, 5, 23]), lambda x: np.take(x, [0, 5, 5, 23])),
    ("take_axis", lambda t: ops.take(t, np.array([[2, 0], [2, 2]]), axis=1),
     lambda x: np.take(x, np.array([[2, 0], [2, 2]]), axis=1)),
    ("take_neg_axis", lambda t: ops.take(t, [3, -1, 0], axis=-1),
     lambda x: np.take(x, [3, -1, 0], axis=-1)),
    ("tile_int", lambda t: ops.tile(t, 2), lambda x: np.tile(x, 2)),
    ("tile_short", lambda t: ops.tile(t, (2, 1)), lambda x: np.tile(x, (2, 1))),
    ("tile_long", lambda t: ops.tile(t, (2, 1, 3, 2)), lambda x: np.tile(x, (2, 1, 3, 2))),
    ("tile_tensor_reps", lambda t: ops.tile(t, ops.convert_to_tensor([2, 1, 3])),
     lambda x: np.tile(x, (2, 1, 3))),
    ("repeat_none", lambda t: ops.repeat(t, 2), lambda x: np.repeat(x, 2)),
    ("repeat_axis", lambda t: ops.repeat(t, 3, axis=-2), lambda x: np.repeat(x, 3, axis=-2)),
    ("repeat_list", lambda t: ops.repeat(t, [1, 0, 2], axis=1),
     lambda x: np.repeat(x, [1, 0, 2], axis=1)),
    ("pad_const", lambda t: ops.pad(t, ((0, 1), (2, 0), (1, 1)), constant_values=3.0),
     lambda x: np.pad(x, ((0, 1), (2, 0), (1, 1)), constant_values=3.0)),
    ("pad_int", lambda t: ops.pad(t, 1), lambda x: np.pad(x, 1)),
    ("pad_reflect", lambda t: ops.pad(t, ((1, 1), (2, 1), (0, 3)), mode="reflect"),
     lambda x: np.pad(x, ((1, 1), (2, 1), (0, 3)), mode="reflect")),
    ("pad_symmetric", lambda t: ops.pad(t, ((0, 0), (2, 2), (1, 0)), mode="symmetric"),
     lambda x: np.pad(x, ((0, 0), (2, 2), (1, 0)), mode="symmetric")),
    ("pad_edge", lambda t: ops.pad(t, (1, 2), mode="edge"), lambda x: np.pad(x, (1, 2), "edge")),
    ("pad_wrap", lambda t: ops.pad(t, 2, mode="wrap"), lambda x: np.pad(x, 2, mode="wrap")),
    ("flip", lambda t: ops.flip(t, -1), lambda x: np.flip(x, -1)),
    ("flip_all", ops.flip, np.flip),
    ("split", lambda t: ops.split(t, 2, axis=-1)[1], lambda x: np.split(x, 2, axis=-1)[1]),
    ("split_idx", lambda t: ops.concatenate(ops.split(t, [1, 3], axis=2)[::-1], axis=2),
     lambda x: np.concatenate(np.split(x, [1, 3], axis=2)[::-1], axis=2)),
    ("tril", lambda t: ops.tril(t, -1), lambda x: np.tril(x, -1)),
    ("triu", lambda t: ops.triu(t, 1), lambda x: np.triu(x, 1)),
]


@pytest.mark.parametrize("fn,ref", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_shape_op(fn, ref):
    testing.assert_close(fn(Tensor(X)), ref(X), rtol=0, atol=0)
    testing.check_grad(fn, [X])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate_and_stack(axis):
    a, b = testing.randn((2, 3), seed=1), testing.randn((2, 3), seed=2)
    testing.assert_close(ops.concatenate([a, b], axis=axis), np.concatenate([a, b], axis=axis))
    testing.check_grad(lambda u, v: ops.concatenate([u, v], axis=axis), [a, b]) if axis != 1 \
        else None
    testing.assert_close(ops.stack([a, b], axis=axis), np.stack([a, b], axis=axis))
    testing.check_grad(lambda u, v: ops.stack([u, v, u], axis=axis), [a, b])


def test_getitem_repeated_advanced_index_accumulates():
    t = Tensor(np.arange(4.0), requires_grad=True)
    (g,) = gradients(t[np.array([0, 0, 3, 0])], [t])
    np.testing.assert_array_equal(g, [3.0, 0.0, 0.0, 1.0])


def test_bad_inputs_raise_value_errors():
    with pytest.raises(ValueError, match="reshape"):
        ops.reshape(X, (5, 5))
    with pytest.raises(ValueError, match="concatenate"):
        ops.concatenate([X, X[:, :1, :1]], axis=0)
    with pytest.raises(ValueError, match="pad"):
        ops.pad(X, ((1, 1), (1, 1)), mode="circular")
    with pytest.raises(ValueError, match="pad"):
        ops.pad(X, ((-1, 1),) * 3)
