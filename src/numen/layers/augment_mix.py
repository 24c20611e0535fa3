"""Augmentations that mix images or paint over regions: MixUp, CutMix, RandomErasing,
RandomGaussianBlur, and MaxNumBoundingBoxes (bounding-box padding; images pass through).

MixUp and CutMix also mix one-hot labels given as `{"images": x, "labels": y}`.
Transformations are Keras 3's dicts.
"""

from __future__ import annotations

import numpy as np

from numen import ops
from numen.autodiff import as_tensor
from numen.layers.augment_base import (
    ImageAugmentation,
    device,
    factor_range,
    host,
    is_number,
    value_range_of,
)
from numen.ops import image


def _per_image_mask(apply, ndim):
    return device(apply).astype(bool).reshape((-1,) + (1,) * (ndim - 1))


def _box_masks(layer, images_shape, x0, x1, y0, y1):
    """(N, H, W, C) (or channels-first) masks of the boxes [x0, x1) x [y0, y1) per image."""
    height, width = layer._height_width(images_shape)
    rows = np.arange(height, dtype=np.float32)[None, :, None]
    cols = np.arange(width, dtype=np.float32)[None, None, :]
    inside = ((cols >= x0[:, None, None]) & (cols < x1[:, None, None])
              & (rows >= y0[:, None, None]) & (rows < y1[:, None, None]))
    channels = images_shape.shape[-1 if layer.data_format == "channels_last" else -3]
    if layer.data_format == "channels_last":
        return np.repeat(inside[..., None], channels, axis=-1)
    return np.repeat(inside[:, None], channels, axis=1)


def _crop_bounds(generator, n, length, ratio):
    """(start, end) of a window `ratio * length` long at a uniform position, per image."""
    size = (ratio * length).astype(np.float32)
    start = generator.uniform(0.0, 1.0, n).astype(np.float32) * (length - size)
    return start, start + size


class MixUp(ImageAugmentation):
    """Blends each image (and its label) with another image of the batch during training:
    `w x + (1 - w) x[perm]`, `w ~ Beta(alpha, alpha)` per image.

    Args:
        alpha: the Beta distribution's parameter (default 0.2).
        data_format, seed: as the other augmentation layers.

    >>> MixUp(seed=0)({"images": np.ones((4, 2, 2, 3)), "labels": np.eye(4)})["labels"].shape
    (4, 4)
    """

    _BOXES_STAY = False

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if not is_number(alpha) or alpha <= 0:
            raise ValueError(f"MixUp: `alpha` must be a positive number, received {alpha!r}")
        self.alpha = alpha

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        n = self._batch_size(images)
        generator = self._generator_for(seed)
        order = generator.permutation(n).astype(np.int64)
        weight = generator.beta(self.alpha, self.alpha, n).astype(np.float32)
        return {"mix_weight": weight, "permutation_order": order}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training:
            return images
        weight = device(transformation["mix_weight"]).astype(images.data.dtype).reshape(
            -1, 1, 1, 1)
        others = ops.take(images, device(transformation["permutation_order"]), axis=0)
        return ops.add(ops.multiply(weight, images), ops.multiply(1.0 - weight, others))

    def transform_labels(self, labels, transformation, training=True):
        if not training:
            return labels
        labels = as_tensor(labels)
        weight = device(transformation["mix_weight"]).reshape(-1, 1)
        others = ops.take(labels, device(transformation["permutation_order"]), axis=0)
        return ops.add(ops.multiply(weight, labels), ops.multiply(1.0 - weight, others))

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha}


