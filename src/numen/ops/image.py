"""`keras.ops.image`: image functions, one namespace over the image_* family files.

Not re-exported flat in `numen.ops` (Keras has these names only under `keras.ops.image`).
"""

# ruff: noqa: F401 - re-exports
from numen.ops.image_color import hsv_to_rgb, rgb_to_grayscale, rgb_to_hsv
from numen.ops.image_filters import (
    extract_patches,
    extract_patches_3d,
    gaussian_blur,
    sobel_edges,
    ssim,
)
from numen.ops.image_resize import crop_images, pad_images, resize, scale_and_translate
from numen.ops.image_sample import (
    affine_transform,
    elastic_transform,
    map_coordinates,
    perspective_transform,
)

__all__ = [
    "affine_transform", "crop_images", "elastic_transform", "extract_patches",
    "extract_patches_3d", "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images",
    "perspective_transform", "resize", "rgb_to_grayscale", "rgb_to_hsv", "scale_and_translate",
    "sobel_edges", "ssim",
]
