"""Tensors made from nothing or from data, and evenly spaced sequences.

Most of these carry no gradient; `linspace`, `logspace` and `geomspace` are built from
differentiable ops, so gradients reach `start` and `stop` when they are Tensors.
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor, data_of


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """`x` as a Tensor; Python integers (and lists of them) become int32, as in Keras.

    `sparse` and `ragged` are accepted for Keras compatibility; numen tensors are always dense.

    >>> convert_to_tensor([1, 2]).dtype
    'int32'
    """
    if dtype is None and not isinstance(x, Tensor) and not hasattr(x, "dtype"):
        arr = np.asarray(x)
        if arr.dtype == np.int64:
            dtype = "int32"
    return as_tensor(x, dtype=None if dtype is None else backend.standardize_dtype(dtype))


def array(x, dtype=None):
    """`x` as a Tensor (the NumPy spelling of `convert_to_tensor`).

    >>> array([1.0, 2.0]).shape
    (2,)
    """
    return convert_to_tensor(x, dtype=dtype)


def is_tensor(x) -> bool:
    """Whether `x` is a numen Tensor (a NumPy array or a Python number is not).

    >>> is_tensor(zeros((2,)))
    True
    """
    return isinstance(x, Tensor)


def convert_to_numpy(x):
    return backend.to_numpy(x.data if isinstance(x, Tensor) else x)


def _dtype(dtype):
    return backend.standardize_dtype(dtype)


def _like_dtype(dtype):
    return None if dtype is None else backend.standardize_dtype(dtype)


def zeros(shape, dtype=None):
    return Tensor(backend.xp().zeros(shape, dtype=_dtype(dtype)))


def ones(shape, dtype=None):
    return Tensor(backend.xp().ones(shape, dtype=_dtype(dtype)))


def empty(shape, dtype=None):
    """A tensor of `shape` whose values are not to be relied on (numen fills it with zeros).

    >>> empty((2, 3)).shape
    (2, 3)
    """
    return zeros(shape, dtype=dtype)


def full(shape, fill_value, dtype=None):
    fill = fill_value.data if isinstance(fill_value, Tensor) else fill_value
    return Tensor(backend.xp().full(shape, fill, dtype=_dtype(dtype)))


def zeros_like(x, dtype=None):
    x = as_tensor(x)
    return Tensor(backend.xp_of(x.data).zeros_like(x.data, dtype=_like_dtype(dtype)))


def ones_like(x, dtype=None):
    x = as_tensor(x)
    return Tensor(backend.xp_of(x.data).ones_like(x.data, dtype=_like_dtype(dtype)))


def empty_like(x, dtype=None):
    """A tensor shaped like `x` whose values are not to be relied on (numen: zeros).

    >>> empty_like(ones((2,), dtype="int32")).dtype
    'int32'
    """
    return zeros_like(x, dtype=dtype)


def full_like(x, fill_value, dtype=None):
    x = as_tensor(x)
    fill = fill_value.data if isinstance(fill_value, Tensor) else fill_value
    return Tensor(backend.xp_of(x.data).full_like(x.data, fill, dtype=_like_dtype(dtype)))


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in [start, stop) with `step` (default 1).

    Without `dtype`: int32 when every bound is an integer, else the float type (floatx).

    >>> arange(3).dtype
    'int32'
    """
    bounds = [v for v in (start, stop, step) if v is not None]
    if dtype is None:
        floats = any(backend.to_numpy(data_of(v)).dtype.kind == "f" for v in bounds)
        dtype = backend.floatx() if floats else "int32"
    start, stop, step = (None if v is None else backend.to_numpy(data_of(v)).item()
                         for v in (start, stop, 1 if step is None else step))
    if step == 0:
        raise ValueError("arange: step must be non-zero, received 0")
    if stop is None:
        start, stop = 0, start
    arr = np.arange(start, stop, step)
    return Tensor(backend.to_device(arr.astype(_dtype(dtype))))


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's argument names
    """An N x M matrix with ones on diagonal `k` (0: main, > 0: above, < 0: below).

    >>> eye(2, k=1).numpy().tolist()
    [[0.0, 1.0], [0.0, 0.0]]
    """
    return Tensor(backend.xp().eye(int(N), None if M is None else int(M), k=int(k),
                                   dtype=_dtype(dtype)))


