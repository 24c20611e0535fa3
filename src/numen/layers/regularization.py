"""Noise and penalty layers: SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout,
AlphaDropout and ActivityRegularization. Noise is drawn from numen's RNG (or the layer's own
seeded generator) and applied only when `training=True`."""

from __future__ import annotations

import math

import numpy as np

from numen import backend, ops, regularizers
from numen.autodiff import Tensor
from numen.layers.base import InputSpec, Layer
from numen.layers.core import Dropout


def _rate(value, layer_cls: str, upper_inclusive=False) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value and (
        value <= 1 if upper_inclusive else value < 1)
    if not ok:
        bound = "[0, 1]" if upper_inclusive else "[0, 1)"
        raise ValueError(f"{layer_cls}: `rate` must be a number in {bound}, received {value!r}")
    return float(value)


class _Noise(Layer):
    """Holds the seed and hands out the generator noise is drawn from."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._generator = np.random.default_rng(seed) if seed is not None else None
        self.supports_masking = True

    def _rng(self) -> np.random.Generator:
        return self._generator or backend.rng()

    def _noise(self, kind: str, shape, dtype, **params) -> Tensor:
        draw = getattr(self._rng(), kind)(size=shape, **params)
        return Tensor(backend.to_device(np.asarray(draw, dtype=dtype)))

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


class _SpatialDropout(Dropout):
    """Dropout that drops whole feature maps: one keep/drop decision per (sample, channel)."""

    rank = 1

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        if data_format not in (None, "channels_last", "channels_first"):
            raise ValueError(f"{type(self).__name__}: `data_format` must be 'channels_last' or "
                             f"'channels_first', received {data_format!r}")
        self.data_format = data_format or backend.image_data_format()
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        shape = list(inputs.shape)
        spatial = range(1, self.rank + 1) if self.data_format == "channels_last" else range(
            2, self.rank + 2)
        for axis in spatial:
            shape[axis] = 1
        r = self._rng or backend.rng()
        keep = r.random(tuple(shape)) >= self.rate
        mask = backend.to_device((keep / (1 - self.rate)).astype(inputs.dtype))
        return ops.multiply(inputs, Tensor(mask))

    def get_config(self):
        config = {k: v for k, v in super().get_config().items() if k != "noise_shape"}
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drops entire channels of a (batch, steps, channels) input with probability `rate`."""

    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Drops entire 2-D feature maps with probability `rate`."""

    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Drops entire 3-D feature maps with probability `rate`."""

    rank = 3


class GaussianNoise(_Noise):
    """Adds zero-mean Gaussian noise of standard deviation `stddev` during training.

    >>> GaussianNoise(0.1)(np.zeros((2, 3)), training=True)   # small random values
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if not isinstance(stddev, (int, float)) or isinstance(stddev, bool) or stddev < 0:
            raise ValueError(f"GaussianNoise: `stddev` must be a non-negative number, received "
                             f"{stddev!r}")
        self.stddev = float(stddev)

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        noise = self._noise("normal", inputs.shape, inputs.dtype, loc=0.0, scale=self.stddev)
        return ops.add(inputs, noise)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev}


class GaussianDropout(_Noise):
    """Multiplies inputs by Gaussian noise of mean 1 and variance rate / (1 - rate) in
    training."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _rate(rate, "GaussianDropout")

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = self._noise("normal", inputs.shape, inputs.dtype, loc=1.0, scale=stddev)
        return ops.multiply(inputs, noise)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


class AlphaDropout(_Noise):
    """Dropout for SELU networks: dropped units take SELU's saturation value and the result is
    rescaled so the mean and variance of the inputs are kept."""

    _ALPHA_PRIME = -1.6732632423543772 * 1.0507009873554805

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _rate(rate, "AlphaDropout")
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        shape = inputs.shape
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for s, n in zip(inputs.shape, self.noise_shape))
        keep = self._rng().random(shape) >= self.rate
        q = 1.0 - self.rate
        alpha_p = self._ALPHA_PRIME
        a = (q + alpha_p**2 * q * self.rate) ** -0.5
        b = -a * alpha_p * self.rate
        keep_t = Tensor(backend.to_device(keep.astype(inputs.dtype)))
        fill = Tensor(backend.to_device(((1 - keep) * alpha_p).astype(inputs.dtype)))
        return ops.add(ops.multiply(ops.add(ops.multiply(inputs, keep_t), fill), a), b)

    def get_config(self):
        shape = None if self.noise_shape is None else list(self.noise_shape)
        return {**super().get_config(), "rate": self.rate, "noise_shape": shape}


class ActivityRegularization(Layer):
    """Passes inputs through unchanged; its activity regularizer `L1L2(l1, l2)` adds
    `(l1 * sum|x| + l2 * sum(x**2)) / batch_size` to the loss, as any layer's does."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = self.activity_regularizer.l1, self.activity_regularizer.l2
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)  # l1 and l2 say it
        return {**config, "l1": self.l1, "l2": self.l2}
