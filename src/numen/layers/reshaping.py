"""Reshaping layers: Permute, RepeatVector, Cropping1D/2D/3D, ZeroPadding1D/2D/3D and
UpSampling1D/2D/3D (nearest neighbour). Flatten and Reshape live in `layers/core.py`."""

from __future__ import annotations

import numpy as np

from numen import backend, ops
from numen.layers import validate
from numen.layers.base import InputSpec, Layer


def _data_format(value, layer) -> str:
    if value is None:
        return backend.image_data_format()
    return validate.one_of(value, ("channels_last", "channels_first"), "data_format", layer)


def _spatial_axes(rank: int, n: int, data_format: str) -> tuple:
    """The `n` spatial axes of a rank-`rank` input in `data_format`."""
    start = 1 if data_format == "channels_last" else 2
    return tuple(range(start, start + n))


def _pairs(value, n: int, arg: str, layer) -> tuple:
    """Keras's padding/cropping spelling (int, n ints, or n pairs) as n (before, after) pairs."""
    def bad():
        return ValueError(f"{type(layer).__name__}: `{arg}` must be an int, a tuple of {n} ints "
                          f"or a tuple of {n} pairs of ints, received {value!r}")

    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        out = ((int(value), int(value)),) * n
    elif isinstance(value, (list, tuple)) and len(value) == n:
        out = []
        for v in value:
            if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                out.append((int(v), int(v)))
            elif isinstance(v, (list, tuple)) and len(v) == 2:
                out.append((int(v[0]), int(v[1])))
            else:
                raise bad()
        out = tuple(out)
    elif n == 1 and isinstance(value, (list, tuple)) and len(value) == 2:
        out = ((int(value[0]), int(value[1])),)
    else:
        raise bad()
    if any(a < 0 or b < 0 for a, b in out):
        raise ValueError(f"{type(layer).__name__}: `{arg}` must not be negative, received "
                         f"{value!r}")
    return out


class Permute(Layer):
    """Reorders the non-batch axes: `dims` is a permutation of 1..rank-1 (1-indexed).

    >>> Permute((2, 1))(np.zeros((4, 3, 5))).shape
    (4, 5, 3)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            self.dims = tuple(int(d) for d in dims)
        except TypeError:
            raise TypeError(f"Permute: `dims` must be a tuple of ints, received {dims!r}") from None
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute: `dims` must be a permutation of 1..{len(self.dims)} "
                             f"(the batch axis is not included), received {dims!r}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}


class RepeatVector(Layer):
    """Repeats a `(batch, features)` input `n` times: `(batch, n, features)`."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = validate.positive_int(n, "n", self)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def get_config(self):
        return {**super().get_config(), "n": self.n}


class _Spatial(Layer):
    """Shared plumbing of the layers that act on the n spatial axes of an image-like input."""

    rank = 1

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format, self)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _axes(self, inputs) -> tuple:
        return _spatial_axes(inputs.ndim, self.rank, self.data_format)

    def get_config(self):
        config = super().get_config()
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class _Cropping(_Spatial):
    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.cropping = _pairs(cropping, self.rank, "cropping", self)

    def call(self, inputs):
        index = [slice(None)] * inputs.ndim
        for axis, (lo, hi) in zip(self._axes(inputs), self.cropping):
            size = inputs.shape[axis]
            if lo + hi >= size:
                raise ValueError(f"Layer '{self.name}': cropping {(lo, hi)} removes all of axis "
                                 f"{axis} (size {size}) of an input of shape {inputs.shape}")
            index[axis] = slice(lo, size - hi)
        return ops.getitem(inputs, tuple(index))

    def get_config(self):
        cropping = self.cropping[0] if self.rank == 1 else self.cropping
        return {**super().get_config(), "cropping": _lists(cropping)}


class Cropping1D(_Cropping):
    """Removes `cropping=(before, after)` steps from the time axis of (batch, steps, features).
    """

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, **kwargs)


class Cropping2D(_Cropping):
    """Removes rows and columns from the edges: `cropping=((top, bottom), (left, right))`."""

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crops the three spatial axes of a volume, one (before, after) pair per axis."""

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class _ZeroPadding(_Spatial):
    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.padding = _pairs(padding, self.rank, "padding", self)

    def call(self, inputs):
        widths = [(0, 0)] * inputs.ndim
        for axis, pair in zip(self._axes(inputs), self.padding):
            widths[axis] = pair
        return ops.pad(inputs, widths)

    def get_config(self):
        padding = self.padding[0] if self.rank == 1 else self.padding
        return {**super().get_config(), "padding": _lists(padding)}


class ZeroPadding1D(_ZeroPadding):
    """Adds zeros at the start and end of the time axis (`padding`: int or (before, after))."""

    rank = 1

    def __init__(self, padding=1, **kwargs):
        super().__init__(padding, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    """Adds rows and columns of zeros around an image."""

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Adds zeros around the three spatial axes of a volume."""

    rank = 3

    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class _UpSampling(_Spatial):
    def __init__(self, size, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.size = validate.int_tuple(size, self.rank, "size", self)
        for s in self.size:
            validate.positive_int(s, "size", self)

    def call(self, inputs):
        y = inputs
        for axis, factor in zip(self._axes(inputs), self.size):
            if factor != 1:
                y = ops.repeat(y, factor, axis=axis)
        return y

    def get_config(self):
        size = self.size[0] if self.rank == 1 else list(self.size)
        return {**super().get_config(), "size": size}


class UpSampling1D(_UpSampling):
    """Repeats each time step `size` times."""

    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size, **kwargs)


class UpSampling2D(_UpSampling):
    """Repeats rows and columns by `size` (nearest-neighbour interpolation only)."""

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, **kwargs)
        self.interpolation = validate.one_of(interpolation, ("nearest",), "interpolation", self)

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation}


class UpSampling3D(_UpSampling):
    """Repeats the three spatial axes of a volume by `size`."""

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)


def _lists(pairs):
    if pairs and isinstance(pairs[0], tuple):
        return [list(p) for p in pairs]
    return list(pairs)
