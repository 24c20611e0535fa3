"""Writing values into positions of a tensor: scatter, scatter_update, and the one kernel they
share with the segment reductions, `reduce_into`, which carries the hand-written gradient."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor, result
from numen.ops.manipulation import broadcast_to
from numen.ops.math import cast

REDUCTIONS = (None, "add", "max", "min", "mul")


def reduce_into(base: Tensor, target: tuple, updates: Tensor, reduction, op: str) -> Tensor:
    """`base` with `updates` combined into the positions `target` (a tuple of index arrays
    naming the leading axes of `base`; repeated positions each take part).

    reduction: None (the last update written wins), 'add', 'max', 'min' or 'mul'.
    Gradients reach `base` and `updates`: max/min split them evenly between the values that
    tie for the result, as JAX does.

    Only `backend.scatter_add` and plain (unique-position) indexing are used, so NumPy and
    CuPy take the same path; repeated positions are resolved by sorting, not by ufunc.at.
    """
    xp = backend.xp_of(base.data)
    x, u = base.data, updates.data
    y = x.copy()
    if reduction is None:
        rows = _flat_rows(target)
        last = _group_ends(_positions(target, x.shape, xp), rows, xp)
        flat_u = u.reshape((rows,) + _tail(x, target))
        y[tuple(t.reshape(-1)[last] for t in target)] = flat_u[last]
        wins = xp.zeros(rows, dtype=bool)
        wins[last] = True
        wins = _expand(wins.reshape(target[0].shape), u.ndim)

        def backward(gy):
            gx = gy.copy()
            gx[target] = 0
            return gx, gy[target] * wins

    elif reduction == "add":
        backend.scatter_add(y, target, u)

        def backward(gy):
            return gy, gy[target]

    elif reduction in ("max", "min"):
        _extreme_into(y, target, u, reduction == "max", xp)

        def backward(gy):
            hit_x, hit_u = x == y, u == y[target]
            ties = hit_x.astype(gy.dtype)
            backend.scatter_add(ties, target, hit_u.astype(gy.dtype))
            return gy * hit_x / ties, gy[target] * hit_u / ties[target]

    else:  # mul
        _multiply_into(y, target, u, xp)

        def backward(gy):
            # The product of the *other* updates at each position, without dividing by zero:
            # count the zeros and multiply the non-zero values apart.
            zero = u == 0
            safe_u = xp.where(zero, xp.ones_like(u), u)
            product = xp.ones_like(x)
            _multiply_into(product, target, safe_u, xp)
            zeros = xp.zeros(x.shape, dtype=np.int64)
            backend.scatter_add(zeros, target, zero.astype(np.int64))
            p, z = product[target], zeros[target]
            others = xp.where(zero, xp.where(z == 1, p, 0), xp.where(z == 0, p / safe_u, 0))
            all_u = xp.where(zeros > 0, xp.zeros_like(product), product)
            return gy * all_u, gy[target] * x[target] * others

    return result(y, (base, updates), backward, op)


def _flat_rows(target) -> int:
    return int(target[0].size)


def _tail(x, target) -> tuple:
    return tuple(x.shape[len(target):])


def _positions(target, shape, xp):
    """The flat position, within the leading axes, that each index row names."""
    pos = xp.zeros(target[0].shape, dtype=np.int64)
    for t, n in zip(target, shape):
        pos = pos * n + xp.where(t < 0, t + n, t)
    return pos.reshape(-1)


def _group_ends(keys, n, xp):
    """For each distinct key, the index of its last occurrence (in input order)."""
    order = xp.argsort(keys * n + xp.arange(n))  # unique sort keys: any sort is stable
    ordered = keys[order]
    ends = xp.ones(n, dtype=bool)
    ends[:-1] = ordered[1:] != ordered[:-1]
    return order[ends]


def _extreme_into(y, target, u, largest, xp):
    """y[target] = max (or min) of y and every update aimed there, element by element."""
    rows, width = _flat_rows(target), int(np.prod(_tail(y, target)))
    if rows == 0 or width == 0:
        return
    # One key per (position, trailing element); sort by key, then by value.
    keys = (_positions(target, y.shape, xp)[:, None] * width + xp.arange(width)).reshape(-1)
    values = u.reshape(-1)
    order = xp.lexsort(xp.stack([values.astype(np.float64), keys.astype(np.float64)]))
    ordered = keys[order]
    pick = xp.ones(keys.size, dtype=bool)
    if largest:  # the last of each key's run holds its largest value
        pick[:-1] = ordered[1:] != ordered[:-1]
    else:
        pick[1:] = ordered[1:] != ordered[:-1]
    chosen = order[pick]
    flat = y.reshape(-1)
    combine = xp.maximum if largest else xp.minimum
    flat[keys[chosen]] = combine(flat[keys[chosen]], values[chosen])


def _multiply_into(y, target, u, xp):
    """y[target] *= each update aimed there; repeated positions are taken one round at a
    time (the k-th update of every position in round k), so each round's positions differ."""
    rows = _flat_rows(target)
    if rows == 0:
        return
    keys = _positions(target, y.shape, xp)
    order = xp.argsort(keys * rows + xp.arange(rows))
    ordered = keys[order]
    rank = xp.empty(rows, dtype=np.int64)
    rank[order] = xp.arange(rows) - xp.searchsorted(ordered, ordered, side="left")
    flat_target = [t.reshape(-1) for t in target]
    flat_u = u.reshape((rows,) + _tail(y, target))
    for r in range(int(rank.max()) + 1):
        chosen = xp.nonzero(rank == r)[0]
        index = tuple(t[chosen] for t in flat_target)
        y[index] = y[index] * flat_u[chosen]


