"""Filters over image neighbourhoods (`keras.ops.image`): gaussian_blur, sobel_edges,
extract_patches, extract_patches_3d, ssim. Each is a convolution with a fixed kernel, so its
gradient is the convolution's."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import as_tensor
from numen.ops import manipulation as shape_ops
from numen.ops import math as math_ops
from numen.ops import reduce as reduce_ops
from numen.ops.convolution import conv, depthwise_conv, int_tuple
from numen.ops.image_layout import channels_axis, choice, data_format_in, floating, images_in


def _gaussian_1d(size: int, sigma: float) -> np.ndarray:
    d = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    k = np.exp(-0.5 * (d / sigma) ** 2)
    return k / k.sum()


def _batched(x, rank):
    return (shape_ops.expand_dims(x, 0), True) if x.ndim == rank - 1 else (x, False)


def _pair_of(op, arg, value, kind):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = (value, value)
    try:
        out = tuple(kind(v) for v in value)
    except (TypeError, ValueError):
        out = ()
    if len(out) != 2 or min(out) <= 0:
        raise ValueError(f"{op}: `{arg}` must be a positive number or a pair of them, received "
                         f"{value!r}")
    return out


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Images blurred by a Gaussian, each channel on its own (zero padding, same size).

    Args:
        kernel_size: (width, height) of the kernel, in that order as in Keras.
        sigma: (sigma along x, sigma along y).

    >>> gaussian_blur(np.ones((5, 5, 2), "float32")).shape
    (5, 5, 2)
    """
    x, data_format = images_in("gaussian_blur", images, data_format)
    kx, ky = _pair_of("gaussian_blur", "kernel_size", kernel_size, int)
    sx, sy = _pair_of("gaussian_blur", "sigma", sigma, float)
    x = floating(x)
    x, unbatched = _batched(x, 4)
    channels = x.shape[channels_axis(data_format)]
    k2d = np.outer(_gaussian_1d(ky, sy), _gaussian_1d(kx, sx))
    kernel = np.broadcast_to(k2d[:, :, None, None], (ky, kx, channels, 1))
    kernel = backend.asarray_like(kernel.astype(x.data.dtype), x.data)
    y = depthwise_conv(x, kernel, 1, "same", data_format)
    return shape_ops.squeeze(y, 0) if unbatched else y


_SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def sobel_edges(images, data_format=None):
    """Sobel gradients of a batch of images: (..., 2) holding [d/dy, d/dx] per pixel and
    channel (zero padding, same size).

    >>> sobel_edges(np.ones((1, 4, 4, 3), "float32")).shape
    (1, 4, 4, 3, 2)
    """
    x = as_tensor(images)
    if x.ndim != 4:
        raise ValueError(f"sobel_edges: `images` must have rank 4 (a batch), received shape "
                         f"{x.shape}")
    data_format = data_format_in("sobel_edges", data_format)
    x = floating(x)
    c = x.shape[channels_axis(data_format)]
    pair = np.stack([_SOBEL_X.T, _SOBEL_X], axis=-1)  # (3, 3, 2): [dy, dx]
    kernel = np.broadcast_to(pair[:, :, None, :], (3, 3, c, 2)).astype(x.data.dtype)
    y = depthwise_conv(x, backend.asarray_like(kernel, x.data), 1, "same", data_format)
    if data_format == "channels_last":  # output channel c * 2 + j
        return shape_ops.reshape(y, (*x.shape, 2))
    n, _, h, w = x.shape
    return shape_ops.moveaxis(shape_ops.reshape(y, (n, c, 2, h, w)), 2, -1)


def _patches(op, x, size, strides, dilation_rate, padding, data_format):
    nd = len(size)
    choice(op, "padding", padding, ("valid", "same"))
    x, unbatched = _batched(x, nd + 2)
    if x.ndim != nd + 2:
        raise ValueError(f"{op}: expected inputs of rank {nd + 1} or {nd + 2}, received shape "
                         f"{x.shape}")
    c = x.shape[-1] if data_format == "channels_last" else x.shape[1]
    depth = int(np.prod(size)) * c
    kernel = np.eye(depth, dtype=x.data.dtype).reshape(*size, c, depth)
    y = conv(x, backend.asarray_like(kernel, x.data), strides, padding, data_format,
                      dilation_rate)
    return shape_ops.squeeze(y, 0) if unbatched else y


