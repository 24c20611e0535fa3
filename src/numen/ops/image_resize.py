"""Resizing images (`keras.ops.image`): resize, scale_and_translate, crop_images, pad_images.

Every interpolating resize is linear in the image and separable: along each resized axis the
output is the input times a (input size, output size) weight matrix. The matrices follow the
half-pixel convention of JAX's `jax.image.scale_and_translate` (what Keras uses on JAX), so
values agree with Keras; gradients come for free through `matmul`.
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import as_tensor
from numen.ops import linalg
from numen.ops import manipulation as shape_ops
from numen.ops import math as math_ops
from numen.ops.image_layout import choice, floating, images_in, spatial_axes

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")
SCALE_AND_TRANSLATE_METHODS = ("linear", "bilinear", "trilinear", "cubic", "bicubic", "tricubic",
                               "lanczos3", "lanczos5")


def _triangle(d):
    return np.maximum(0.0, 1.0 - d)


def _keys_cubic(d):  # Keys' cubic with a = -0.5
    near = ((1.5 * d - 2.5) * d) * d + 1.0
    far = ((-0.5 * d + 2.5) * d - 4.0) * d + 2.0
    return np.where(d >= 2.0, 0.0, np.where(d >= 1.0, far, near))


def _lanczos(radius):
    def kernel(d):
        with np.errstate(divide="ignore", invalid="ignore"):
            y = radius * np.sin(np.pi * d) * np.sin(np.pi * d / radius) / (np.pi * d) ** 2
        return np.where(d > radius, 0.0, np.where(d > 1e-3, y, 1.0))

    return kernel


_KERNELS = {"linear": _triangle, "cubic": _keys_cubic, "lanczos3": _lanczos(3.0),
            "lanczos5": _lanczos(5.0)}
_ALIASES = {"bilinear": "linear", "trilinear": "linear", "bicubic": "cubic", "tricubic": "cubic"}


def weight_matrix(in_size, out_size, scale, translation, method, antialias, dtype="float32"):
    """(in_size, out_size) weights: output j = sum_i input i * w[i, j].

    Output pixel j samples the input at (j + 0.5 - translation) / scale - 0.5. With antialias
    a downscale widens the kernel by 1 / scale (a low-pass filter); samples falling outside
    the input get no weight at all.
    """
    f = np.dtype(dtype)
    inv = f.type(1.0) / f.type(scale)
    shift = f.type(translation) * inv
    sample = (np.arange(out_size, dtype=f) + f.type(0.5)) * inv - shift - f.type(0.5)
    if method == "area":  # overlap of each input pixel with the output pixel's footprint
        left = np.arange(out_size, dtype=f) * inv - shift
        start = np.arange(in_size, dtype=f)
        w = np.maximum(0.0, np.minimum(left[None, :] + inv, start[:, None] + 1)
                       - np.maximum(left[None, :], start[:, None]))
    else:
        widen = max(float(inv), 1.0) if antialias else 1.0
        d = np.abs(sample[None, :] - np.arange(in_size, dtype=f)[:, None]) / f.type(widen)
        w = _KERNELS[_ALIASES.get(method, method)](d)
    total = w.sum(axis=0, keepdims=True)
    ok = np.abs(total) > 1000.0 * float(np.finfo(np.float32).eps)
    w = np.where(ok, w / np.where(total != 0, total, 1.0), 0.0)
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    return np.where(inside[None, :], w, 0.0).astype(f)


def _apply_along(x, axis, w):
    """Contract axis `axis` of `x` with the weight matrix `w` (in, out)."""
    moved = shape_ops.moveaxis(x, axis, -1)
    w = backend.asarray_like(w, x.data, dtype=x.data.dtype)
    return shape_ops.moveaxis(linalg.matmul(moved, w), -1, axis)


def _nearest(x, axis, out_size):
    m = x.shape[axis]
    pos = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * np.float32(m)
    idx = np.floor(pos / np.float32(out_size)).astype(np.int64)
    return shape_ops.take(x, np.minimum(idx, m - 1), axis=axis % x.ndim)


def _aspect_crop(x, size, axes):
    (h_ax, w_ax), (th, tw) = axes, size
    h, w = x.shape[h_ax], x.shape[w_ax]
    ch = max(min(h, int(float(w * th) / tw)), 1)
    cw = max(min(w, int(float(h * tw) / th)), 1)
    top, left = int(float(h - ch) / 2), int(float(w - cw) / 2)
    index = [slice(None)] * x.ndim
    index[h_ax % x.ndim] = slice(top, top + ch)
    index[w_ax % x.ndim] = slice(left, left + cw)
    return shape_ops.getitem(x, tuple(index))


def _aspect_pad(x, size, axes, fill_value):
    (h_ax, w_ax), (th, tw) = axes, size
    h, w = x.shape[h_ax], x.shape[w_ax]
    top = int(float(max(h, int(float(w * th) / tw)) - h) / 2)
    left = int(float(max(w, int(float(h * tw) / th)) - w) / 2)
    widths = [(0, 0)] * x.ndim
    if top > 0:  # only one axis ever needs padding; the same amount goes on both sides
        widths[h_ax % x.ndim] = (top, top)
    elif left > 0:
        widths[w_ax % x.ndim] = (left, left)
    else:
        return x
    return shape_ops.pad(x, widths, constant_values=fill_value)


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Images resized to `size` = (height, width).

    Args:
        images: (H, W, C) or (N, H, W, C) for channels_last; (C, H, W) or (N, C, H, W) for
            channels_first.
        interpolation: 'bilinear', 'nearest', 'bicubic' (Keys, a=-0.5), 'lanczos3', 'lanczos5'
            or 'area' (average over each output pixel's footprint).
        antialias: widen the kernel when downscaling so that it also low-pass filters.
        crop_to_aspect_ratio / pad_to_aspect_ratio: first crop (centred) or pad (with
            `fill_value`) the images to the aspect ratio of `size`, so nothing is distorted.
        fill_mode: only 'constant' (padding uses `fill_value`).

    Returns:
        The resized images, in the input's dtype (integer images are rounded and clipped).

    Raises:
        ValueError: on a bad `size`, rank, `interpolation` or `fill_mode`, or when both
            aspect-ratio options are set.

    >>> resize(np.ones((4, 4, 3), "float32"), (2, 6)).shape
    (2, 6, 3)
    """
    try:
        size = tuple(int(s) for s in size)
    except TypeError:
        size = ()
    if len(size) != 2 or min(size) <= 0:
        raise ValueError(f"resize: `size` must be two positive ints (height, width), received "
                         f"{size!r}")
    x, data_format = images_in("resize", images, data_format)
    choice("resize", "interpolation", interpolation, RESIZE_INTERPOLATIONS)
    choice("resize", "fill_mode", fill_mode, ("constant",))
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("resize: only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` "
                         "can be True")
    axes = spatial_axes(data_format)
    if crop_to_aspect_ratio:
        x = _aspect_crop(x, size, axes)
    elif pad_to_aspect_ratio:
        x = _aspect_pad(x, size, axes, fill_value)
    if interpolation == "nearest":
        for axis, n in zip(axes, size):
            if x.shape[axis] != n:
                x = _nearest(x, axis, n)
        return x
    in_dtype = x.data.dtype
    y = floating(x)
    for axis, n in zip(axes, size):
        m = y.shape[axis]
        if m != n:
            w = weight_matrix(m, n, n / m, 0.0, interpolation, antialias, _weights_dtype(y))
            y = _apply_along(y, axis, w)
    if in_dtype.kind in "iub":
        info = np.iinfo(in_dtype) if in_dtype.kind != "b" else None
        y = math_ops.round(y)
        if info is not None:
            y = math_ops.clip(y, info.min, info.max)
        y = math_ops.cast(y, in_dtype.name)
    return y


