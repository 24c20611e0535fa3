"""Histogram-based contrast layers: Equalization, AutoContrast and
ContrastLimitedAdaptiveHistogramEqualization (CLAHE), with Keras 3's arithmetic.

These are deterministic. As in Keras, Equalization acts only in training, while AutoContrast
and CLAHE act at inference too. Histogram lookups are not differentiable: Equalization and
CLAHE compute on the arrays (no gradient); AutoContrast is built from ops.
"""

from __future__ import annotations

import numpy as np

from numen import backend, ops
from numen.autodiff import Tensor, as_tensor
from numen.layers.augment_base import (
    ImageAugmentation,
    is_number,
    rescale,
    rescale_array,
    value_range_of,
)
from numen.layers.validate import positive_int


class _Deterministic(ImageAugmentation):
    """No random draws; `_AT_INFERENCE` says whether `training=False` transforms too."""

    _AT_INFERENCE = False

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("seed")  # nothing random: Keras's config has no seed
        return config

    def call(self, data, training=True):
        if training or not self._AT_INFERENCE:
            return super().call(data, training=training)
        if isinstance(data, dict):
            return dict(data, images=self.transform_images(data["images"], None))
        return self.transform_images(data, None)


class Equalization(_Deterministic):
    """Histogram equalization of each channel (one histogram over the whole batch, as in
    Keras) during training: values are remapped so that their cumulative histogram becomes
    linear.

    Args:
        value_range: [low, high] of the pixels (default (0, 255)).
        bins: the number of histogram bins (default 256).
        data_format: 'channels_last' (default) or 'channels_first'.

    >>> Equalization()(np.arange(16.0).reshape(1, 4, 4, 1) * 10).shape
    (1, 4, 4, 1)
    """

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.bins = positive_int(bins, "bins")
        self.value_range = value_range_of(value_range, "Equalization")

    def _equalize(self, xp, channel):
        channel = rescale_array(channel, self.value_range, (0, 255))
        bins = self.bins
        index = xp.clip((channel * np.float32((bins - 1) / 255.0)).astype(np.int32), 0,
                        bins - 1)
        hist = xp.bincount(index.reshape(-1), minlength=bins)[:bins].astype(np.int32)
        if int(xp.count_nonzero(hist)) <= 1:
            return rescale_array(channel, (0, 255), self.value_range)
        cdf = xp.cumsum(hist).astype(np.int32)
        cdf_min = cdf[int(xp.argmax(cdf > 0))]
        denominator = cdf[-1] - cdf_min
        denominator = denominator if denominator != 0 else 1
        table = xp.clip(xp.round((cdf - cdf_min).astype(np.float32) * np.float32(255)
                                 / np.float32(denominator)), 0, 255).astype(np.float32)
        lookup = xp.clip(channel / np.float32(255.0) * np.float32(bins - 1), 0, bins - 1)
        return rescale_array(table[lookup.astype(np.int32)], (0, 255), self.value_range)

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training:
            return images
        x = images.data
        xp = backend.xp_of(x)
        axis = -1 if self.data_format == "channels_last" else -3
        planes = [self._equalize(xp, xp.take(x, i, axis=axis)) for i in range(x.shape[axis])]
        return Tensor(xp.stack(planes, axis=axis).astype(x.dtype))

    def get_config(self) -> dict:
        return {**super().get_config(), "bins": self.bins, "value_range": self.value_range}


class AutoContrast(_Deterministic):
    """Stretches each image's channels so that their minimum maps to the range's low end and
    their maximum to its high end (in training and at inference, as Keras).

    Args:
        value_range: [low, high] of the pixels (default (0, 255)).

    >>> AutoContrast()(np.array([[[[50.0], [100.0]]]])).numpy().ravel()
    array([  0., 255.], dtype=float32)
    """

    _AT_INFERENCE = True

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = value_range_of(value_range, "AutoContrast")

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        original = images if images.ndim == 4 else ops.expand_dims(images, 0)
        x = rescale(original, self.value_range, (0, 255))
        # Keras takes the extremes over axes 1 and 2 of the batch whatever the layout
        low = ops.min(x, axis=(1, 2), keepdims=True)
        span = ops.subtract(ops.max(x, axis=(1, 2), keepdims=True), low)
        flat = ops.equal(span, 0.0)
        scale = ops.divide(255.0, ops.where(flat, 1.0, span))
        y = ops.clip(ops.multiply(ops.subtract(x, low), scale), 0.0, 255.0)
        y = rescale(y, (0, 255), self.value_range)
        y = ops.where(flat, original, y)
        return y if images.ndim == 4 else ops.squeeze(y, 0)

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range}