def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """Each size[0] x size[1] patch of the images flattened into the channel axis
    (patch row, patch column, channel order); a 3-tuple `size` extracts 3D patches.

    >>> extract_patches(np.ones((4, 4, 3), "float32"), 2).shape
    (2, 2, 12)
    """
    if not isinstance(size, int):
        if not isinstance(size, (tuple, list)):
            raise TypeError(f"extract_patches: `size` must be an int or a tuple, received "
                            f"{size!r} of type {type(size).__name__}")
        if len(size) not in (2, 3):
            raise ValueError(f"extract_patches: `size` must have length 2 or 3, received "
                             f"{size!r}")
        if len(size) == 3:
            return extract_patches_3d(images, size, strides, dilation_rate, padding,
                                      data_format)
    size = int_tuple(size, 2, "size", "extract_patches")
    strides = size if not strides else int_tuple(strides, 2, "strides",
                                                         "extract_patches")
    data_format = data_format_in("extract_patches", data_format)
    x = as_tensor(images)
    return _patches("extract_patches", x, size, strides, dilation_rate, padding, data_format)


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """Each size[0] x size[1] x size[2] patch of the volumes flattened into the channel axis.

    >>> extract_patches_3d(np.ones((4, 4, 4, 1), "float32"), 2).shape
    (2, 2, 2, 8)
    """
    size = int_tuple(size, 3, "size", "extract_patches_3d")
    strides = size if strides is None else int_tuple(strides, 3, "strides",
                                                             "extract_patches_3d")
    data_format = data_format_in("extract_patches_3d", data_format)
    x = as_tensor(volumes)
    return _patches("extract_patches_3d", x, size, strides, dilation_rate, padding, data_format)


def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """Structural similarity of two images (or batches), averaged over pixels and channels.

    Local means, variances and covariance come from a `filter_size` Gaussian window with
    `filter_sigma` (valid positions only).

    Returns:
        A scalar per image: shape () for rank-3 inputs, (N,) for rank-4.

    >>> float(ssim(np.ones((11, 11, 1)), np.ones((11, 11, 1))))
    1.0
    """
    a, data_format = images_in("ssim", image1, data_format, "image1")
    b, _ = images_in("ssim", image2, data_format, "image2")
    if a.shape != b.shape:
        raise ValueError(f"ssim: `image1` and `image2` must have the same shape, received "
                         f"{a.shape} and {b.shape}")
    original = a.data.dtype.name
    a, b = floating(a), math_ops.cast(b, floating(a).data.dtype.name)
    unbatched = a.ndim == 3
    if unbatched:
        a, b = shape_ops.expand_dims(a, 0), shape_ops.expand_dims(b, 0)
    if data_format == "channels_last":
        a, b = (shape_ops.transpose(t, (0, 3, 1, 2)) for t in (a, b))
    n, c, h, w = a.shape
    if h < filter_size or w < filter_size:
        raise ValueError(f"ssim: images of {h}x{w} pixels are smaller than the {filter_size}x"
                         f"{filter_size} filter")
    a, b = (shape_ops.reshape(t, (n * c, h, w, 1)) for t in (a, b))
    g = _gaussian_1d(int(filter_size), float(filter_sigma))
    kernel = backend.asarray_like(np.outer(g, g)[:, :, None, None].astype(a.data.dtype), a.data)

    def local_mean(t):
        return conv(t, kernel, 1, "valid", "channels_last")

    mu1, mu2 = local_mean(a), local_mean(b)
    mu11, mu22, mu12 = mu1 * mu1, mu2 * mu2, mu1 * mu2
    var1 = local_mean(a * a) - mu11
    var2 = local_mean(b * b) - mu22
    cov = local_mean(a * b) - mu12
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    ratio = ((2.0 * mu12 + c1) * (2.0 * cov + c2)) / ((mu11 + mu22 + c1) * (var1 + var2 + c2))
    per_channel = shape_ops.reshape(reduce_ops.mean(ratio, axis=(1, 2, 3)), (n, c))
    y = reduce_ops.mean(per_channel, axis=-1)
    if unbatched:
        y = shape_ops.squeeze(y, 0)
    return math_ops.cast(y, original)
