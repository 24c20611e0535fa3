"""Random affine image augmentation: RandomRotation, RandomZoom, RandomTranslation and
RandomShear, each one projective transform per image sampled by `ops.image.affine_transform`.

Transformations are dicts with Keras 3's keys ('rotation_matrix', 'height_zoom' and
'width_zoom', 'translations', 'shear_factor'), so `transform_images` with a given dict gives
Keras's pixels.
"""

from __future__ import annotations

import math

import numpy as np

from numen import ops
from numen.layers import augment_boxes as boxes
from numen.layers.augment_base import ImageAugmentation, choose, factor_range, host, is_number
from numen.ops import image

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("nearest", "bilinear")


class _AffineLayer(ImageAugmentation):
    """fill_mode / interpolation / fill_value, and warping by an (N, 8) transform."""

    _BOXES_STAY = False

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        layer = type(self).__name__
        self.fill_mode = choose(fill_mode, _FILL_MODES, "fill_mode", layer)
        self.interpolation = choose(interpolation, _INTERPOLATIONS, "interpolation", layer)
        if not is_number(fill_value):
            raise ValueError(f"{layer}: `fill_value` must be a number, received {fill_value!r}")
        self.fill_value = fill_value

    def _matrix(self, transformation, images):
        raise NotImplementedError

    def _warp(self, images, transformation, interpolation):
        if transformation is None:
            return images
        matrix = np.asarray(self._matrix(transformation, images), dtype=np.float32)
        if images.ndim == 3:
            matrix = matrix.reshape(-1, 8)[0]
        return image.affine_transform(images, matrix, interpolation=interpolation,
                                      fill_mode=self.fill_mode, fill_value=self.fill_value,
                                      data_format=self.data_format)

    def transform_images(self, images, transformation, training=True):
        images = self._float(images)
        return self._warp(images, transformation, self.interpolation) if training else images

    def transform_segmentation_masks(self, masks, transformation, training=True):
        return self._warp(self._float(masks), transformation, "nearest") if training else masks

    def get_config(self) -> dict:
        return {**super().get_config(), "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "fill_value": self.fill_value}


def affine_matrix(angle, height, width, translate=(0.0, 0.0), scale=1.0, shear=(0.0, 0.0)):
    """(N, 8) transforms rotating by `angle` degrees (and shearing by `shear` degrees) about
    the image centre, as Keras's augmentation layers compose them."""
    angle = np.asarray(angle, dtype=np.float64) * (math.pi / 180.0)
    shear_x, shear_y = (np.tan(np.asarray(s, np.float64) * (math.pi / 180.0)) for s in shear)
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    cos, sin = np.cos(angle), np.sin(angle)
    a0 = scale * (cos + shear_x * sin)
    a1 = scale * (-sin + shear_x * cos)
    a2 = translate[0] + cx - cx * a0 - cy * a1
    b0 = scale * (shear_y * cos + sin)
    b1 = scale * (shear_y * -sin + cos)
    b2 = translate[1] + cy - cx * b0 - cy * b1
    zeros = np.zeros_like(a0)
    return np.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=-1)


def _clipped(bounding_boxes, xyxy, fmt, height, width):
    """'xyxy' boxes clipped to the image and written back in `fmt` with the other entries."""
    out = boxes.clip_to_image_size(dict(bounding_boxes, boxes=xyxy), height, width, "xyxy")
    return boxes.convert_format(out, "xyxy", fmt, height, width)


class RandomRotation(_AffineLayer):
    """Rotates each image by a random angle about its centre during training.

    Args:
        factor: a fraction of a full turn: a number f (angles in [-f, f] * 360 degrees) or a
            pair (lower, upper); positive angles turn counter-clockwise.
        fill_mode: how points outside the image are read: 'reflect' (default), 'wrap',
            'constant' (`fill_value`) or 'nearest'.
        interpolation: 'bilinear' (default) or 'nearest'.
        seed: an int for repeatable draws.
        fill_value: the value outside the image with fill_mode='constant'.
        data_format: 'channels_last' (default) or 'channels_first'.

    >>> RandomRotation(0.1, seed=0)(np.ones((2, 8, 8, 3))).shape
    (2, 8, 8, 3)
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = factor_range(factor, (-1, 1), "RandomRotation")

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        n = self._batch_size(images)
        height, width = self._height_width(images)
        angle = self._generator_for(seed).uniform(self.factor[0] * 360.0,
                                                  self.factor[1] * 360.0, size=(n,))
        matrix = affine_matrix(angle, height, width).astype(np.float32)
        if len(images.shape) == 3:
            matrix = matrix[0]
        return {"angle": angle.astype(np.float32), "rotation_matrix": matrix,
                "image_height": height, "image_width": width, "batch_size": n}

    def _matrix(self, transformation, images):
        return host(transformation["rotation_matrix"])

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Boxes (batch, boxes, 4) replaced by the smallest boxes around the rotated ones,
        clipped to the image (labels of boxes left empty become -1)."""
        if not training or transformation is None:
            return bounding_boxes
        height, width = transformation["image_height"], transformation["image_width"]
        angle = host(transformation["angle"]).reshape(-1).astype(np.float32)
        zeros, ones = np.zeros_like(angle), np.ones_like(angle)
        fmt = self.bounding_box_format
        xyxy = boxes.convert_format(bounding_boxes["boxes"], fmt, "xyxy", height, width)
        turned = boxes.affine_transform(xyxy, angle, zeros, zeros, ones, zeros, zeros, height,
                                        width)
        return _clipped(bounding_boxes, turned, fmt, height, width)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor}