def _weights_dtype(y):
    return "float64" if y.data.dtype == np.float64 else "float32"


def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """Resample `images` so that input point p lands at p * scale + translation.

    Args:
        images: any rank.
        output_shape: the full output shape (one entry per axis of `images`).
        scale / translation: one value per axis in `spatial_dims` (not differentiated).
        spatial_dims: the axes resampled; the other axes must keep their size.
        method: 'linear' ('bilinear', 'trilinear'), 'cubic' ('bicubic', 'tricubic'),
            'lanczos3' or 'lanczos5'.
        antialias: widen the kernel when downscaling.

    Returns:
        A floating Tensor of `output_shape`.

    >>> scale_and_translate(np.ones((4, 4)), (8, 8), [2.0, 2.0], [0.0, 0.0], (0, 1),
    ...                     "linear").shape
    (8, 8)
    """
    choice("scale_and_translate", "method", method, SCALE_AND_TRANSLATE_METHODS)
    x = floating(as_tensor(images))
    output_shape = tuple(int(n) for n in output_shape)
    if len(output_shape) != x.ndim:
        raise ValueError(f"scale_and_translate: `output_shape` {output_shape} must have one "
                         f"entry per axis of images of shape {x.shape}")
    scale = np.asarray(backend.to_numpy(getattr(scale, "data", scale)), dtype=np.float64)
    translation = np.asarray(backend.to_numpy(getattr(translation, "data", translation)),
                             dtype=np.float64)
    dims = [int(d) % x.ndim for d in spatial_dims]
    if scale.shape != (len(dims),) or translation.shape != (len(dims),):
        raise ValueError(f"scale_and_translate: `scale` and `translation` need one value per "
                         f"spatial dim {tuple(spatial_dims)}, received shapes {scale.shape} "
                         f"and {translation.shape}")
    for axis in range(x.ndim):
        if axis not in dims and output_shape[axis] != x.shape[axis]:
            raise ValueError(f"scale_and_translate: axis {axis} is not in `spatial_dims` but "
                             f"`output_shape` changes it ({x.shape} -> {output_shape})")
    for axis, s, t in zip(dims, scale, translation):
        w = weight_matrix(x.shape[axis], output_shape[axis], s, t, method, antialias,
                          _weights_dtype(x))
        x = _apply_along(x, axis, w)
    return x