def identity(n, dtype=None):
    """The n x n identity matrix.

    >>> identity(2).numpy().tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's argument names
    """An N x M matrix with ones at and below diagonal `k`, zeros above.

    >>> tri(2).numpy().tolist()
    [[1.0, 0.0], [1.0, 1.0]]
    """
    return Tensor(backend.xp().tri(int(N), None if M is None else int(M), k=int(k),
                                   dtype=_dtype(dtype)))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from `start` to `stop` (included when `endpoint`).

    `start` and `stop` may be arrays (the samples run along the new axis `axis`) and receive
    gradients. Integer bounds give floatx values unless `dtype` says otherwise; an integer
    `dtype` rounds down.

    Returns:
        The samples, or (samples, step) when `retstep` is True.

    >>> linspace(0, 1, 3).numpy().tolist()
    [0.0, 0.5, 1.0]
    """
    from numen import ops

    num = int(num)
    if num < 0:
        raise ValueError(f"linspace: num must be non-negative, received {num}")
    start, stop = ops.convert_to_tensor(start), ops.convert_to_tensor(stop)
    work = _float_dtype(start, stop)
    start, stop = ops.cast(start, work), ops.cast(stop, work)
    div = (num - 1) if endpoint else num
    positions = np.arange(num, dtype="float64") / max(div, 1)
    lo, hi = ops.broadcast_to(start, _shape(start, stop)), ops.broadcast_to(stop,
                                                                             _shape(start, stop))
    nd = lo.ndim
    axis = int(axis) % (nd + 1)
    place = [1] * (nd + 1)
    place[axis] = num
    t = Tensor(backend.asarray_like(positions.reshape(place), lo.data, dtype=work))
    span = ops.subtract(hi, lo)
    y = ops.add(ops.expand_dims(lo, axis), ops.multiply(ops.expand_dims(span, axis), t))
    if endpoint and num > 1:  # the last sample is exactly `stop`
        last = [slice(None)] * (nd + 1)
        last[axis] = slice(0, num - 1)
        y = ops.concatenate([ops.getitem(y, tuple(last)), ops.expand_dims(hi, axis)], axis)
    step = ops.divide(span, float(div)) if div > 0 else ops.multiply(span, float("nan"))
    if dtype is not None:
        dtype = _dtype(dtype)
        y = ops.cast(ops.floor(y) if np.dtype(dtype).kind in "iub" else y, dtype)
    return (y, step) if retstep else y


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """`num` values `base ** e` for exponents evenly spaced from `start` to `stop`.

    >>> logspace(0, 2, 3).numpy().tolist()
    [1.0, 10.0, 100.0]
    """
    from numen import ops

    exponents = linspace(start, stop, num=num, endpoint=endpoint, axis=axis)
    y = ops.power(ops.cast(base, exponents.dtype), exponents)
    return y if dtype is None else ops.cast(y, dtype)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """`num` values spaced evenly on a log scale (a geometric sequence) from start to stop.

    `start` and `stop` must be non-zero and of the same sign.

    >>> geomspace(1, 100, 3).numpy().tolist()
    [1.0, 10.0, 100.0]
    """
    from numen import ops

    start, stop = ops.convert_to_tensor(start), ops.convert_to_tensor(stop)
    work = _float_dtype(start, stop)
    start, stop = ops.cast(start, work), ops.cast(stop, work)
    sign = np.sign(backend.to_numpy(start.data))
    if (sign == 0).any() or (np.sign(backend.to_numpy(stop.data)) != sign).any():
        raise ValueError("geomspace: start and stop must be non-zero and of the same sign, "
                         f"received start={start.numpy()!r}, stop={stop.numpy()!r}")
    logs = linspace(ops.log(ops.abs(start)), ops.log(ops.abs(stop)), num=num,
                    endpoint=endpoint, axis=axis)
    signs = ops.expand_dims(ops.sign(ops.broadcast_to(start, _shape(start, stop))), axis)
    y = ops.multiply(ops.exp(logs), signs)
    if endpoint and num > 0:  # the ends are exactly start and stop
        ends = [slice(None)] * y.ndim
        inner = list(ends)
        inner[axis % y.ndim] = slice(1, num - 1) if num > 1 else slice(0, 0)
        pieces = [ops.expand_dims(ops.broadcast_to(start, _shape(start, stop)), axis)]
        if num > 1:
            pieces += [ops.getitem(y, tuple(inner)),
                       ops.expand_dims(ops.broadcast_to(stop, _shape(start, stop)), axis)]
        y = ops.concatenate(pieces, axis)
    return y if dtype is None else ops.cast(y, dtype)


def _float_dtype(*xs) -> str:
    floats = [x.dtype for x in xs if np.dtype(x.dtype).kind == "f"]
    return np.result_type(*floats).name if floats else backend.floatx()


def _shape(a, b) -> tuple:
    return tuple(np.broadcast_shapes(a.shape, b.shape))


def shape(x):
    return tuple(as_tensor(x).shape)


def ndim(x):
    return as_tensor(x).ndim


def size(x):
    return as_tensor(x).size


def dtype(x):
    return as_tensor(x).dtype