def _signed_range(factor, layer: str, name: str, low_open: bool) -> tuple:
    """A zoom/translation factor: a pair in [-1, 1] (zoom: (-1, 1]) or f giving (-|f|, |f|)."""
    message = (f"{layer}: `{name}` must be a number or a pair of numbers in "
               f"{'(-1, 1]' if low_open else '[-1, 1]'}, received {factor!r}")
    values = factor if isinstance(factor, (list, tuple)) else [factor]
    if len(values) not in (1, 2) or isinstance(factor, (list, tuple)) and len(values) != 2:
        raise ValueError(message)
    for v in values:
        if not is_number(v) or v > 1.0 or v < -1.0 or (low_open and v == -1.0):
            raise ValueError(message)
    if len(values) == 2:
        lower, upper = sorted(values)
        return lower, upper
    return -abs(factor), abs(factor)


class RandomZoom(_AffineLayer):
    """Zooms each image in or out about its centre by a random amount during training.

    Args:
        height_factor: a number f (zoom factors 1 + [-f, f]) or a pair (lower, upper) in
            (-1, 1]; positive values zoom out (the image shrinks), negative zoom in.
        width_factor: the same for the width; None (default) zooms both axes alike.
        fill_mode, interpolation, seed, fill_value, data_format: as RandomRotation.

    >>> RandomZoom((-0.5, -0.5))(np.ones((1, 8, 8, 1))).shape  # a fixed 2x zoom in
    (1, 8, 8, 1)
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = _signed_range(height_factor, "RandomZoom",
                                                             "height_factor", True)
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = _signed_range(width_factor, "RandomZoom",
                                                               "width_factor", True)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = (self._batch_size(images), 1)
        generator = self._generator_for(seed)
        height_zoom = generator.uniform(1.0 + self.height_lower, 1.0 + self.height_upper, shape)
        width_zoom = height_zoom if self.width_factor is None else generator.uniform(
            1.0 + self.width_lower, 1.0 + self.width_upper, shape)
        return {"height_zoom": height_zoom.astype(np.float32),
                "width_zoom": width_zoom.astype(np.float32), "input_shape": images.shape}

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Boxes (batch, boxes, 4) cut to the part of the image still in view and scaled with
        it (labels of boxes out of view become -1)."""
        if not training or transformation is None:
            return bounding_boxes
        height, width = self._height_width(transformation["input_shape"])
        matrix = self._matrix(transformation, transformation["input_shape"])
        zx, ox, zy, oy = (matrix[:, i].reshape(-1, 1, 1) for i in (0, 2, 4, 5))
        start = np.concatenate([ox, oy, ox, oy], axis=-1)  # where (0, 0) reads from
        end = np.concatenate([zx * width + ox, zy * height + oy] * 2, axis=-1)
        fmt = self.bounding_box_format
        xyxy = boxes.convert_format(bounding_boxes["boxes"], fmt, "xyxy", height, width)
        inside = ops.subtract(ops.minimum(ops.maximum(xyxy, start), end), start)
        relative = ops.divide(inside, end - start)
        out = boxes.clip_to_image_size(dict(bounding_boxes, boxes=relative),
                                       bounding_box_format="rel_xyxy")
        return boxes.convert_format(out, "rel_xyxy", fmt, height, width)

    def _matrix(self, transformation, images):
        zx = np.asarray(host(transformation["width_zoom"]), np.float32).reshape(-1, 1)
        zy = np.asarray(host(transformation["height_zoom"]), np.float32).reshape(-1, 1)
        height, width = self._height_width(images)
        zeros = np.zeros_like(zx)
        return np.concatenate([zx, zeros, (width - 1.0) / 2.0 * (1.0 - zx), zeros, zy,
                               (height - 1.0) / 2.0 * (1.0 - zy), zeros, zeros], axis=1)

    def get_config(self) -> dict:
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor, "seed": self.seed}