def _expand(mask, ndim):
    return mask.reshape(mask.shape + (1,) * (ndim - mask.ndim))


def _target(indices, like, rank, op):
    idx = indices.data if isinstance(indices, Tensor) else indices
    idx = backend.asarray_like(idx, like)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers, received dtype {idx.dtype}")
    if idx.ndim == 0 or idx.shape[-1] > rank:
        raise ValueError(f"{op}: indices must have shape (..., d) with d at most the rank "
                         f"{rank} of the target, received shape {tuple(idx.shape)}")
    return tuple(idx[..., i] for i in range(idx.shape[-1])), tuple(idx.shape)


def _fitted_updates(updates, idx_shape, shape, dtype, op):
    expected = idx_shape[:-1] + tuple(shape[idx_shape[-1]:])
    updates = cast(as_tensor(updates), dtype)
    if updates.shape != expected:
        try:
            updates = broadcast_to(updates, expected)
        except ValueError as exc:
            raise ValueError(f"{op}: updates of shape {updates.shape} do not fit indices of "
                             f"shape {idx_shape} into shape {tuple(shape)}: expected "
                             f"{expected}") from exc
    return updates


def scatter(indices, values, shape):
    """A zero tensor of `shape` with `values` added at `indices` (repeats add up).

    `indices` has shape (..., d): each row names a position in the first d axes of `shape`;
    `values` has shape indices.shape[:-1] + shape[d:]. Gradients reach `values`.

    >>> scatter([[0], [0], [2]], [1.0, 1.0, 1.0], (4,)).numpy().tolist()
    [2.0, 0.0, 1.0, 0.0]
    """
    values = as_tensor(values)
    shape = tuple(int(n) for n in shape)
    target, idx_shape = _target(indices, values.data, len(shape), "scatter")
    values = _fitted_updates(values, idx_shape, shape, values.dtype, "scatter")
    base = Tensor(backend.xp_of(values.data).zeros(shape, dtype=values.data.dtype))
    return reduce_into(base, target, values, "add", "scatter")


def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with `updates` written at `indices`.

    Args:
        inputs: the tensor to update (a new tensor is returned; `inputs` is not changed).
        indices: integers of shape (..., d), each row a position in the first d axes.
        updates: shape indices.shape[:-1] + inputs.shape[d:], cast to the dtype of `inputs`.
        reduction: None to overwrite (the last of repeated positions wins), or 'add', 'max',
            'min', 'mul' to combine with the values already there.

    >>> scatter_update(zeros((3,)), [[1]], [5.0]).numpy().tolist()
    [0.0, 5.0, 0.0]
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"scatter_update: reduction must be one of {REDUCTIONS}, received "
                         f"{reduction!r}")
    inputs = as_tensor(inputs)
    target, idx_shape = _target(indices, inputs.data, inputs.ndim, "scatter_update")
    updates = _fitted_updates(updates, idx_shape, inputs.shape, inputs.dtype, "scatter_update")
    return reduce_into(inputs, target, updates, reduction, "scatter_update")
