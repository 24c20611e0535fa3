"""Random colour augmentation: RandomGrayscale, RandomHue, RandomSaturation, RandomSharpness,
RandomColorDegeneration, RandomInvert, RandomPosterization, Solarization and
RandomColorJitter, with Keras 3's factor forms and transformations.
"""

from __future__ import annotations

import numpy as np

from numen import ops
from numen.layers.augment_base import (
    ImageAugmentation,
    device,
    factor_range,
    is_number,
    rescale,
    value_range_of,
)
from numen.layers.augmentation import RandomBrightness, RandomContrast
from numen.ops import image

_EPSILON = 1e-7  # keras.config.epsilon(), in the saturation factor f / (1 - f)


def _per_image(value, images):
    """A per-image value (shape (N,) or (N, 1, 1, 1)) shaped to broadcast over the images."""
    v = device(value).reshape(-1)
    return v.reshape((-1, 1, 1, 1) if images.ndim == 4 else (1, 1, 1))


def _channel_axis(layer):
    return -1 if layer.data_format == "channels_last" else -3


def _split_hsv(layer, hsv):
    axis = _channel_axis(layer)
    return [ops.take(hsv, i, axis=axis) for i in range(3)]


def _stack_hsv(layer, planes):
    return ops.stack(planes, axis=_channel_axis(layer))


class _ColorLayer(ImageAugmentation):
    """A `factor` read as Keras does (within `_BOUNDS`), a `value_range`, and one uniform
    draw per image."""

    _BOUNDS = (-1, 1)
    _SORT_RANGE = True

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        layer = type(self).__name__
        self.factor = factor_range(factor, self._BOUNDS, layer)
        self.value_range = value_range_of(value_range, layer, sort=self._SORT_RANGE)

    def _draw(self, data, seed, shape=None):
        images = data["images"] if isinstance(data, dict) else data
        size = shape or (self._batch_size(images),)
        return self._generator_for(seed).uniform(self.factor[0], self.factor[1], size)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomGrayscale(ImageAugmentation):
    """Turns each image grey (the luma of its RGB, repeated over the channels) with
    probability `factor` during training.

    Args:
        factor: the probability, in [0, 1] (default 0.5).
        data_format, seed: as the other augmentation layers.

    >>> RandomGrayscale(1.0)(np.ones((2, 4, 4, 3))).shape
    (2, 4, 4, 3)
    """

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if not is_number(factor) or not 0 <= factor <= 1:
            raise ValueError(f"RandomGrayscale: `factor` must be a number in [0, 1], "
                             f"received {factor!r}")
        self.factor = factor

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        draw = self._generator_for(seed).uniform(0.0, 1.0, (self._batch_size(images),))
        return (draw < self.factor).reshape(-1, 1, 1, 1)

    def transform_images(self, images, transformation, training=True):
        images = self._float(images)
        if not training:
            return images
        if transformation is None:
            transformation = self.get_random_transformation(images)
        apply = device(transformation).astype(bool).reshape(-1, 1, 1, 1)
        if images.ndim == 3:
            apply = apply[0]
        grey = image.rgb_to_grayscale(images, data_format=self.data_format)
        return ops.where(apply, grey, images)

    def get_config(self) -> dict:
        config = {**super().get_config(), "factor": self.factor}
        config.pop("seed")  # as Keras 3.15.1, whose config leaves the seed out
        return config