class RandomTranslation(_AffineLayer):
    """Shifts each image by a random fraction of its height and width during training.

    Args:
        height_factor: a number f (shifts in [-f, f] * height) or a pair (lower, upper) in
            [-1, 1]; positive values move the image down.
        width_factor: the same along the width; positive values move it right.
        fill_mode, interpolation, seed, fill_value, data_format: as RandomRotation.

    >>> RandomTranslation((0.25, 0.25), 0.0)(np.ones((1, 4, 4, 1))).shape
    (1, 4, 4, 1)
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = _signed_range(
            height_factor, "RandomTranslation", "height_factor", False)
        self.width_factor = width_factor
        self.width_lower, self.width_upper = _signed_range(
            width_factor, "RandomTranslation", "width_factor", False)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = (self._batch_size(images), 1)
        height, width = self._height_width(images)
        generator = self._generator_for(seed)
        dy = generator.uniform(self.height_lower, self.height_upper, shape) * height
        dx = generator.uniform(self.width_lower, self.width_upper, shape) * width
        return {"translations": np.concatenate([dx, dy], axis=1).astype(np.float32),
                "input_shape": images.shape}

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Boxes (batch, boxes, 4) moved with their images and clipped to them (labels of
        boxes pushed out become -1)."""
        if not training or transformation is None:
            return bounding_boxes
        height, width = self._height_width(transformation["input_shape"])
        shifts = host(transformation["translations"]).astype(np.float32).reshape(-1, 1, 2)
        fmt = self.bounding_box_format
        xyxy = boxes.convert_format(bounding_boxes["boxes"], fmt, "xyxy", height, width)
        moved = ops.add(xyxy, np.concatenate([shifts, shifts], axis=-1))
        return _clipped(bounding_boxes, moved, fmt, height, width)

    def _matrix(self, transformation, images):
        shifts = np.asarray(host(transformation["translations"]), np.float32).reshape(-1, 2)
        ones, zeros = np.ones_like(shifts[:, :1]), np.zeros_like(shifts[:, :1])
        return np.concatenate([ones, zeros, -shifts[:, :1], zeros, ones, -shifts[:, 1:], zeros,
                               zeros], axis=1)

    def get_config(self) -> dict:
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor, "seed": self.seed}


class RandomShear(_AffineLayer):
    """Shears each image along x and y by random amounts (with a random sign) in training.

    Args:
        x_factor: a number f in [0, 1] (shear in [-f, f]) or a pair (lower, upper) in [0, 1]:
            the horizontal shift per row, as a multiple of the row index.
        y_factor: the same vertically.
        interpolation, fill_mode, fill_value, data_format, seed: as RandomRotation.

    >>> RandomShear(x_factor=0.2, seed=0)(np.ones((1, 6, 6, 1))).shape
    (1, 6, 6, 1)
    """

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear",
                 fill_mode="reflect", fill_value=0.0, data_format=None, seed=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.x_factor = self._shear_range(x_factor, "x_factor")
        self.y_factor = self._shear_range(y_factor, "y_factor")

    @staticmethod
    def _shear_range(factor, name):
        # A pair may reach into [-1, 0): the (-f, f) a number becomes, as get_config writes
        # it, must load again (Keras 3.15.1 refuses its own saved config here).
        pair = isinstance(factor, (list, tuple))
        values = list(factor) if pair else [factor]
        low = -1.0 if pair else 0.0
        if (pair and len(values) != 2) or not all(
                is_number(v) and low <= v <= 1.0 for v in values):
            raise ValueError(f"RandomShear: `{name}` must be a number in [0, 1] or a pair of "
                             f"numbers, received {factor!r}")
        if pair:
            lower, upper = sorted(values)
            return lower, upper
        return -abs(factor), abs(factor)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = (self._batch_size(images), 1)
        generator = self._generator_for(seed)
        sign = np.where(generator.uniform(0.0, 1.0, shape) > 0.5, -1.0, 1.0)
        shear_y = generator.uniform(self.y_factor[0], self.y_factor[1], shape)
        shear_x = generator.uniform(self.x_factor[0], self.x_factor[1], shape)
        shear = np.concatenate([shear_x, shear_y], axis=1) * sign
        return {"shear_factor": shear.astype(np.float32), "input_shape": images.shape}

    def _matrix(self, transformation, images):
        shear = np.asarray(host(transformation["shear_factor"]), np.float32).reshape(-1, 2)
        ones, zeros = np.ones_like(shear[:, 0]), np.zeros_like(shear[:, 0])
        return np.stack([ones, shear[:, 0], zeros, shear[:, 1], ones, zeros, zeros, zeros],
                        axis=1)

    def get_config(self) -> dict:
        return {**super().get_config(), "x_factor": self.x_factor, "y_factor": self.y_factor,
                "seed": self.seed}

