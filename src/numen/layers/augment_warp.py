"""Random crops and non-affine warps: RandomCrop, RandomPerspective, RandomElasticTransform.

Transformations use Keras 3's forms: RandomCrop's is the (top, left) corner of the crop, and
the others are dicts ('apply_perspective', 'start_points', 'end_points'; 'apply_transform',
'distortion_factor', 'seed').
"""

from __future__ import annotations

import numpy as np

from numen import backend, ops
from numen.layers import augment_boxes as boxes
from numen.layers.augment_base import (
    ImageAugmentation,
    choose,
    device,
    factor_range,
    host,
    is_number,
    value_range_of,
)
from numen.layers.validate import positive_int
from numen.ops import image

_INTERPOLATIONS = ("nearest", "bilinear")
_ELASTIC_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _where_images(apply, transformed, images):
    """Per-image choice between two batches (`apply` is one bool per image)."""
    mask = device(apply).astype(bool).reshape((-1,) + (1,) * (images.ndim - 1))
    return ops.where(mask, transformed, images)


class RandomCrop(ImageAugmentation):
    """Crops a random `height` x `width` window (one per batch) during training. At inference,
    and for images no larger than the window, the largest centred window of the target's
    aspect ratio is cropped and resized to `height` x `width`.

    That is Keras 3's documented behaviour; Keras 3.15.1 itself returns the images unchanged
    at inference, which breaks the layers after it in a model (their shapes were built for the
    crop), so numen follows the documentation.

    Args:
        height, width: the size of the crop.
        seed: an int for repeatable crops (Keras fills a random int in when None).
        data_format: 'channels_last' (default) or 'channels_first'.

    >>> RandomCrop(2, 3, seed=0)(np.ones((4, 5, 6, 3))).shape
    (4, 2, 3, 3)
    """

    _BOXES_STAY = False

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, name=name, **kwargs)
        self.height = positive_int(height, "height")
        self.width = positive_int(width, "width")
        if seed is None:  # Keras records a random default seed in the config
            self.seed = int(backend.rng().integers(0, 2**30))

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        height, width = self._height_width(images)
        if training and height > self.height and width > self.width:
            generator = self._generator_for(seed)
            top = int(generator.uniform(0, float(height - self.height + 1)))
            left = int(generator.uniform(0, float(width - self.width + 1)))
            return top, left
        crop_height = max(min(height, int(float(width * self.height) / self.width)), 1)
        crop_width = max(min(width, int(float(height * self.width) / self.height)), 1)
        return int(float(height - crop_height) / 2), int(float(width - crop_width) / 2)

    def call(self, data, training=True):
        images = self._images_of(data)
        corner = self.get_random_transformation(data, training=bool(training))
        out = self.transform_images(images, corner) if training else self._centre(images)
        if not isinstance(data, dict):
            return out
        result = dict(data, images=out)
        if "bounding_boxes" in data:
            if not self.bounding_box_format:
                raise ValueError(f"Layer '{self.name}' received 'bounding_boxes' but no "
                                 f"`bounding_box_format`")
            window = corner if training else self._window(images)
            result["bounding_boxes"] = self._boxes(data["bounding_boxes"], window,
                                                   images.ndim == 3)
        if "segmentation_masks" in data:
            masks = data["segmentation_masks"]
            result["segmentation_masks"] = self.transform_segmentation_masks(
                masks, corner) if training else self._centre(masks)
        return result

    def transform_images(self, images, transformation, training=True):
        images = self._float(images)
        if not training:
            return images
        top, left = (int(v) for v in transformation)
        window = (slice(top, top + self.height), slice(left, left + self.width))
        index = (Ellipsis,) + window + ((slice(None),) if self.data_format == "channels_last"
                                        else ())
        images = images[index]
        if self._height_width(images) != (self.height, self.width):
            images = ops.cast(image.resize(images, (self.height, self.width),
                                           data_format=self.data_format), self.dtype)
        return images

    def _window(self, images):
        """(top, left, height, width) of the largest centred window of the target's aspect."""
        height, width = self._height_width(images)
        crop_height = max(min(height, int(float(width * self.height) / self.width)), 1)
        crop_width = max(min(width, int(float(height * self.width) / self.height)), 1)
        return (height - crop_height) // 2, (width - crop_width) // 2, crop_height, crop_width

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Boxes in the crop's coordinates, clipped to it (labels of boxes left outside
        become -1); a centre window (top, left, height, width) is also rescaled to the
        target size. Relative formats are read against the target size, as in Keras."""
        top, left = (int(v) for v in transformation[:2])
        crop_height, crop_width = (transformation[2:] if len(transformation) == 4
                                   else (self.height, self.width))
        fmt = self.bounding_box_format
        xyxy = boxes.convert_format(bounding_boxes["boxes"], fmt, "xyxy", self.height,
                                    self.width)
        xyxy = boxes.crop(xyxy, top, left, crop_height, crop_width)
        if (crop_height, crop_width) != (self.height, self.width):
            sx, sy = self.width / crop_width, self.height / crop_height
            xyxy = ops.multiply(xyxy, np.array([sx, sy, sx, sy], np.float32))
        out = boxes.clip_to_image_size(dict(bounding_boxes, boxes=xyxy), self.height,
                                       self.width, "xyxy")
        return boxes.convert_format(out, "xyxy", fmt, self.height, self.width)

    def _centre(self, images):
        """The largest centred window of the target's aspect ratio, resized to the target."""
        top, left, crop_height, crop_width = self._window(images)
        window = (slice(top, top + crop_height), slice(left, left + crop_width))
        index = (Ellipsis,) + window + ((slice(None),) if self.data_format == "channels_last"
                                        else ())
        x = self._float(images)[index]
        if (crop_height, crop_width) == (self.height, self.width):
            return x
        return ops.cast(image.resize(x, (self.height, self.width),
                                     data_format=self.data_format), self.dtype)

    def transform_segmentation_masks(self, masks, transformation, training=True):
        return self.transform_images(masks, transformation, training)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        axes = (-3, -2) if self.data_format == "channels_last" else (-2, -1)
        shape[axes[0]], shape[axes[1]] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width}