def _two_of(op, names, values):
    if sum(v is None for v in values) != 1:
        raise ValueError(f"{op}: give exactly two of {', '.join(names)}, received "
                         + ", ".join(f"{n}={v}" for n, v in zip(names, values)))
    for n, v in zip(names, values):
        if v is not None and v < 0:
            raise ValueError(f"{op}: `{n}` must be >= 0, received {v}")


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Images padded with zeros; per axis give two of (before, after, target size).

    >>> pad_images(np.ones((2, 2, 1)), 1, 1, target_height=4, target_width=5).shape
    (4, 5, 1)
    """
    x, data_format = images_in("pad_images", images, data_format)
    _two_of("pad_images", ("top_padding", "bottom_padding", "target_height"),
            (top_padding, bottom_padding, target_height))
    _two_of("pad_images", ("left_padding", "right_padding", "target_width"),
            (left_padding, right_padding, target_width))
    h_ax, w_ax = spatial_axes(data_format)
    h, w = x.shape[h_ax], x.shape[w_ax]
    top = top_padding if top_padding is not None else target_height - bottom_padding - h
    bottom = bottom_padding if bottom_padding is not None else target_height - top - h
    left = left_padding if left_padding is not None else target_width - right_padding - w
    right = right_padding if right_padding is not None else target_width - left - w
    for name, v in (("top_padding", top), ("bottom_padding", bottom),
                    ("left_padding", left), ("right_padding", right)):
        if v < 0:
            raise ValueError(f"pad_images: `{name}` must be >= 0, received {v} (the target "
                             f"size is smaller than the image of shape {x.shape})")
    widths = [(0, 0)] * x.ndim
    widths[h_ax % x.ndim] = (int(top), int(bottom))
    widths[w_ax % x.ndim] = (int(left), int(right))
    return shape_ops.pad(x, widths)


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Images cropped; per axis give two of (before, after, target size).

    >>> crop_images(np.ones((5, 5, 1)), 1, 2, target_height=3, target_width=2).shape
    (3, 2, 1)
    """
    x, data_format = images_in("crop_images", images, data_format)
    _two_of("crop_images", ("top_cropping", "bottom_cropping", "target_height"),
            (top_cropping, bottom_cropping, target_height))
    _two_of("crop_images", ("left_cropping", "right_cropping", "target_width"),
            (left_cropping, right_cropping, target_width))
    h_ax, w_ax = spatial_axes(data_format)
    h, w = x.shape[h_ax], x.shape[w_ax]
    top = top_cropping if top_cropping is not None else h - target_height - bottom_cropping
    height = target_height if target_height is not None else h - bottom_cropping - top
    left = left_cropping if left_cropping is not None else w - target_width - right_cropping
    width = target_width if target_width is not None else w - right_cropping - left
    for name, v in (("top_cropping", top), ("target_height", height),
                    ("left_cropping", left), ("target_width", width)):
        if v < 0:
            raise ValueError(f"crop_images: `{name}` must be >= 0, received {v} (cropping "
                             f"more than the image of shape {x.shape})")
    if top + height > h or left + width > w:
        raise ValueError(f"crop_images: the crop ({top}+{height}, {left}+{width}) does not fit "
                         f"in images of shape {x.shape}")
    index = [slice(None)] * x.ndim
    index[h_ax % x.ndim] = slice(int(top), int(top + height))
    index[w_ax % x.ndim] = slice(int(left), int(left + width))
    return shape_ops.getitem(x, tuple(index))
