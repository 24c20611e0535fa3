"""Colour-space conversions (`keras.ops.image`): rgb_to_grayscale, rgb_to_hsv, hsv_to_rgb.

Composed from differentiable element-wise ops, so each has its gradient for free."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.ops import linalg
from numen.ops import manipulation as shape_ops
from numen.ops import math as math_ops
from numen.ops.image_layout import channels_axis, floating, images_in

_LUMA = (0.2989, 0.5870, 0.1140)  # ITU-R 601 weights of R, G, B


def rgb_to_grayscale(images, data_format=None):
    """Luma of RGB images, keeping a channel axis of size 1 (1-channel images pass through).

    Returns:
        Images of the input's dtype (integer results are truncated, as in Keras).

    >>> rgb_to_grayscale(np.ones((2, 2, 3), "float32")).shape
    (2, 2, 1)
    """
    x, data_format = images_in("rgb_to_grayscale", images, data_format)
    axis = channels_axis(data_format)
    if x.shape[axis] not in (1, 3):
        raise ValueError(f"rgb_to_grayscale: images must have 3 (RGB) or 1 channels, received "
                         f"shape {x.shape}")
    if x.shape[axis] == 1:
        return x
    original = x.data.dtype.name
    x = floating(x)
    weights = backend.asarray_like(np.asarray(_LUMA, dtype=x.data.dtype), x.data)
    y = linalg.tensordot(x, weights, axes=([axis % x.ndim], [0]))
    return math_ops.cast(shape_ops.expand_dims(y, axis), original)


def _planes(op, images, data_format):
    x, data_format = images_in(op, images, data_format)
    axis = channels_axis(data_format)
    if x.data.dtype.kind != "f":
        raise ValueError(f"{op}: images must have a float dtype, received {x.data.dtype.name}")
    if x.shape[axis] != 3:
        raise ValueError(f"{op}: images must have 3 channels, received shape {x.shape}")
    parts = shape_ops.split(x, 3, axis=axis)
    return [shape_ops.squeeze(p, axis) for p in parts], axis


def rgb_to_hsv(images, data_format=None):
    """RGB images (floats in [0, 1]) as hue, saturation, value, each in [0, 1].

    >>> rgb_to_hsv(np.array([[[1.0, 0.0, 0.0]]], "float32")).numpy()
    array([[[0., 1., 1.]]], dtype=float32)
    """
    planes, axis = _planes("rgb_to_hsv", images, data_format)
    tiny = np.finfo(planes[0].data.dtype).eps  # values this close to 0 count as 0
    r, g, b = (math_ops.where(abs(p.data) < tiny, 0.0, p) for p in planes)
    value = math_ops.maximum(math_ops.maximum(r, g), b)
    span = value - math_ops.minimum(math_ops.minimum(r, g), b)
    vd, sd = value.data, span.data
    safe_value = math_ops.where(vd > 0, value, 1.0)
    safe_span = math_ops.where(sd > 0, span, 1.0)
    saturation = math_ops.where(vd > 0, span / safe_value, 0.0)
    norm = 1.0 / (6.0 * safe_span)
    hue = math_ops.where(vd == g.data, norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0)
    hue = math_ops.where(vd == r.data, norm * (g - b), hue)
    hue = math_ops.where(sd > 0, hue, 0.0) + (hue.data < 0).astype(hue.data.dtype)
    return shape_ops.stack([hue, saturation, value], axis=axis % (hue.ndim + 1))


def hsv_to_rgb(images, data_format=None):
    """HSV images (hue, saturation, value in [0, 1]) as RGB.

    >>> hsv_to_rgb(np.array([[[0.0, 1.0, 1.0]]], "float32")).numpy()
    array([[[1., 0., 0.]]], dtype=float32)
    """
    (h, s, v), axis = _planes("hsv_to_rgb", images, data_format)
    sector = (h - math_ops.floor(h)) * 6.0  # hue wrapped into [0, 1), times 6

    def ramp(t):
        return math_ops.clip(t, 0.0, 1.0)

    red = ramp(math_ops.abs(sector - 3.0) - 1.0)
    green = ramp(2.0 - math_ops.abs(sector - 2.0))
    blue = ramp(2.0 - math_ops.abs(sector - 4.0))
    grey = 1.0 - s
    planes = [v * (grey + s * c) for c in (red, green, blue)]
    return shape_ops.stack(planes, axis=axis % (h.ndim + 1))