class RandomHue(_ColorLayer):
    """Rotates each image's hue by a random amount (up to `factor / 2` of a turn, either
    way) during training.

    Args:
        factor: a number in [0, 1] (range [0, factor]) or a pair (lower, upper).
        value_range: [low, high] of the pixels (default (0, 255)).

    >>> RandomHue(0.5, value_range=(0, 1), seed=0)(np.random.rand(2, 4, 4, 3)).shape
    (2, 4, 4, 3)
    """

    _BOUNDS = (0, 1)
    _SORT_RANGE = False

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        generator = self._generator_for(seed)
        n = self._batch_size(images)
        sign = np.where(generator.uniform(0.0, 1.0, (n,)) > 0.5, -1.0, 1.0)
        factor = generator.uniform(self.factor[0], self.factor[1], (n,))
        return {"factor": (sign * factor * 0.5).astype(np.float32)}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training:
            return images
        x = rescale(images, self.value_range, (0, 1))
        hsv = image.rgb_to_hsv(x, data_format=self.data_format)
        h, s, v = _split_hsv(self, hsv)
        shift = device(transformation["factor"]).astype(h.data.dtype).reshape(
            (-1, 1, 1) if images.ndim == 4 else (1, 1))
        if images.ndim == 3:
            shift = shift[0]
        h = ops.add(h, shift)
        h = ops.where(ops.greater(h, 1.0), ops.subtract(h, 1.0), h)
        h = ops.where(ops.less(h, 0.0), ops.add(h, 1.0), h)
        rgb = ops.clip(image.hsv_to_rgb(_stack_hsv(self, [h, s, v]),
                                        data_format=self.data_format), 0.0, 1.0)
        return rescale(rgb, (0, 1), self.value_range)


class RandomSaturation(_ColorLayer):
    """Scales each image's saturation by `f / (1 - f)`, `f` drawn from `factor`, during
    training (0.5 keeps it, 0 removes colour, values near 1 saturate fully).

    Args:
        factor: a number f in [-1, 1] (range [-|f|, |f|], as Keras reads it) or a pair.
        value_range: [low, high]; the scaled saturation is clipped to it.

    >>> RandomSaturation((0.5, 0.5))(np.random.rand(1, 4, 4, 3)).shape
    (1, 4, 4, 3)
    """

    def get_random_transformation(self, data, training=True, seed=None):
        factor = self._draw(data, seed)
        return {"factor": (factor / (1.0 - factor + _EPSILON)).astype(np.float32)}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training:
            return images
        h, s, v = _split_hsv(self, image.rgb_to_hsv(images, data_format=self.data_format))
        factor = device(transformation["factor"]).astype(s.data.dtype).reshape(
            (-1, 1, 1) if images.ndim == 4 else (1, 1))
        if images.ndim == 3:
            factor = factor[0]
        s = ops.clip(ops.multiply(s, factor), self.value_range[0], self.value_range[1])
        return image.hsv_to_rgb(_stack_hsv(self, [h, s, v]), data_format=self.data_format)


class RandomSharpness(_ColorLayer):
    """Blends each image with a 3x3 smoothed copy during training: the drawn factor `f`
    gives `x + (1 - 2 f) * (smooth(x) - x)` (f = 0.5 keeps the image, more sharpens).

    Args:
        factor: a number in [0, 1] (range [0, factor]) or a pair (lower, upper).
        value_range: [low, high]; the result is clipped to it.

    >>> RandomSharpness((0.8, 0.8))(np.random.rand(1, 5, 5, 3) * 255).shape
    (1, 5, 5, 3)
    """

    _BOUNDS = (0, 1)

    def get_random_transformation(self, data, training=True, seed=None):
        return {"factor": self._draw(data, seed).astype(np.float32)}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training:
            return images
        x = images if images.ndim == 4 else ops.expand_dims(images, 0)
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 2, 3, 1))
        a, b = 1.0 / 13.0, 5.0 / 13.0
        kernel = np.full((3, 3), a, dtype=x.data.dtype)
        kernel[1, 1] = b
        kernel = np.tile(kernel.reshape(3, 3, 1, 1), (1, 1, x.shape[-1], 1))
        smooth = ops.depthwise_conv(x, device(kernel), padding="same",
                                    data_format="channels_last")
        keep = ops.subtract(1.0, ops.multiply(
            device(transformation["factor"]).astype(x.data.dtype).reshape(-1, 1, 1, 1), 2.0))
        y = ops.add(x, ops.multiply(keep, ops.subtract(smooth, x)))
        y = ops.clip(y, self.value_range[0], self.value_range[1])
        if self.data_format == "channels_first":
            y = ops.transpose(y, (0, 3, 1, 2))
        return y if images.ndim == 4 else ops.squeeze(y, 0)


