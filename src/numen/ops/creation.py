"""Tensors made from nothing or from data: no gradients flow into these."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor


def convert_to_tensor(x, dtype=None):
    return as_tensor(x, dtype=dtype)


def convert_to_numpy(x):
    return backend.to_numpy(x.data if isinstance(x, Tensor) else x)


def _dtype(dtype):
    return backend.standardize_dtype(dtype)


def zeros(shape, dtype=None):
    return Tensor(backend.xp().zeros(shape, dtype=_dtype(dtype)))


def ones(shape, dtype=None):
    return Tensor(backend.xp().ones(shape, dtype=_dtype(dtype)))


def full(shape, fill_value, dtype=None):
    return Tensor(backend.xp().full(shape, fill_value, dtype=_dtype(dtype)))


def zeros_like(x, dtype=None):
    x = as_tensor(x)
    return Tensor(backend.xp_of(x.data).zeros_like(x.data, dtype=dtype))


def ones_like(x, dtype=None):
    x = as_tensor(x)
    return Tensor(backend.xp_of(x.data).ones_like(x.data, dtype=dtype))


def full_like(x, fill_value, dtype=None):
    x = as_tensor(x)
    return Tensor(backend.xp_of(x.data).full_like(x.data, fill_value, dtype=dtype))


def arange(start, stop=None, step=1, dtype=None):
    arr = np.arange(start, stop, step) if stop is not None else np.arange(start)
    return Tensor(backend.to_device(arr.astype(dtype) if dtype else arr))


def eye(n, m=None, dtype=None):
    return Tensor(backend.xp().eye(n, m, dtype=_dtype(dtype)))


def shape(x):
    return tuple(as_tensor(x).shape)


def ndim(x):
    return as_tensor(x).ndim


def size(x):
    return as_tensor(x).size


def dtype(x):
    return as_tensor(x).dtype
