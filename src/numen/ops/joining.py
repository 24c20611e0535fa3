"""Joining tensors and splitting them apart, the NumPy way (hstack, array_split, ...).

Everything here is composed from concatenate, getitem, reshape and cast, so gradients come from
those ops.
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import as_tensor
from numen.ops.creation import convert_to_tensor
from numen.ops.manipulation import concatenate, getitem, reshape
from numen.ops.math import cast


def common_dtype(tensors, scalars=()) -> str:
    """The dtype Keras gives a mix of tensors and Python numbers.

    Among tensors: the widest float when any is a float (an integer beside a float32 stays
    float32, not float64 as in NumPy), else NumPy's promotion. Python numbers are weak, as in
    Keras: they only lift the kind (a float makes integers floatx, an int makes bools int32).
    """
    dtypes = [np.dtype(t.dtype) for t in tensors]
    floats = [d for d in dtypes if d.kind in "fc"]
    if dtypes:
        dtype = np.result_type(*(floats or dtypes)).name
    elif any(isinstance(v, float) for v in scalars):
        return backend.floatx()
    else:
        dtype = "bool" if scalars and all(isinstance(v, bool) for v in scalars) else "int32"
    if any(isinstance(v, float) for v in scalars) and np.dtype(dtype).kind not in "fc":
        return backend.floatx()
    if dtype == "bool" and any(not isinstance(v, bool) for v in scalars):
        return "int32"
    return dtype


def _is_scalar(x) -> bool:
    return isinstance(x, (bool, int, float))


def _unified(xs, op):
    """`xs` as Tensors of their common dtype (Python numbers weakly typed, lists as Keras
    reads them)."""
    xs = [x if _is_scalar(x) else convert_to_tensor(x) for x in xs]
    if not xs:
        raise ValueError(f"{op}: xs must hold at least one tensor, received an empty sequence")
    dtype = common_dtype([x for x in xs if not _is_scalar(x)], [x for x in xs if _is_scalar(x)])
    return [convert_to_tensor(x, dtype=dtype) if _is_scalar(x) else cast(x, dtype) for x in xs]


def append(x1, x2, axis=None):
    """`x2` appended to `x1` along `axis` (both flattened first when `axis` is None).

    >>> append([1, 2], [3]).numpy().tolist()  # [1, 2, 3]
    """
    x1, x2 = _unified([x1, x2], "append")
    if axis is None:
        x1, x2, axis = reshape(x1, (-1,)), reshape(x2, (-1,)), 0
    return concatenate([x1, x2], axis=axis)


def _at_least(x, rank):
    x = as_tensor(x)
    if x.ndim >= rank:
        return x
    if rank == 2:
        return reshape(x, (1, -1) if x.ndim == 1 else (1, 1))
    # rank 3: (N,) -> (1, N, 1), (M, N) -> (M, N, 1), as NumPy's atleast_3d
    shape = {0: (1, 1, 1), 1: (1, x.size, 1), 2: x.shape + (1,)}[x.ndim]
    return reshape(x, shape)


def hstack(xs):
    """Tensors joined column-wise: along axis 1, or axis 0 when they are 1-D.

    >>> hstack([[1, 2], [3]]).numpy().tolist()  # [1, 2, 3]
    """
    xs = _unified(xs, "hstack")
    if xs[0].ndim <= 1:
        return concatenate([reshape(x, (-1,)) for x in xs], axis=0)
    return concatenate(xs, axis=1)


def vstack(xs):
    """Tensors joined row-wise (axis 0); 1-D tensors become rows first.

    >>> vstack([[1, 2], [3, 4]]).shape
    (2, 2)
    """
    return concatenate([_at_least(x, 2) for x in _unified(xs, "vstack")], axis=0)


def dstack(xs):
    """Tensors joined depth-wise (axis 2), after raising each to at least 3 dimensions.

    >>> dstack([[1, 2], [3, 4]]).shape
    (1, 2, 2)
    """
    return concatenate([_at_least(x, 3) for x in _unified(xs, "dstack")], axis=2)


def _pieces(x, bounds, axis):
    out, start = [], 0
    for stop in list(bounds) + [x.shape[axis]]:
        index = [slice(None)] * x.ndim
        index[axis] = slice(start, max(start, stop))
        out.append(getitem(x, tuple(index)))
        start = max(start, stop)
    return out


def _check_axis(x, axis, op):
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"{op}: axis {axis} is out of range for a tensor of shape {x.shape}")
    return axis % x.ndim


def array_split(x, indices_or_sections, axis=0):
    """`x` split into `indices_or_sections` pieces along `axis`, whose sizes differ by at most
    one (the first ones larger).

    >>> [p.shape for p in array_split(arange(7), 3)]  # [(3,), (2,), (2,)]
    """
    if not isinstance(indices_or_sections, (int, np.integer)):
        raise TypeError(f"array_split: indices_or_sections must be an int, received "
                        f"{indices_or_sections!r}")
    x = as_tensor(x)
    return _split(x, indices_or_sections, _check_axis(x, int(axis), "array_split"),
                  "array_split")


def _split(x, indices_or_sections, axis, op):
    if isinstance(indices_or_sections, (int, np.integer)):
        n = int(indices_or_sections)
        if n <= 0:
            raise ValueError(f"{op}: indices_or_sections must be a positive number of "
                             f"sections, received {n}")
        size, extra = divmod(x.shape[axis], n)
        sizes = [size + 1] * extra + [size] * (n - extra)
        return _pieces(x, np.cumsum(sizes)[:-1].tolist(), axis)
    return _pieces(x, [int(i) for i in indices_or_sections], axis)


def _even_split(x, indices_or_sections, axis, op):
    if isinstance(indices_or_sections, (int, np.integer)):
        n = int(indices_or_sections)
        if n <= 0 or x.shape[axis] % n:
            raise ValueError(f"{op}: cannot split axis {axis} of length {x.shape[axis]} into "
                             f"{n} equal sections")
    return _split(x, indices_or_sections, axis, op)


def hsplit(x, indices_or_sections):
    """`x` split column-wise (axis 1; axis 0 for a 1-D tensor) into equal sections or at
    the given indices.

    >>> [p.shape for p in hsplit(zeros((2, 4)), 2)]  # [(2, 2), (2, 2)]
    """
    x = as_tensor(x)
    if x.ndim == 0:
        raise ValueError("hsplit: x must have at least 1 dimension, received a scalar")
    return _even_split(x, indices_or_sections, 0 if x.ndim == 1 else 1, "hsplit")


def vsplit(x, indices_or_sections):
    """`x` split row-wise (axis 0) into equal sections or at the given indices.

    >>> [p.shape for p in vsplit(zeros((4, 2)), 2)]  # [(2, 2), (2, 2)]
    """
    x = as_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"vsplit: x must have at least 2 dimensions, received shape {x.shape}")
    return _even_split(x, indices_or_sections, 0, "vsplit")


def dsplit(x, indices_or_sections):
    """`x` split depth-wise (axis 2) into equal sections or at the given indices.

    >>> [p.shape for p in dsplit(zeros((1, 1, 4)), 2)]  # [(1, 1, 2), (1, 1, 2)]
    """
    x = as_tensor(x)
    if x.ndim < 3:
        raise ValueError(f"dsplit: x must have at least 3 dimensions, received shape {x.shape}")
    return _even_split(x, indices_or_sections, 2, "dsplit")


def unstack(x, num=None, axis=0):
    """The slices of `x` along `axis`, as a list of tensors one rank lower.

    >>> [p.shape for p in unstack(zeros((2, 3)), axis=1)]  # [(2,), (2,), (2,)]
    """
    x = as_tensor(x)
    axis = _check_axis(x, int(axis), "unstack")
    if num is not None and int(num) != x.shape[axis]:
        raise ValueError(f"unstack: num={num} does not match the length {x.shape[axis]} of "
                         f"axis {axis} of a tensor of shape {x.shape}")
    out = []
    for i in range(x.shape[axis]):
        index = [slice(None)] * x.ndim
        index[axis] = i
        out.append(getitem(x, tuple(index)))
    return out