class RandomColorDegeneration(_ColorLayer):
    """Blends each image towards its greyscale copy by a random fraction during training.

    Args:
        factor: a number f in [-1, 1] (range [-|f|, |f|], as Keras reads it) or a pair;
            1 gives grey, 0 the image.
        value_range: [low, high]; the result is clipped to it.

    >>> RandomColorDegeneration((1.0, 1.0))(np.random.rand(1, 4, 4, 3)).shape
    (1, 4, 4, 3)
    """

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        shape = (self._batch_size(images), 1, 1, 1)
        return {"factor": self._draw(data, seed, shape).astype(np.float32)}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training:
            return images
        factor = _per_image(transformation["factor"], images).astype(images.data.dtype)
        grey = image.rgb_to_grayscale(images, data_format=self.data_format)
        y = ops.add(images, ops.multiply(factor, ops.subtract(grey, images)))
        return ops.clip(y, self.value_range[0], self.value_range[1])


class RandomInvert(_ColorLayer):
    """Replaces each image by `high - x` with a probability drawn from `factor` in training.

    Args:
        factor: the probability, a number in [0, 1] (range [0, factor]) or a pair.
        value_range: [low, high] of the pixels (default (0, 255)).

    >>> RandomInvert(1.0, value_range=(0, 1))(np.zeros((1, 2, 2, 3))).shape
    (1, 2, 2, 3)
    """

    _BOUNDS = (0, 1)
    _SORT_RANGE = False

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        super().__init__(factor, value_range, data_format=data_format, seed=seed, **kwargs)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        probability = self._draw(data, seed)
        threshold = self._generator_for(seed).uniform(0.0, 1.0, probability.shape)
        return {"apply_inversion": threshold < probability}

    def transform_images(self, images, transformation, training=True):
        images = self._float(images)
        if not training:
            return images
        apply = _per_image(transformation["apply_inversion"], images).astype(bool)
        return ops.where(apply, ops.subtract(float(self.value_range[1]), images), images)


class RandomPosterization(_ColorLayer):
    """Keeps only the top `b` bits of each 8-bit channel value, `b` drawn per image from
    `factor`, during training (values are mapped to [0, 255] and back around it).

    Args:
        factor: a number of bits in [1, 8] (range [1, factor]) or a pair (lower, upper);
            as in Keras the upper end of a range is excluded from the draw.
        value_range: [low, high] of the pixels (default (0, 255)).

    >>> float(RandomPosterization((2, 2))(np.full((1, 2, 2, 3), 200.0))[0, 0, 0, 0])
    192.0
    """

    _BOUNDS = (1, 8)

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        n = self._batch_size(images)
        lower, upper = int(self.factor[0]), int(self.factor[1])
        if lower != upper:
            bits = self._generator_for(seed).integers(lower, upper, (n,))
        else:
            bits = np.full((n,), lower)
        return {"shift_factor": (8 - bits).astype(np.uint8)}

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training:
            return images
        shift = _per_image(transformation["shift_factor"], images).astype(np.uint8)
        x = ops.cast(rescale(images, self.value_range, (0, 255)), "uint8")
        x = ops.left_shift(ops.right_shift(x, shift), shift)
        return rescale(ops.cast(x, self.dtype), (0, 255), self.value_range)