class ContrastLimitedAdaptiveHistogramEqualization(_Deterministic):
    """Contrast-limited adaptive histogram equalization: each tile of a `tile_grid_size`
    grid gets its own clipped, equalized mapping, interpolated bilinearly between tile
    centres (in training and at inference, as Keras). The output keeps the input's dtype.

    Args:
        value_range: [low, high] of the pixels (default (0, 255)).
        clip_limit: the histogram clip, as a multiple of the mean bin count (default 4.0;
            0 or less disables clipping).
        tile_grid_size: (rows, columns) of tiles (default (8, 8)).
        data_format: 'channels_last' (default) or 'channels_first'.

    >>> ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))(
    ...     np.random.rand(1, 8, 8, 3) * 255).shape
    (1, 8, 8, 3)
    """

    _AT_INFERENCE = True

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8),
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        layer = "ContrastLimitedAdaptiveHistogramEqualization"
        self.value_range = value_range_of(value_range, layer, sort=False)
        if not is_number(clip_limit):
            raise ValueError(f"{layer}: `clip_limit` must be a number, received {clip_limit!r}")
        self.clip_limit = clip_limit
        ok = isinstance(tile_grid_size, (list, tuple)) and len(tile_grid_size) == 2 and all(
            is_number(v) and int(v) == v and v > 0 for v in tile_grid_size)
        if not ok:
            raise ValueError(f"{layer}: `tile_grid_size` must be two positive ints, received "
                             f"{tile_grid_size!r}")
        self.tile_grid_size = tile_grid_size

    def transform_images(self, images, transformation=None, training=True):
        images = as_tensor(images)
        x = images.data
        xp = backend.xp_of(x)
        unbatched = x.ndim == 3
        if unbatched:
            x = x[None]
        if self.data_format == "channels_first":
            x = xp.transpose(x, (0, 2, 3, 1))
        y = rescale_array(x.astype(np.float32), self.value_range, (0, 255))
        y = rescale_array(self._clahe(xp, y), (0, 255), self.value_range)
        if x.dtype.kind in "iu":
            y = xp.trunc(y)
        y = y.astype(x.dtype)
        if self.data_format == "channels_first":
            y = xp.transpose(y, (0, 3, 1, 2))
        return Tensor(y[0] if unbatched else y)

    def _clahe(self, xp, images):
        n, height, width, channels = images.shape
        grid_h, grid_w = (int(v) for v in self.tile_grid_size)
        tile_h, tile_w = -(-height // grid_h), -(-width // grid_w)
        pad_h, pad_w = tile_h * grid_h - height, tile_w * grid_w - width
        padded = xp.pad(images, [(0, 0), (0, pad_h), (0, pad_w), (0, 0)], mode="symmetric")
        tiles = padded.reshape(n, grid_h, tile_h, grid_w, tile_w, channels)
        tiles = xp.clip(tiles.astype(np.int32), 0, 255)
        tiles = tiles.transpose(0, 1, 3, 5, 2, 4).reshape(n, grid_h, grid_w, channels, -1)
        # one histogram per (image, tile row, tile column, channel): offset bins, one count
        groups = n * grid_h * grid_w * channels
        offsets = (xp.arange(groups, dtype=np.int64) * 256).reshape(tiles.shape[:-1] + (1,))
        hist = xp.bincount((tiles + offsets).reshape(-1), minlength=groups * 256)
        hist = hist.reshape(tiles.shape[:-1] + (256,)).astype(np.float32)
        area = tile_h * tile_w
        if self.clip_limit > 0:
            clipped = xp.clip(hist, 0, np.float32(self.clip_limit * area / 256.0))
            hist = clipped + (hist - clipped).sum(axis=-1, keepdims=True) / np.float32(256.0)
        cdf = xp.cumsum(hist, axis=-1)
        cdf_min = cdf.min(axis=-1, keepdims=True)
        denominator = np.float32(area) - cdf_min
        denominator = xp.where(denominator == 0, np.float32(1.0), denominator)
        table = xp.clip((cdf - cdf_min) * np.float32(255.0) / denominator, 0, 255)
        table = xp.pad(table, [(0, 0), (1, 1), (1, 1), (0, 0), (0, 0)], mode="edge")

        def corners(size, tile, grid):
            pos = (xp.arange(size, dtype=np.float32) - np.float32(tile / 2.0)) / np.float32(
                tile) + np.float32(1.0)
            low = xp.floor(pos)
            weight = pos - low
            return (xp.clip(low, 0, grid + 1).astype(np.int64),
                    xp.clip(low + 1, 0, grid + 1).astype(np.int64), weight)

        y0, y1, wy = corners(tile_h * grid_h, tile_h, grid_h)
        x0, x1, wx = corners(tile_w * grid_w, tile_w, grid_w)
        pixels = xp.clip(padded, 0, 255).astype(np.int64)
        b = xp.arange(n)[:, None, None, None]
        c = xp.arange(channels)[None, None, None, :]
        y0, y1, wy = y0[None, :, None, None], y1[None, :, None, None], wy[None, :, None, None]
        x0, x1, wx = x0[None, None, :, None], x1[None, None, :, None], wx[None, None, :, None]

        def at(rows, cols):
            return table[b, rows, cols, c, pixels]

        top = at(y0, x0) * (1.0 - wx) + at(y0, x1) * wx
        bottom = at(y1, x0) * (1.0 - wx) + at(y1, x1) * wx
        out = top * (1.0 - wy) + bottom * wy
        return out[:, :height, :width, :].astype(np.float32)

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range,
                "clip_limit": self.clip_limit, "tile_grid_size": self.tile_grid_size}
