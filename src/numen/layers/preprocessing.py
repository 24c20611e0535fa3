"""Preprocessing layers: Normalization (with `adapt`), Rescaling, Resizing and CenterCrop,
with Keras 3's arguments, defaults, configs and weight layout."""

from __future__ import annotations

import numpy as np

from numen import backend, ops
from numen.autodiff import Tensor
from numen.layers.base import InputSpec, Layer
from numen.layers.validate import one_of, positive_int

_DATA_FORMATS = ("channels_last", "channels_first")
_INTERPOLATIONS = ("bilinear", "nearest")
_KERAS_ONLY_INTERPOLATIONS = ("bicubic", "lanczos3", "lanczos5", "area")


def _as_float(x: Tensor, dtype: str) -> Tensor:
    """`x` in the layer's float dtype (integer images become floats, as in Keras)."""
    return x if x.data.dtype == np.dtype(dtype) else ops.cast(x, dtype)


# -- Normalization ---------------------------------------------------------------------------
def _axis_tuple(axis) -> tuple:
    if axis is None:
        return ()
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
        return (int(axis),)
    ok = isinstance(axis, (list, tuple)) and all(
        isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axis)
    if not ok:
        raise TypeError(f"Normalization: `axis` must be None, an int or a tuple of ints, "
                        f"received {axis!r}")
    return tuple(int(a) for a in axis)


