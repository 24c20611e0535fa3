"""Image files and arrays (`keras.utils.load_img` and friends, `smart_resize`).

Pillow reads and writes the files. It is an optional extra (`pip install numen[image]`),
imported only when a function here needs it, so the rest of numen runs without it.
"""

from __future__ import annotations

import io
import os
import pathlib
import warnings

import numpy as np

from numen import backend

COLOR_MODES = {"grayscale": 1, "rgb": 3, "rgba": 4}
# Pillow's resampling filters by Keras's names for load_img's `interpolation`.
PIL_RESAMPLING = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def pil_image():
    """The `PIL.Image` module, or an ImportError saying how to install Pillow."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("numen's image utilities (load_img, save_img, array_to_img, "
                          "image_dataset_from_directory) need Pillow: pip install Pillow "
                          "(or pip install numen[image])") from None
    return Image


def _data_format(data_format, name: str) -> str:
    data_format = backend.image_data_format() if data_format is None else data_format
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{name}: data_format must be 'channels_last' or 'channels_first', "
                         f"received {data_format!r}")
    return data_format


def convert_mode(img, color_mode: str, name: str = "load_img"):
    """A PIL image in the mode `color_mode` asks for (grayscale keeps 16/32-bit gray)."""
    if color_mode == "grayscale":
        return img if img.mode in ("L", "I;16", "I") else img.convert("L")
    if color_mode == "rgb":
        return img if img.mode == "RGB" else img.convert("RGB")
    if color_mode == "rgba":
        return img if img.mode == "RGBA" else img.convert("RGBA")
    raise ValueError(f"{name}: color_mode must be 'grayscale', 'rgb' or 'rgba', received "
                     f"{color_mode!r}")


def _open(path, name: str):
    Image = pil_image()
    if isinstance(path, io.BytesIO):
        return Image.open(path)
    if isinstance(path, (str, bytes, pathlib.Path)):
        # Read the bytes first so the file is closed at once (Pillow opens lazily).
        with open(os.fspath(path), "rb") as f:
            return Image.open(io.BytesIO(f.read()))
    raise TypeError(f"{name}: path must be a str, bytes, pathlib.Path or io.BytesIO, received "
                    f"{type(path).__name__}")


def load_img(path, color_mode: str = "rgb", target_size=None, interpolation: str = "nearest",
             keep_aspect_ratio: bool = False):
    """Read an image file into a PIL image.

    Args:
        path: a file path (str, bytes, pathlib.Path) or an `io.BytesIO`.
        color_mode: 'grayscale', 'rgb' or 'rgba'.
        target_size: None (keep the size) or `(height, width)`.
        interpolation: Pillow filter for resizing: 'nearest', 'bilinear', 'bicubic',
            'hamming', 'box' or 'lanczos'.
        keep_aspect_ratio: resize the largest centred crop with the target aspect ratio
            instead of stretching the whole image.

    Returns:
        A `PIL.Image.Image`.

    Raises:
        ImportError: Pillow is not installed.
        TypeError: `path` of another type. ValueError: a bad color_mode or interpolation.

    >>> img = load_img("cat.png", target_size=(64, 64))  # doctest: +SKIP
    """
    Image = pil_image()
    img = convert_mode(_open(path, "load_img"), color_mode)
    if target_size is None:
        return img
    size = (int(target_size[1]), int(target_size[0]))  # Pillow counts (width, height)
    if img.size == size:
        return img
    if interpolation not in PIL_RESAMPLING:
        raise ValueError(f"load_img: interpolation must be one of {list(PIL_RESAMPLING)}, "
                         f"received {interpolation!r}")
    resample = getattr(Image.Resampling, interpolation.upper())
    box = None
    if keep_aspect_ratio:
        width, height = img.size
        crop_h = min(height, (width * size[1]) // size[0])
        crop_w = min(width, (height * size[0]) // size[1])
        top, left = (height - crop_h) // 2, (width - crop_w) // 2
        box = (left, top, left + crop_w, top + crop_h)
    return img.resize(size, resample, box=box)


def img_to_array(img, data_format=None, dtype=None) -> np.ndarray:
    """A PIL image (or any array-like image) as a rank-3 NumPy array.

    Args:
        img: a PIL image or array of shape (height, width) or (height, width, channels).
        data_format: 'channels_last' -> (H, W, C); 'channels_first' -> (C, H, W); None: the
            global image data format.
        dtype: the array's dtype (default: floatx).

    Raises:
        ValueError: an image that is not rank 2 or 3.

    >>> img_to_array(np.zeros((2, 3), "uint8")).shape
    (2, 3, 1)
    """
    data_format = _data_format(data_format, "img_to_array")
    x = np.asarray(img, dtype=backend.floatx() if dtype is None else dtype)
    if x.ndim == 2:
        x = x[None] if data_format == "channels_first" else x[..., None]
    elif x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    else:
        raise ValueError(f"img_to_array: expected an image of rank 2 or 3, received shape "
                         f"{x.shape}")
    return x


def array_to_img(x, data_format=None, scale: bool = True, dtype=None):
    """A rank-3 array as a PIL image ('L', 'I', 'RGB' or 'RGBA' by channel count).

    Args:
        x: array of shape (H, W, C) (or (C, H, W) for channels_first), C in {1, 3, 4}.
        data_format: the layout of `x`; None: the global image data format.
        scale: stretch the values to [0, 255] (min to 0, max to 255) first.
        dtype: dtype `x` is read as before scaling (default: floatx).

    Raises:
        ImportError: Pillow is missing. ValueError: not rank 3, or an unsupported channel count.

    >>> array_to_img(np.zeros((4, 4, 3))).size  # doctest: +SKIP
    (4, 4)
    """
    Image = pil_image()
    data_format = _data_format(data_format, "array_to_img")
    x = np.array(x, dtype=backend.floatx() if dtype is None else dtype)
    if x.ndim != 3:
        raise ValueError(f"array_to_img: expected one image of rank 3, received shape {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x = x / top
        x = x * 255
    channels = x.shape[2]
    if channels == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:  # beyond 8 bits: Pillow's 32-bit integer grayscale
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"array_to_img: expected 1, 3 or 4 channels, received {channels} "
                     f"(shape {x.shape})")


def save_img(path, x, data_format=None, file_format=None, scale: bool = True, **kwargs) -> None:
    """Write a rank-3 array as an image file.

    Args:
        path: where to write (or a file object).
        x: the image array (see `array_to_img`).
        data_format: the layout of `x`; None: the global image data format.
        file_format: Pillow format name; None: taken from the path's suffix.
        scale: stretch the values to [0, 255] first.
        **kwargs: passed to `PIL.Image.Image.save` (e.g. `quality`).

    >>> save_img("out.png", np.zeros((8, 8, 3)))  # doctest: +SKIP
    """
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower() or None
    if file_format is not None and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("save_img: JPEG has no alpha channel; the RGBA image is saved as RGB")
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def smart_resize(x, size, interpolation: str = "bilinear", data_format="channels_last",
                 **kwargs):
    """Resize images without distorting them: crop the largest centred window with the
    aspect ratio of `size`, then resize that window to `size`.

    Args:
        x: one image (rank 3) or a batch (rank 4), NumPy or Tensor.
        size: `(height, width)`.
        interpolation: as `keras.ops.image.resize`.
        data_format: 'channels_last' or 'channels_first'.

    Returns:
        float32 images (a NumPy array for NumPy input, else a Tensor).

    Raises:
        ValueError: a bad rank, size or unknown keyword.

    >>> smart_resize(np.zeros((5, 7, 3)), (4, 4)).shape
    (4, 4, 3)
    """
    from numen import ops
    from numen.ops import image as image_ops

    if kwargs:
        raise ValueError(f"smart_resize: unexpected keyword arguments {sorted(kwargs)}")
    if len(size) != 2:
        raise ValueError(f"smart_resize: size must be (height, width), received {size!r}")
    was_numpy = isinstance(x, np.ndarray)
    x = ops.cast(x, backend.floatx())
    if x.ndim not in (3, 4):
        raise ValueError(f"smart_resize: expected an image of rank 3 or a batch of rank 4, "
                         f"received shape {tuple(x.shape)}")
    y = image_ops.resize(x, size, interpolation=interpolation, crop_to_aspect_ratio=True,
                         data_format=data_format)
    return backend.to_numpy(y.data) if was_numpy else y


__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]