def _unit_probability(layer, factor):
    return factor_range(factor, (0, 1), layer)


class RandomPerspective(ImageAugmentation):
    """Warps images, each with probability drawn from `factor`, by moving the four corners
    by up to `scale / 2` of the image size (a perspective transform) during training.

    Args:
        factor: the probability of warping an image: a number in [0, 1] (range [0, factor])
            or a pair (lower, upper).
        scale: in [0, 1]; how far the corners move.
        interpolation: 'bilinear' (default) or 'nearest'.
        fill_value: the value of pixels read from outside the image.
        seed, data_format: as RandomRotation.

    >>> RandomPerspective(seed=0)(np.ones((2, 6, 6, 1))).shape
    (2, 6, 6, 1)
    """

    _BOXES_STAY = False

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0,
                 seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _unit_probability("RandomPerspective", factor)
        if not is_number(scale) or not 0.0 <= scale <= 1.0:
            raise ValueError(f"RandomPerspective: `scale` must be a number in [0, 1], received "
                             f"{scale!r}")
        self.scale = scale
        self.interpolation = choose(interpolation, _INTERPOLATIONS, "interpolation",
                                    "RandomPerspective")
        self.fill_value = fill_value

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        n = self._batch_size(images)
        height, width = self._height_width(images)
        generator = self._generator_for(seed)
        probability = generator.uniform(self.factor[0], self.factor[1], size=(n,))
        apply = generator.uniform(0.0, 1.0, size=(n,)) < probability
        shift = generator.uniform(-0.5 * self.scale, 0.5 * self.scale, size=(n, 4, 2))
        start = np.array([[[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1],
                           [width - 1, height - 1]]], dtype=np.float32).repeat(n, axis=0)
        end = (start + start * shift).astype(np.float32)
        return {"apply_perspective": apply, "start_points": start, "end_points": end,
                "input_shape": images.shape}

    def transform_images(self, images, transformation, training=True):
        images = self._float(images)
        if not training or transformation is None:
            return images
        batched = images if images.ndim == 4 else ops.expand_dims(images, 0)
        warped = image.perspective_transform(
            batched, host(transformation["start_points"]), host(transformation["end_points"]),
            interpolation=self.interpolation, fill_value=self.fill_value,
            data_format=self.data_format)
        out = _where_images(transformation["apply_perspective"], warped, batched)
        return out if images.ndim == 4 else ops.squeeze(out, 0)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_value": self.fill_value}


class RandomElasticTransform(ImageAugmentation):
    """Displaces pixels by a smooth random field (`ops.image.elastic_transform`), each image
    with probability drawn from `factor`, then clips to `value_range`, during training.

    The field's strength is `alpha = 0.1 * s * max(H, W)` and smoothness
    `sigma = 0.05 * s * min(H, W)`, with `s` drawn from `scale`.

    Args:
        factor: the probability of transforming an image (a number in [0, 1] or a pair).
        scale: a number in [0, 1] or a pair: the distortion strength.
        interpolation: 'bilinear' (default) or 'nearest'.
        fill_mode: 'reflect' (default), 'constant', 'nearest', 'wrap' or 'mirror'.
        fill_value: the value outside the image with fill_mode='constant'.
        value_range: [low, high] of the pixels (default (0, 255)).
        seed, data_format: as RandomRotation.

    >>> RandomElasticTransform(seed=0)(np.ones((1, 8, 8, 1))).shape
    (1, 8, 8, 1)
    """

    _BOXES_STAY = False

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        layer = "RandomElasticTransform"
        self.factor = _unit_probability(layer, factor)
        self.scale = factor_range(scale, (0, 1), layer, "scale")
        self.interpolation = choose(interpolation, _INTERPOLATIONS, "interpolation", layer)
        self.fill_mode = choose(fill_mode, _ELASTIC_FILL_MODES, "fill_mode", layer)
        self.fill_value = fill_value
        self.value_range = value_range_of(value_range, layer, sort=False)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return None
        images = data["images"] if isinstance(data, dict) else data
        n = self._batch_size(images)
        generator = self._generator_for(seed)
        probability = generator.uniform(self.factor[0], self.factor[1], size=(n,))
        apply = generator.uniform(0.0, 1.0, size=(n,)) < probability
        distortion = np.float32(generator.uniform(self.scale[0], self.scale[1]))
        return {"apply_transform": apply, "distortion_factor": distortion,
                "seed": int(generator.integers(0, 2**31 - 1))}

    def transform_images(self, images, transformation, training=True):
        images = self._float(images)
        if not training or transformation is None:
            return images
        height, width = self._height_width(images)
        strength = float(host(transformation["distortion_factor"]))
        alpha = max(height, width) * 0.1 * strength
        sigma = min(height, width) * 0.05 * strength
        if sigma <= 0:
            return ops.clip(images, self.value_range[0], self.value_range[1])
        warped = image.elastic_transform(
            images, alpha=alpha, sigma=sigma, interpolation=self.interpolation,
            fill_mode=self.fill_mode, fill_value=self.fill_value,
            seed=transformation.get("seed"), data_format=self.data_format)
        if images.ndim == 4:
            warped = _where_images(transformation["apply_transform"], warped, images)
        elif not bool(host(transformation["apply_transform"]).reshape(-1)[0]):
            warped = images
        return ops.clip(warped, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "value_range": self.value_range}