def _batches(data, batch_size, steps, name: str):
    """Each batch of `data` as a NumPy array: slices of an array, or the items of an iterable
    (a batch given as `(x, y)` or `(x, y, sample_weight)` counts as its `x`)."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.ndarray) or (hasattr(data, "shape") and hasattr(data, "dtype")):
        arr = backend.to_numpy(data)
        if arr.ndim == 0:
            raise ValueError(f"Layer '{name}': adapt() expects data with a batch axis, "
                             f"received a scalar {arr!r}")
        size = max(len(arr), 1) if batch_size is None else positive_int(batch_size,
                                                                         "batch_size")
        for i, start in enumerate(range(0, len(arr), size)):
            if steps is not None and i >= steps:
                return
            yield arr[start:start + size]
        return
    if batch_size is not None:
        raise ValueError(f"Layer '{name}': adapt() takes `batch_size` only with array data; "
                         f"{type(data).__name__} already yields batches")
    if hasattr(data, "__len__") and hasattr(data, "__getitem__") and not isinstance(
            data, (str, bytes, dict)):
        items = (data[i] for i in range(len(data)))  # lists and keras.utils.PyDataset
    elif hasattr(data, "__iter__"):
        items = iter(data)
    else:
        raise TypeError(f"Layer '{name}': adapt() expects an array, a Tensor or an iterable of "
                        f"batches, received {type(data).__name__}")
    for i, batch in enumerate(items):
        if steps is not None and i >= steps:
            return
        if isinstance(batch, tuple):
            batch = batch[0]
        if isinstance(batch, Tensor):
            batch = batch.data
        yield backend.to_numpy(batch)


class Normalization(Layer):
    """Shifts and scales inputs to zero mean and unit variance: `(x - mean) / sqrt(variance)`.

    The statistics are either given (`mean=`, `variance=`) or computed from data by `adapt()`;
    they are kept per index of `axis` and computed over every other axis. After `adapt()` they
    live in the non-trainable weights `mean`, `variance` and `count` (Keras 3's layout).

    Args:
        axis: the axis or axes that keep their own statistics (None: one scalar mean/variance).
        mean / variance: fixed statistics, broadcast to the kept axes; give both or neither.
        invert: map normalized values back: `x * sqrt(variance) + mean`.

    >>> layer = Normalization(axis=None)
    >>> layer.adapt(np.array([1., 2., 3., 4., 5.]))
    >>> layer(np.array([1., 2., 3.]))  # [-1.414, -0.707, 0.]
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = _axis_tuple(axis)
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization: give both `mean` and `variance` or neither, "
                             f"received mean={mean!r} and variance={variance!r}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(f"Normalization: `mean` and `variance` must have the same "
                                 f"shape, received {np.shape(mean)} and {np.shape(variance)}")
            if np.ndim(mean) > len(self.axis):
                raise ValueError(f"Normalization: `mean` has rank {np.ndim(mean)}, expected at "
                                 f"most the number of kept axes ({len(self.axis)}, axis="
                                 f"{self.axis})")
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.supports_masking = True

    def build(self, input_shape) -> None:
        shape = tuple(input_shape)
        ndim = len(shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError(f"Layer '{self.name}': every axis must be in [-{ndim}, {ndim}) for "
                             f"inputs of rank {ndim}, received axis={self.axis} and an input "
                             f"of shape {shape}")
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        unknown = [d for d in self._keep_axis if shape[d] is None]
        if unknown:
            raise ValueError(f"Layer '{self.name}': the kept axes {self._keep_axis} need known "
                             f"sizes, received an input of shape {shape}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(shape[d] if d in self._keep_axis else 1
                                      for d in range(ndim))
        self._stats_shape = tuple(shape[d] for d in self._keep_axis)
        self._build_input_shape = shape
        self.input_spec = InputSpec(ndim=ndim, axes={d: shape[d] for d in self._keep_axis})
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._stats_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=self._stats_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int",
                                         initializer="zeros", trainable=False)
        else:
            self._given = (self._broadcast_given(self.input_mean),
                           self._broadcast_given(self.input_variance))
        self.built = True

    def _broadcast_given(self, value):
        """A given mean/variance aligned with the kept axes (right to left) and broadcast."""
        arr = np.asarray(value, dtype="float64")
        expanded = [1] * len(self._broadcast_shape)
        for i in range(1, arr.ndim + 1):
            expanded[self._keep_axis[-i]] = arr.shape[-i]
        try:
            out = np.broadcast_to(arr.reshape(expanded), self._broadcast_shape)
        except ValueError:
            raise ValueError(f"Layer '{self.name}': `mean`/`variance` of shape {arr.shape} "
                             f"cannot be broadcast to the kept axes' shape {self._stats_shape}"
                             ) from None
        return backend.to_device(np.ascontiguousarray(out, dtype=self.dtype))

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Compute the mean and variance of `data` over every axis but `axis`.

        Args:
            data: a NumPy array or Tensor, or an iterable of batches (a list, a generator, a
                `keras.utils.PyDataset`; `(x, y)` batches use `x`). Batches are merged with a
                numerically stable streaming update, so the result equals one pass over all.
            batch_size: for array data, the slice size the statistics are accumulated over.
            steps: use at most this many batches.

        Raises:
            ValueError: the layer was given `mean`/`variance`, the data is empty, or a batch's
                kept axes differ from the layer's.
        """
        if self.input_mean is not None:
            raise ValueError(f"Layer '{self.name}' was given `mean` and `variance`; adapt() "
                             "would have nothing to set")
        n = 0
        mean = m2 = None
        for batch in _batches(data, batch_size, steps, self.name):
            batch = np.asarray(batch)
            if batch.dtype.kind not in "fiub":
                raise TypeError(f"Layer '{self.name}': adapt() expects numeric data, received "
                                f"a batch of dtype {batch.dtype}")
            if not self.built:
                self.build((None,) + batch.shape[1:] if 0 not in self._axes_of(batch)
                           else batch.shape)
            self._check_batch(batch)
            batch = batch.astype("float64")
            count = int(np.prod([batch.shape[d] for d in self._reduce_axis], dtype=np.int64))
            if count == 0:
                continue
            b_mean = batch.mean(axis=self._reduce_axis)
            b_m2 = batch.var(axis=self._reduce_axis) * count
            if mean is None:
                n, mean, m2 = count, b_mean, b_m2
                continue
            # Chan et al.'s pairwise merge: stable where a running sum of squares is not.
            total = n + count
            delta = b_mean - mean
            mean = mean + delta * (count / total)
            m2 = m2 + b_m2 + delta ** 2 * (n * count / total)
            n = total
        if mean is None:
            raise ValueError(f"Layer '{self.name}': adapt() received no data (no batches or "
                             "only empty ones)")
        self.adapt_mean.assign(backend.to_device(np.asarray(mean, dtype=self.dtype)))
        self.adapt_variance.assign(backend.to_device(np.asarray(m2 / n, dtype=self.dtype)))
        # `count` stays 0, as Keras 3's adapt leaves it: get_weights() and saved files match.

    def _axes_of(self, batch) -> tuple:
        return tuple(a % batch.ndim for a in self.axis) if batch.ndim else ()

    def _check_batch(self, batch) -> None:
        if batch.ndim != len(self._build_input_shape) or any(
                batch.shape[d] != self._build_input_shape[d] for d in self._keep_axis):
            raise ValueError(f"Layer '{self.name}' was built for inputs of shape "
                             f"{self._build_input_shape} (kept axes {self._keep_axis}); adapt() "
                             f"received a batch of shape {batch.shape}")

    def _statistics(self, x: Tensor):
        if self.input_mean is not None:
            return self._given
        # Before adapt() (or loading) the statistics hold their initial values, mean 0 and
        # variance 1, so the layer is the identity, as in Keras (EfficientNet relies on it).
        mean, var = self.adapt_mean.data, self.adapt_variance.data
        return mean.reshape(self._broadcast_shape), var.reshape(self._broadcast_shape)

    @property
    def mean(self):
        """The mean the layer subtracts, shaped to broadcast against its inputs (a kept axis
        keeps its size, every other axis is 1) in the compute dtype; None before the layer is
        built. Keras's `layer.mean`, read from the weights: it follows adapt() and loading."""
        return self._broadcast_statistic(0)

    @property
    def variance(self):
        """The variance the layer divides by the square root of, shaped as `mean`."""
        return self._broadcast_statistic(1)

    def _broadcast_statistic(self, which: int):
        if not self.built:
            return None
        return Tensor(self._statistics(None)[which].astype(self.compute_dtype))

    def finalize_state(self) -> None:
        """Keras's hook after adapt() or loading; `mean` and `variance` already read the
        current weights, so there is nothing to refresh."""

    def call(self, inputs):
        x = _as_float(inputs, self.dtype)
        mean, var = self._statistics(x)
        xp = backend.xp_of(var)
        scale = xp.maximum(xp.sqrt(var), backend.epsilon()).astype(x.data.dtype)
        mean = mean.astype(x.data.dtype)
        if self.invert:
            return ops.add(ops.multiply(x, scale), mean)
        return ops.divide(ops.subtract(x, mean), scale)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        def listed(v):
            return None if v is None else np.asarray(v).tolist()

        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": listed(self.input_mean), "variance": listed(self.input_variance)}