class CutMix(ImageAugmentation):
    """Pastes a random box from another image of the batch into each image during training,
    and mixes the labels by the pasted area.

    Args:
        factor: the range of the Beta parameter the box area is drawn with: a number in
            [0, 1] (range [0, factor]) or a pair.
        seed, data_format: as the other augmentation layers.

    >>> CutMix(seed=0)(np.ones((4, 6, 6, 3))).shape
    (4, 6, 6, 3)
    """

    _BOXES_STAY = False

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = factor_range(factor, (0, 1), "CutMix")

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        if not training or len(images.shape) == 3:
            return None
        n = images.shape[0]
        height, width = self._height_width(images)
        generator = self._generator_for(seed)
        alpha = generator.uniform(self.factor[0], self.factor[1]) + 1e-6
        ratio = np.sqrt(1.0 - generator.beta(alpha, alpha, n))
        x0, x1 = _crop_bounds(generator, n, width, ratio)
        y0, y1 = _crop_bounds(generator, n, height, ratio)
        masks = _box_masks(self, images, x0, x1, y0, y1)
        weight = (1.0 - (x1 - x0) * (y1 - y0) / (width * height)).astype(np.float32)
        order = generator.permutation(n).astype(np.int32)
        return {"permutation_order": order, "batch_masks": masks,
                "mix_weight": weight.reshape(-1, 1, 1, 1)}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training or transformation is None:
            return images
        others = ops.take(images, device(transformation["permutation_order"]), axis=0)
        return ops.where(device(transformation["batch_masks"]).astype(bool), others, images)

    def transform_labels(self, labels, transformation, training=True):
        if not training or transformation is None:
            return labels
        labels = as_tensor(labels)
        weight = device(transformation["mix_weight"]).reshape(-1, 1)
        others = ops.take(labels, device(transformation["permutation_order"]), axis=0)
        return ops.add(ops.multiply(weight, labels), ops.multiply(1.0 - weight, others))

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor}


class RandomErasing(ImageAugmentation):
    """Fills a random box of each image, with a probability drawn from `factor`, with
    `fill_value` (or Gaussian noise scaled to the range) during training.

    Args:
        factor: the probability of erasing, a number in [0, 1] (range [0, factor]) or a pair.
        scale: the box's side fractions are square roots of draws from this range
            (default (0.02, 0.33)).
        fill_value: a number, three numbers (per channel), or None (default) for noise.
        value_range: [low, high]; fill values are clipped to it.
        seed, data_format: as the other augmentation layers.

    >>> RandomErasing(fill_value=0.0, seed=0)(np.ones((2, 8, 8, 3))).shape
    (2, 8, 8, 3)
    """

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255),
                 seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = factor_range(factor, (0, 1), "RandomErasing")
        self.scale = factor_range(scale, (0, 1), "RandomErasing", "scale")
        ok = fill_value is None or is_number(fill_value) or (
            isinstance(fill_value, (list, tuple)) and len(fill_value) == 3
            and all(is_number(v) for v in fill_value))
        if not ok:
            raise ValueError(f"RandomErasing: `fill_value` must be None, a number or a list of "
                             f"three numbers, received {fill_value!r}")
        self.fill_value = fill_value
        self.value_range = value_range_of(value_range, "RandomErasing", sort=False)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        n = self._batch_size(images)
        height, width = self._height_width(images)
        generator = self._generator_for(seed)
        sides = np.sqrt(generator.uniform(self.scale[0], self.scale[1], (n, 2)))
        x0, x1 = _crop_bounds(generator, n, width, sides[:, 0])
        y0, y1 = _crop_bounds(generator, n, height, sides[:, 1])
        batch_shape = images.shape if len(images.shape) == 4 else (1,) + tuple(images.shape)
        masks = _box_masks(self, np.empty(batch_shape, np.bool_), x0, x1, y0, y1)
        probability = generator.uniform(self.factor[0], self.factor[1], n)
        apply = generator.uniform(0.0, 1.0, n) < probability
        if self.fill_value is None:
            fill = generator.standard_normal(batch_shape) * self.value_range[1]
        else:
            fill = np.broadcast_to(np.asarray(self.fill_value, np.float32), batch_shape)
        fill = np.clip(fill, self.value_range[0], self.value_range[1]).astype(np.float32)
        return {"apply_erasing": apply, "batch_masks": masks, "fill_value": fill}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training or transformation is None:
            return images
        x = images if images.ndim == 4 else ops.expand_dims(images, 0)
        fill = device(transformation["fill_value"]).astype(x.data.dtype)
        erased = ops.where(device(transformation["batch_masks"]).astype(bool), fill, x)
        y = ops.where(_per_image_mask(transformation["apply_erasing"], 4), erased, x)
        return y if images.ndim == 4 else ops.squeeze(y, 0)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "fill_value": self.fill_value, "value_range": self.value_range}