class Solarization(ImageAugmentation):
    """Adds a random amount to each image, then inverts (255 - x) the pixels at or above a
    random threshold, during training (values are mapped to [0, 255] and back around it).

    Args:
        addition_factor: in [0, 1]; a number f draws additions from [0, 255 f], a pair
            (lower, upper) from [lower, 255 upper] (as Keras).
        threshold_factor: the same for the threshold.
        value_range: [low, high] of the pixels (default (0, 255)).
        seed: an int for repeatable draws.

    >>> float(Solarization()(np.full((1, 2, 2, 3), 200.0))[0, 0, 0, 0])  # all inverted
    55.0
    """

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.addition_factor = self._range(addition_factor, "addition_factor")
        self.threshold_factor = self._range(threshold_factor, "threshold_factor")
        self.value_range = value_range_of(value_range, "Solarization")

    @staticmethod
    def _range(factor, name):
        values = list(factor) if isinstance(factor, (list, tuple)) else [factor]
        if (isinstance(factor, (list, tuple)) and len(values) != 2) or not all(
                is_number(v) and 0 <= v <= 1 for v in values):
            raise ValueError(f"Solarization: `{name}` must be a number or a pair of numbers "
                             f"in [0, 1], received {factor!r}")
        if len(values) == 2:
            lower, upper = sorted(values)
            return lower, upper
        return 0, factor

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = (images.shape[0], 1, 1, 1) if len(images.shape) == 4 else (1, 1, 1)
        generator = self._generator_for(seed)
        add, thr = self.addition_factor, self.threshold_factor
        return {"additions": generator.uniform(add[0], add[1] * 255, shape).astype(np.float32),
                "thresholds": generator.uniform(thr[0], thr[1] * 255, shape).astype(np.float32)}

    def transform_images(self, images, transformation, training=True):
        images = self._float(images)
        if not training or transformation is None:
            return images
        dtype = images.data.dtype
        x = rescale(images, self.value_range, (0, 255))
        x = ops.clip(ops.add(x, device(transformation["additions"]).astype(dtype)), 0.0, 255.0)
        x = ops.where(ops.less(x, device(transformation["thresholds"]).astype(dtype)), x,
                      ops.subtract(255.0, x))
        return rescale(x, (0, 255), self.value_range)

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range,
                "addition_factor": self.addition_factor,
                "threshold_factor": self.threshold_factor}


class RandomColorJitter(ImageAugmentation):
    """RandomBrightness, RandomContrast, RandomSaturation and RandomHue in that order, each
    only when its factor is given, during training.

    Args:
        value_range: [low, high] of the pixels (default (0, 255)), for every step.
        brightness_factor, contrast_factor, saturation_factor, hue_factor: the `factor` of
            each step, or None (default) to skip it.
        seed, data_format: as the other augmentation layers.

    >>> RandomColorJitter(brightness_factor=0.2, seed=0)(np.ones((1, 4, 4, 3))).shape
    (1, 4, 4, 3)
    """

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = value_range_of(value_range, "RandomColorJitter", sort=False)
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        common = {"value_range": self.value_range, "data_format": self.data_format}
        self.random_brightness = None if brightness_factor is None else RandomBrightness(
            brightness_factor, **common)
        self.random_contrast = None if contrast_factor is None else RandomContrast(
            contrast_factor, **common)
        self.random_saturation = None if saturation_factor is None else RandomSaturation(
            saturation_factor, **common)
        self.random_hue = None if hue_factor is None else RandomHue(hue_factor, **common)

    def _steps(self):
        return [s for s in (self.random_brightness, self.random_contrast,
                            self.random_saturation, self.random_hue) if s is not None]

    def get_random_transformation(self, data, training=True, seed=None):
        # Each step draws from this layer's generator when it runs: the next step's
        # draws may depend on the image shape only, so nothing is drawn ahead.
        return None if not training else seed

    def transform_images(self, images, transformation=None, training=True):
        images = self._float(images)
        if not training:
            return images
        generator = self._generator_for(transformation)
        for step in self._steps():
            saved, step._generator = step._generator, generator
            try:
                images = step(images, training=True)
            finally:
                step._generator = saved
        return images

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range,
                "brightness_factor": self.brightness_factor,
                "contrast_factor": self.contrast_factor,
                "saturation_factor": self.saturation_factor, "hue_factor": self.hue_factor}