# -- Rescaling -------------------------------------------------------------------------------
def _number_or_array(value, arg: str, layer: str):
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        value = value.get("config", {}).get("value")  # how Keras serializes an array
    try:
        arr = np.asarray(value, dtype="float64")
    except (TypeError, ValueError):
        arr = None
    if arr is None or isinstance(value, (bool, str)) or not np.all(np.isfinite(arr)):
        raise TypeError(f"{layer}: `{arg}` must be a finite number or an array of numbers, "
                        f"received {value!r}")
    return float(arr) if arr.ndim == 0 else arr.tolist()


class Rescaling(Layer):
    """Multiplies inputs by `scale` and adds `offset` (both numbers or broadcastable arrays).

    >>> Rescaling(1 / 127.5, offset=-1)(np.array([0., 255.]))  # [-1., 1.]
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = _number_or_array(scale, "scale", "Rescaling")
        self.offset = _number_or_array(offset, "offset", "Rescaling")
        self.supports_masking = True

    def call(self, inputs):
        x = _as_float(inputs, self.dtype)
        xp = backend.xp_of(x.data)
        scale = xp.asarray(self.scale, dtype=x.data.dtype)
        offset = xp.asarray(self.offset, dtype=x.data.dtype)
        return ops.add(ops.multiply(x, scale), offset)

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


# -- image resizing --------------------------------------------------------------------------
def _spatial_axes(x: Tensor, data_format: str, name: str) -> tuple[int, int]:
    if x.ndim not in (3, 4):
        raise ValueError(f"Layer '{name}' expects images of rank 3 (unbatched) or 4 (batched), "
                         f"received an input of shape {x.shape}")
    return (x.ndim - 3, x.ndim - 2) if data_format == "channels_last" else (x.ndim - 2,
                                                                           x.ndim - 1)


def _crop_window(size: int, other: int, target: int, target_other: int) -> tuple[int, int]:
    """(start, length) of the centred window along one axis that matches the target aspect."""
    length = max(min(size, int(float(other * target) / target_other)), 1)
    return int(float(size - length) / 2), length


def _resize_axis(x: Tensor, axis: int, out: int, interpolation: str) -> Tensor:
    """Resample `x` along `axis` to `out` samples with half-pixel centres (Keras/TF/JAX's and
    PyTorch's `align_corners=False`), built from `take` so gradients flow."""
    size = x.shape[axis]
    if size == out:
        return x
    centres = (np.arange(out, dtype="float64") + 0.5) * (size / out)
    if interpolation == "nearest":
        return ops.take(x, np.minimum(np.floor(centres).astype(np.int64), size - 1), axis=axis)
    src = np.maximum(centres - 0.5, 0.0)
    low = np.minimum(np.floor(src).astype(np.int64), size - 1)
    high = np.minimum(low + 1, size - 1)
    frac = src - low
    shape = [1] * x.ndim
    shape[axis] = out
    xp = backend.xp_of(x.data)
    w_high = xp.asarray(frac.reshape(shape), dtype=x.data.dtype)
    w_low = xp.asarray((1.0 - frac).reshape(shape), dtype=x.data.dtype)
    return ops.add(ops.multiply(ops.take(x, low, axis=axis), w_low),
                   ops.multiply(ops.take(x, high, axis=axis), w_high))


def _slice_axes(x: Tensor, axes, starts, lengths) -> Tensor:
    index = [slice(None)] * x.ndim
    for axis, start, length in zip(axes, starts, lengths):
        index[axis] = slice(start, start + length)
    return ops.getitem(x, tuple(index))


def _smart_resize(x: Tensor, height: int, width: int, axes, interpolation: str) -> Tensor:
    """Crop the largest centred window with the target aspect ratio, then resize it."""
    h, w = x.shape[axes[0]], x.shape[axes[1]]
    h_start, h_len = _crop_window(h, w, height, width)
    w_start, w_len = _crop_window(w, h, width, height)
    x = _slice_axes(x, axes, (h_start, w_start), (h_len, w_len))
    return _resize_axis(_resize_axis(x, axes[0], height, interpolation), axes[1], width,
                        interpolation)


def _back_to_int(y: Tensor, dtype) -> Tensor:
    """Resized integer images go back to their dtype, rounded and saturated (as in Keras)."""
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
    if info is None:
        return Tensor(y.data.astype(dtype))
    xp = backend.xp_of(y.data)
    return Tensor(xp.clip(xp.round(y.data), info.min, info.max).astype(dtype))


class _ImageLayer(Layer):
    """Shared `height`/`width`/`data_format` handling of the image resizing layers."""

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height = positive_int(height, "height", self)
        self.width = positive_int(width, "width", self)
        self.data_format = one_of(data_format or backend.image_data_format(), _DATA_FORMATS,
                                  "data_format", self)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        offset = 0 if self.data_format == "channels_last" else 1
        first = len(shape) - 3 + offset
        shape[first], shape[first + 1] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width,
                "data_format": self.data_format}