class RandomGaussianBlur(ImageAugmentation):
    """Blurs each image, with a probability drawn from `factor`, by a Gaussian kernel whose
    standard deviations (one per axis, shared by the batch) are drawn from `sigma`, during
    training; the result is clipped to `value_range`.

    Args:
        factor: the probability of blurring, in [0, 1] (range [0, factor]) or a pair.
        kernel_size: an odd int or a pair of odd ints (default 3).
        sigma: a number in [0, 1] (range [0, sigma]) or a pair (default 1.0).
        value_range: [low, high] of the pixels (default (0, 255)).
        data_format, seed: as the other augmentation layers.

    >>> RandomGaussianBlur(seed=0)(np.ones((2, 5, 5, 3))).shape
    (2, 5, 5, 3)
    """

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = factor_range(factor, (0, 1), "RandomGaussianBlur")
        sizes = list(kernel_size) if isinstance(kernel_size, (list, tuple)) else [kernel_size,
                                                                                 kernel_size]
        if len(sizes) != 2 or not all(is_number(k) and k > 0 and k % 2 == 1 for k in sizes):
            raise ValueError(f"RandomGaussianBlur: `kernel_size` must be an odd int or a pair of "
                             f"odd ints, received {kernel_size!r}")
        self.kernel_size = tuple(sizes)
        self.sigma = factor_range(sigma, (0, 1), "RandomGaussianBlur", "sigma")
        self.value_range = value_range_of(value_range, "RandomGaussianBlur", sort=False)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        n = self._batch_size(images)
        generator = self._generator_for(seed)
        probability = generator.uniform(self.factor[0], self.factor[1], n)
        apply = generator.uniform(0.0, 1.0, n) < probability
        sigma = generator.uniform(self.sigma[0], self.sigma[1], 2) + 1e-6
        return {"should_apply_blur": apply, "blur_factor": sigma.astype(np.float32)}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training or transformation is None:
            return images
        sigma = tuple(float(s) for s in host(transformation["blur_factor"]).reshape(-1))
        blurred = image.gaussian_blur(images, kernel_size=self.kernel_size, sigma=sigma,
                                      data_format=self.data_format)
        mask = _per_image_mask(transformation["should_apply_blur"], 4)
        y = ops.where(mask if images.ndim == 4 else mask[0], blurred, images)
        return ops.clip(y, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "kernel_size": self.kernel_size,
                "sigma": self.sigma, "value_range": self.value_range}


class MaxNumBoundingBoxes(ImageAugmentation):
    """Pads or truncates bounding boxes to `max_number` per image (boxes and labels filled
    with `fill_value`); images pass through unchanged.

    Args:
        max_number: the number of boxes per image afterwards.
        fill_value: the value of padded boxes and labels (default -1).

    >>> out = MaxNumBoundingBoxes(3)({"images": np.ones((1, 4, 4, 3)), "bounding_boxes": {
    ...     "boxes": np.zeros((1, 1, 4)), "labels": np.zeros((1, 1))}})
    >>> out["bounding_boxes"].get("boxes").shape
    (1, 3, 4)
    """

    def __init__(self, max_number, fill_value=-1, **kwargs):
        super().__init__(**kwargs)
        if not is_number(max_number) or int(max_number) < 1:
            raise ValueError(f"MaxNumBoundingBoxes: `max_number` must be a positive int, "
                             f"received {max_number!r}")
        self.max_number = int(max_number)
        self.fill_value = int(fill_value)

    def call(self, data, training=True):
        if not isinstance(data, dict):
            return data
        out = dict(data)
        if "bounding_boxes" in data:
            out["bounding_boxes"] = self.transform_bounding_boxes(data["bounding_boxes"], None)
        return out

    def transform_images(self, images, transformation=None, training=True):
        return images

    def transform_bounding_boxes(self, bounding_boxes, transformation=None, training=True):
        boxes = as_tensor(bounding_boxes["boxes"])
        labels = as_tensor(bounding_boxes["labels"])
        pad = max(self.max_number - boxes.shape[1], 0)
        boxes = ops.pad(boxes[:, :self.max_number], [[0, 0], [0, pad], [0, 0]],
                        constant_values=self.fill_value)
        labels = ops.pad(labels[:, :self.max_number], [[0, 0], [0, pad]],
                         constant_values=self.fill_value)
        return dict(bounding_boxes, boxes=boxes, labels=labels)

    def get_config(self) -> dict:
        config = {**super().get_config(), "max_number": self.max_number}
        config.pop("seed")  # nothing random: Keras's config has no seed
        return config
