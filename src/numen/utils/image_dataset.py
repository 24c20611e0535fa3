"""`keras.utils.image_dataset_from_directory`: batches of images read from a folder tree."""

from __future__ import annotations

import functools

import numpy as np

from numen import backend
from numen.utils import image_utils
from numen.utils.dataset_from_directory import build_datasets

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
# Keras also lists 'gaussian' and 'mitchellcubic' (TensorFlow kernels numen's resize lacks).
INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")


def load_image(path, image_size, color_mode, interpolation, data_format,
               crop_to_aspect_ratio=False, pad_to_aspect_ratio=False) -> np.ndarray:
    """One image file as a float32 array of `image_size`, in `data_format` layout."""
    from numen.ops import image as image_ops

    img = image_utils.convert_mode(image_utils._open(path, "image_dataset_from_directory"),
                                   color_mode, "image_dataset_from_directory")
    x = np.asarray(img, dtype="float32")
    if x.ndim == 2:
        x = x[..., None]
    if data_format == "channels_first":
        x = x.transpose(2, 0, 1)
    y = image_ops.resize(x, image_size, interpolation=interpolation,
                         crop_to_aspect_ratio=crop_to_aspect_ratio,
                         pad_to_aspect_ratio=pad_to_aspect_ratio, data_format=data_format)
    return backend.to_numpy(y.data)


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, format="tf",
                                 verbose=True):
    """A dataset of image batches from the files under `directory`.

    With `labels="inferred"`, each sub-folder is a class (`class_a/`, `class_b/` -> labels 0,
    1). Files ending in .bmp, .gif (first frame), .jpeg, .jpg or .png are read with Pillow as
    each batch is requested, then resized to `image_size`.

    Args:
        directory: the folder.
        labels: 'inferred', None, or one int label per file (in sorted path order).
        label_mode: 'int' (int32 (batch,)), 'categorical' (float32 one-hot), 'binary'
            (float32 (batch, 1), exactly 2 classes) or None (images only).
        class_names: with labels='inferred', the sub-folders to use, in label order.
        color_mode: 'grayscale' (1 channel), 'rgb' (3) or 'rgba' (4).
        batch_size: images per batch; None yields single images.
        image_size: `(height, width)` (or one int for a square).
        shuffle: shuffle the files (and again after every epoch).
        seed: seed of the shuffles (required with validation_split and shuffle).
        validation_split: fraction of the files kept for validation.
        subset: 'training', 'validation', or 'both' (returns the pair).
        interpolation: resize kernel: 'bilinear', 'nearest', 'bicubic', 'area', 'lanczos3',
            'lanczos5'.
        follow_links: follow symbolic links to folders.
        crop_to_aspect_ratio / pad_to_aspect_ratio: crop or pad to the aspect ratio of
            `image_size` before resizing, so images are not distorted.
        data_format: 'channels_last' or 'channels_first'; None: the global setting.
        format: accepted for compatibility ('tf' or 'grain'); numen always returns its own
            `FileDataset` (a PyDataset that fit/evaluate/predict take directly).
        verbose: print how many files and classes were found.

    Returns:
        A `FileDataset` yielding `(images, labels)` (or `images`), float32 images of shape
        `(batch, height, width, channels)`; `class_names` and `file_paths` are attributes.
        With subset='both', the (training, validation) pair.

    Raises:
        ImportError: Pillow is missing. ValueError: bad arguments or no images found.

    >>> train, val = image_dataset_from_directory("photos", validation_split=0.2,
    ...     subset="both", seed=1, image_size=(64, 64))  # doctest: +SKIP
    """
    name = "image_dataset_from_directory"
    image_utils.pil_image()
    if color_mode not in image_utils.COLOR_MODES:
        raise ValueError(f"{name}: color_mode must be 'rgb', 'rgba' or 'grayscale', received "
                         f"{color_mode!r}")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    if not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(f"{name}: image_size must be (height, width), received "
                         f"{image_size!r}")
    interpolation = str(interpolation).lower()
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"{name}: interpolation must be one of {list(INTERPOLATIONS)}, "
                         f"received {interpolation!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(f"{name}: only one of crop_to_aspect_ratio and pad_to_aspect_ratio "
                         "can be True")
    if format not in ("tf", "grain"):
        raise ValueError(f"{name}: format must be 'tf' or 'grain', received {format!r}")
    data_format = image_utils._data_format(data_format, name)
    load = functools.partial(load_image, image_size=tuple(int(s) for s in image_size),
                             color_mode=color_mode, interpolation=interpolation,
                             data_format=data_format, crop_to_aspect_ratio=crop_to_aspect_ratio,
                             pad_to_aspect_ratio=pad_to_aspect_ratio)
    return build_datasets(name, directory, labels, label_mode, class_names, IMAGE_FORMATS,
                          batch_size, shuffle, seed, validation_split, subset, follow_links,
                          verbose, load)


__all__ = ["image_dataset_from_directory"]