class Resizing(_ImageLayer):
    """Resizes images to `(height, width)`.

    Args:
        height / width: the output size.
        interpolation: 'bilinear' (default) or 'nearest', both with half-pixel centres.
        crop_to_aspect_ratio: crop the largest centred window with the target aspect ratio
            first, so images are not distorted.
        pad_to_aspect_ratio: pad the short side evenly with `fill_value` first instead.
        fill_mode / fill_value: how padding is filled (only 'constant' is supported).
        antialias: accepted for Keras files; shrinking with antialias=True is not implemented.
        data_format: 'channels_last' (default) or 'channels_first'.

    >>> Resizing(4, 4)(np.ones((1, 2, 2, 3))).shape  # (1, 4, 4, 3)
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(height, width, data_format, **kwargs)
        if interpolation in _KERAS_ONLY_INTERPOLATIONS:
            raise NotImplementedError(f"Resizing: interpolation={interpolation!r} is not "
                                      f"implemented in numen; use one of {_INTERPOLATIONS}")
        self.interpolation = one_of(interpolation, _INTERPOLATIONS, "interpolation", self)
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: `crop_to_aspect_ratio` and `pad_to_aspect_ratio` "
                             "cannot both be True")
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = one_of(fill_mode, ("constant",), "fill_mode", self)
        self.fill_value = float(fill_value)
        self.antialias = bool(antialias)

    def call(self, inputs):
        source_dtype = inputs.data.dtype
        x = _as_float(inputs, self.dtype)
        axes = _spatial_axes(x, self.data_format, self.name)
        if self.antialias and (x.shape[axes[0]] > self.height or x.shape[axes[1]] > self.width):
            # Upsampling is the same with or without antialiasing; shrinking is not.
            raise NotImplementedError(f"Layer '{self.name}': antialias=True when shrinking "
                                      "images is not implemented in numen; use "
                                      "antialias=False")
        if self.crop_to_aspect_ratio:
            y = _smart_resize(x, self.height, self.width, axes, self.interpolation)
        else:
            if self.pad_to_aspect_ratio:
                x = self._pad(x, axes)
            y = _resize_axis(_resize_axis(x, axes[0], self.height, self.interpolation),
                             axes[1], self.width, self.interpolation)
        return y if source_dtype.kind == "f" else _back_to_int(y, source_dtype)

    def _pad(self, x: Tensor, axes) -> Tensor:
        h, w = x.shape[axes[0]], x.shape[axes[1]]
        padded_h = max(h, int(float(w * self.height) / self.width))
        padded_w = max(w, int(float(h * self.width) / self.height))
        widths = [(0, 0)] * x.ndim
        for axis, size, padded in ((axes[0], h, padded_h), (axes[1], w, padded_w)):
            # Keras pads the same amount on both sides, one short of `padded` when it is odd.
            before = int(float(padded - size) / 2)
            widths[axis] = (before, before)
        return ops.pad(x, widths, constant_values=self.fill_value)

    def get_config(self) -> dict:
        return {**super().get_config(), "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}


class CenterCrop(_ImageLayer):
    """Crops the central `(height, width)` window of images; an image smaller than that is
    first cropped to the target aspect ratio and resized (bilinear) up to it, as in Keras.

    >>> CenterCrop(2, 2)(np.ones((1, 4, 4, 3))).shape  # (1, 2, 2, 3)
    """

    def call(self, inputs):
        x = _as_float(inputs, self.dtype)
        axes = _spatial_axes(x, self.data_format, self.name)
        h, w = x.shape[axes[0]], x.shape[axes[1]]
        if h >= self.height and w >= self.width:
            starts = (int((h - self.height) / 2), int((w - self.width) / 2))
            return _slice_axes(x, axes, starts, (self.height, self.width))
        return _smart_resize(x, self.height, self.width, axes, "bilinear")
