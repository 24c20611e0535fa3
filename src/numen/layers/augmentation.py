"""Random image augmentation layers: RandomFlip, RandomContrast and RandomBrightness.

As in Keras 3, `call` defaults to `training=True`: a layer called on its own augments, while
`fit` augments and `predict`/`evaluate` (which pass `training=False`) leave images unchanged.
Randomness comes from numen's generator (`keras.utils.set_random_seed`) or, given `seed`, from
the layer's own generator. Outputs are floats of the layer's dtype.
"""

from __future__ import annotations

import numpy as np

from numen import backend, ops
from numen.autodiff import Tensor
from numen.layers.base import Layer
from numen.layers.preprocessing import _DATA_FORMATS, _as_float, _spatial_axes
from numen.layers.validate import one_of

_FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


def _value_range(value, layer: str) -> list:
    ok = isinstance(value, (list, tuple)) and len(value) == 2 and all(
        isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in value)
    if not ok:
        raise ValueError(f"{layer}: `value_range` must be a list of two numbers [low, high], "
                         f"received {value!r}")
    return sorted(float(v) for v in value)


def _factor_pair(factor, bounds: tuple, layer: str, single) -> tuple:
    """`factor` (a number or a pair) as a sorted (lower, upper) pair within `bounds`; a single
    number becomes `single(abs(number))`."""
    message = (f"{layer}: `factor` must be a number or a pair of numbers in [{bounds[0]}, "
               f"{bounds[1]}], received {factor!r}")
    if isinstance(factor, (list, tuple)):
        if len(factor) != 2:
            raise ValueError(message)
        values = factor
    elif isinstance(factor, (int, float, np.number)) and not isinstance(factor, bool):
        values = [factor]
    else:
        raise ValueError(message)
    if any(isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or not
           bounds[0] <= v <= bounds[1] for v in values):
        raise ValueError(message)
    if len(values) == 1:
        return single(abs(float(values[0])))
    lower, upper = sorted(float(v) for v in values)
    return lower, upper


class _RandomImageLayer(Layer):
    """The seed, the generator draws come from, and the batch shape of per-image draws."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int,
                                                                                 np.integer))):
            raise TypeError(f"{type(self).__name__}: `seed` must be an int or None, received "
                            f"{seed!r}")
        self.seed = seed
        self._generator = np.random.default_rng(seed) if seed is not None else None
        self.data_format = one_of(data_format or backend.image_data_format(), _DATA_FORMATS,
                                  "data_format", self)

    def _uniform(self, x: Tensor, low: float, high: float):
        """One draw per image, shaped to broadcast over that image's pixels."""
        shape = (x.shape[0], 1, 1, 1) if x.ndim == 4 else (1, 1, 1)
        draw = (self._generator or backend.rng()).uniform(low, high, size=shape)
        return backend.to_device(np.asarray(draw, dtype=x.data.dtype))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "seed": self.seed, "data_format": self.data_format}


class RandomFlip(_RandomImageLayer):
    """Flips each image left-right and/or top-bottom with probability 1/2 during training.

    Args:
        mode: 'horizontal', 'vertical' or 'horizontal_and_vertical' (one draw per image flips
            it both ways or not at all, as in Keras).
        seed: an int for a repeatable sequence of flips.
        data_format: 'channels_last' (default) or 'channels_first'.

    >>> RandomFlip("horizontal", seed=0)(np.arange(4.).reshape(1, 1, 4, 1)).shape  # (1,1,4,1)
    """

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.mode = one_of(mode, _FLIP_MODES, "mode", self)

    def call(self, inputs, training=True):
        x = _as_float(inputs, self.dtype)
        if not training:
            return x
        height_axis, width_axis = _spatial_axes(x, self.data_format, self.name)
        flips = self._uniform(x, 0.0, 1.0) <= 0.5
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            x = ops.where(flips, ops.flip(x, width_axis), x)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            x = ops.where(flips, ops.flip(x, height_axis), x)
        return x

    def get_config(self) -> dict:
        return {**super().get_config(), "mode": self.mode}


class RandomContrast(_RandomImageLayer):
    """Scales each image's deviation from its per-channel mean by a random factor in
    `[1 - lower, 1 + upper]` during training, then clips to `value_range`.

    Args:
        factor: a number in [0, 1] (lower = upper = factor) or a pair (lower, upper).
        value_range: [low, high] of the pixel values, e.g. [0, 1] or [0, 255] (default).
        seed: an int for repeatable draws.

    >>> RandomContrast(0.5, value_range=(0, 1), seed=0)(np.ones((2, 4, 4, 3))).shape
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = _factor_pair(factor, (0.0, 1.0), "RandomContrast", lambda f: (f, f))
        self.value_range = _value_range(value_range, "RandomContrast")

    def call(self, inputs, training=True):
        x = _as_float(inputs, self.dtype)
        if not training:
            return x
        axes = _spatial_axes(x, self.data_format, self.name)
        contrast = self._uniform(x, 1.0 - self.factor[0], 1.0 + self.factor[1])
        mean = ops.mean(x, axis=axes, keepdims=True)
        y = ops.add(ops.multiply(ops.subtract(x, mean), contrast), mean)
        return ops.clip(y, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomBrightness(_RandomImageLayer):
    """Adds a random offset, `delta * (high - low)` with `delta` drawn from the `factor`
    range, to each image during training, then clips to `value_range`.

    Args:
        factor: a number in [-1, 1] (the range is [-|factor|, |factor|]) or a pair.
        value_range: [low, high] of the pixel values (default [0, 255]).
        seed: an int for repeatable draws.

    >>> RandomBrightness(0.2, seed=0)(np.full((1, 2, 2, 3), 100.)).shape  # (1, 2, 2, 3)
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = _factor_pair(factor, (-1.0, 1.0), "RandomBrightness", lambda f: (-f, f))
        self.value_range = _value_range(value_range, "RandomBrightness")

    def call(self, inputs, training=True):
        x = _as_float(inputs, self.dtype)
        if not training:
            return x
        _spatial_axes(x, self.data_format, self.name)
        low, high = self.value_range
        delta = self._uniform(x, self.factor[0], self.factor[1]) * (high - low)
        return ops.clip(ops.add(x, delta), low, high)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}
