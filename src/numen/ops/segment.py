"""Segment reductions: rows of `data` combined by the segment id each one carries.

All four go through `reduce_into` (ops/scatter.py), which holds their gradient.
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor
from numen.ops.manipulation import getitem
from numen.ops.scattering import reduce_into


def _segment(data, segment_ids, num_segments, reduction, op):
    data = as_tensor(data)
    ids = segment_ids.data if isinstance(segment_ids, Tensor) else segment_ids
    ids = backend.to_numpy(ids) if hasattr(ids, "shape") else np.asarray(ids)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{op}: segment_ids must be integers, received dtype {ids.dtype}")
    if data.ndim == 0 or ids.shape != data.shape[:1]:
        raise ValueError(f"{op}: segment_ids must be 1-D with one id per row of data, "
                         f"received shape {ids.shape} for data of shape {data.shape}")
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if ids.size else 0
    num_segments = int(num_segments)
    if num_segments < 0:
        raise ValueError(f"{op}: num_segments must be non-negative, received {num_segments}")
    # Rows whose id lies outside [0, num_segments) are dropped.
    keep = (ids >= 0) & (ids < num_segments)
    if not keep.all():
        rows = backend.asarray_like(np.nonzero(keep)[0], data.data)
        data, ids = getitem(data, rows), ids[keep]
    xp = backend.xp_of(data.data)
    fill = _identity(reduction, data.data.dtype)
    base = Tensor(xp.full((num_segments,) + data.shape[1:], fill, dtype=data.data.dtype))
    target = (backend.asarray_like(ids, data.data),)
    return reduce_into(base, target, data, reduction, op)


def _identity(reduction, dtype):
    """The value an empty segment gets: the reduction's neutral element."""
    if reduction == "add":
        return 0
    if reduction == "mul":
        return 1
    if dtype.kind == "f":
        return -np.inf if reduction == "max" else np.inf
    if dtype.kind == "b":
        return reduction != "max"
    info = np.iinfo(dtype)
    return info.min if reduction == "max" else info.max


def segment_sum(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """The sum of the rows of `data` sharing each segment id.

    Args:
        data: a tensor whose first axis is split into segments.
        segment_ids: one integer id per row of `data`; ids outside [0, num_segments) are
            ignored.
        num_segments: how many segments (the output's first axis); max(id) + 1 when None.
        sorted: whether the ids are sorted (a hint; the result does not depend on it).

    >>> segment_sum([1.0, 2.0, 3.0], [0, 0, 1]).numpy().tolist()
    [3.0, 3.0]
    """
    return _segment(data, segment_ids, num_segments, "add", "segment_sum")


def segment_prod(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """The product of the rows of `data` sharing each segment id (1 for an empty segment);
    arguments as in `segment_sum`.

    >>> segment_prod([2.0, 3.0, 4.0], [0, 0, 1]).numpy().tolist()
    [6.0, 4.0]
    """
    return _segment(data, segment_ids, num_segments, "mul", "segment_prod")


def segment_max(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """The largest of the rows of `data` sharing each segment id (-inf, or the smallest
    integer, for an empty segment); arguments as in `segment_sum`.

    >>> segment_max([1.0, 5.0, 3.0], [0, 0, 1]).numpy().tolist()
    [5.0, 3.0]
    """
    return _segment(data, segment_ids, num_segments, "max", "segment_max")


def segment_min(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """The smallest of the rows of `data` sharing each segment id (inf, or the largest
    integer, for an empty segment); arguments as in `segment_sum`.

    >>> segment_min([1.0, 5.0, 3.0], [0, 0, 1]).numpy().tolist()
    [1.0, 3.0]
    """
    return _segment(data, segment_ids, num_segments, "min", "segment_min")
