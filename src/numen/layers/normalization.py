"""Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization and
UnitNormalization, with Keras 3's arguments, defaults and weight order."""

from __future__ import annotations

import numpy as np

from numen import backend, initializers, ops, regularizers
from numen.autodiff import Tensor, no_grad
from numen.layers import validate
from numen.layers.base import InputSpec, Layer
from numen.ops.normalization import layer_norm_trailing


def _axes(axis, layer) -> tuple:
    """`axis` (an int or a sequence of ints) as a tuple of ints."""
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
        return (int(axis),)
    try:
        out = tuple(int(a) for a in axis)
    except TypeError:
        out = ()
    if not out:
        raise TypeError(f"{type(layer).__name__}: `axis` must be an int or a list of ints, "
                        f"received {axis!r}")
    return out


def _resolve_axes(axes, rank: int, layer) -> tuple:
    out = []
    for a in axes:
        if not -rank <= a < rank or a % rank == 0:
            raise ValueError(f"Layer '{layer.name}': axis {a} is out of range for inputs of "
                             f"rank {rank} (the batch axis 0 cannot be normalized over here)")
        out.append(a % rank)
    return tuple(sorted(out))


def _ser(obj):
    if obj is None:
        return None
    return {"class_name": type(obj).__name__, "config": obj.get_config()}


def _constraint(c):
    if c is None or callable(c):
        return c
    from numen import constraints

    return constraints.get(c)


def _upcast(inputs):
    """16-bit inputs as float32: normalization statistics overflow or round badly in 16 bits,
    so they are computed in float32 and the result cast back to the compute dtype (as Keras
    does)."""
    if inputs.data.dtype.itemsize < 4 and backend.is_float_dtype(inputs.data.dtype):
        return ops.cast(inputs, "float32")
    return inputs


class _AffineNormalization(Layer):
    """Shared configuration of the normalizations that learn a scale (gamma) and offset
    (beta)."""

    def __init__(self, epsilon, center, scale, beta_initializer, gamma_initializer,
                 beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                 **kwargs):
        super().__init__(**kwargs)
        if not isinstance(epsilon, (int, float)) or epsilon < 0:
            raise ValueError(f"{type(self).__name__}: `epsilon` must be a non-negative number, "
                             f"received {epsilon!r}")
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = _constraint(beta_constraint)
        self.gamma_constraint = _constraint(gamma_constraint)

    def _add_affine(self, shape) -> None:
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight(shape=shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, name="gamma")
        if self.center:
            self.beta = self.add_weight(shape=shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, name="beta")

    def get_config(self):
        return {
            **super().get_config(),
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": _ser(self.beta_regularizer),
            "gamma_regularizer": _ser(self.gamma_regularizer),
            "beta_constraint": _ser(self.beta_constraint),
            "gamma_constraint": _ser(self.gamma_constraint),
        }


class BatchNormalization(_AffineNormalization):
    """Normalizes each feature over the batch (and every other axis but `axis`).

    In training (`training=True` and the layer trainable) it uses the batch's mean and
    variance and moves the stored statistics towards them in place:
    `moving = moving * momentum + batch * (1 - momentum)` (the biased batch variance, as in
    Keras). In inference it uses the stored moving statistics.

    Args:
        axis: the feature axis (or axes) kept, -1 by default.
        momentum: weight of the old moving statistics in each update (0.99).
        epsilon: added to the variance before the square root (1e-3).
        center / scale: learn an offset `beta` / a factor `gamma`.

    Weights, in order: gamma, beta (when enabled), moving_mean, moving_variance (the last two
    not trainable).

    >>> BatchNormalization()(np.ones((4, 3)), training=True).shape
    (4, 3)
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, synchronized=False, **kwargs):
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)
        self.axis = _axes(axis, self)
        if not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError(f"BatchNormalization: `momentum` must be a number in [0, 1], "
                             f"received {momentum!r}")
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.synchronized = bool(synchronized)
        self.supports_masking = True

    def build(self, input_shape):
        rank = len(input_shape)
        self._kept = _resolve_axes(self.axis, rank, self)
        for a in self._kept:
            if input_shape[a] is None:
                raise ValueError(f"Layer '{self.name}' needs a known size on axis {a} to build, "
                                 f"received input shape {tuple(input_shape)}")
        shape = tuple(input_shape[a] for a in self._kept)
        self._add_affine(shape)
        self.moving_mean = self.add_weight(shape=shape, initializer=self.moving_mean_initializer,
                                           trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape=shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False, name="moving_variance")
        self._reduce = tuple(i for i in range(rank) if i not in self._kept)
        self.input_spec = InputSpec(ndim=rank, axes={a: input_shape[a] for a in self._kept})
        self.built = True

    def _broadcast(self, t, rank):
        shape = [1] * rank
        for a in self._kept:
            shape[a] = t.shape[self._kept.index(a)]
        return ops.reshape(t, tuple(shape))

    def call(self, inputs, training=False, mask=None):
        inputs = _upcast(inputs)
        rank = inputs.ndim
        # An empty batch has no statistics: it must not turn the moving ones into NaN.
        if training and self.trainable and inputs.data.size:
            if mask is None:
                mean, variance = ops.moments(inputs, self._reduce)
            else:
                mean, variance = self._masked_moments(inputs, mask)
            with no_grad():
                keep = self.momentum
                self.moving_mean.assign(self.moving_mean.data * keep + mean.data * (1 - keep))
                self.moving_variance.assign(
                    self.moving_variance.data * keep + variance.data * (1 - keep))
        else:
            mean, variance = self.moving_mean, self.moving_variance
        inv = ops.rsqrt(ops.add(self._broadcast(variance, rank), self.epsilon))
        if self.gamma is not None:
            inv = ops.multiply(inv, self._broadcast(self.gamma, rank))
        y = ops.multiply(ops.subtract(inputs, self._broadcast(mean, rank)), inv)
        if self.beta is not None:
            y = ops.add(y, self._broadcast(self.beta, rank))
        return ops.cast(y, self.compute_dtype)

    def _masked_moments(self, inputs, mask):
        """Mean and variance counting only the positions where `mask` is true."""
        m = mask.data if isinstance(mask, Tensor) else backend.asarray_like(mask, inputs.data)
        m = ops.cast(Tensor(m), inputs.dtype)
        while m.ndim < inputs.ndim:
            m = ops.expand_dims(m, -1)
        m = ops.broadcast_to(m, inputs.shape)
        count = ops.maximum(ops.sum(m, axis=self._reduce), 1.0)
        mean = ops.divide(ops.sum(ops.multiply(inputs, m), axis=self._reduce), count)
        centred = ops.subtract(inputs, self._broadcast(mean, inputs.ndim))
        variance = ops.divide(ops.sum(ops.multiply(ops.square(centred), m), axis=self._reduce),
                              count)
        return mean, variance

    def compute_mask(self, inputs, mask=None):
        """The mask passes through unchanged."""
        return mask

    def get_config(self):
        axis = list(self.axis) if len(self.axis) > 1 else self.axis[0]
        return {
            **super().get_config(),
            "axis": axis,
            "momentum": self.momentum,
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer),
            "synchronized": self.synchronized,
        }


class LayerNormalization(_AffineNormalization):
    """Normalizes each sample over `axis` (the last axis by default).

    Args:
        axis: int or list of ints normalized over (and holding gamma/beta).
        epsilon: added to the variance (1e-3).
        center / scale: learn `beta` / `gamma`.
        rms_scaling: divide by the root mean square instead of centring and dividing by the
            standard deviation (then `beta` is not used).

    Weights, in order: gamma, beta.

    >>> LayerNormalization()(np.ones((2, 5))).shape
    (2, 5)
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(epsilon, center and not rms_scaling, scale or rms_scaling,
                         beta_initializer,
                         gamma_initializer, beta_regularizer, gamma_regularizer,
                         beta_constraint, gamma_constraint, **kwargs)
        self.axis = _axes(axis, self)
        self.rms_scaling = bool(rms_scaling)
        self._center_arg, self._scale_arg = bool(center), bool(scale)
        self.supports_masking = True

    def build(self, input_shape):
        rank = len(input_shape)
        self._norm = _resolve_axes(self.axis, rank, self)
        shape = tuple(input_shape[a] for a in self._norm)
        self._add_affine(shape)
        self._param_shape = tuple(input_shape[i] if i in self._norm else 1 for i in range(rank))
        self.built = True

    def call(self, inputs):
        inputs = _upcast(inputs)
        if self.rms_scaling:
            ms = ops.mean(ops.square(inputs), axis=self._norm, keepdims=True)
            y = ops.multiply(inputs, ops.rsqrt(ops.add(ms, self.epsilon)))
        elif self._norm == tuple(range(inputs.ndim - len(self._norm), inputs.ndim)):
            # The usual case (the last axes): one kernel, which a training step can replay.
            y = layer_norm_trailing(inputs, self.gamma, self.beta, len(self._norm),
                                    self.epsilon)
            return ops.cast(y, self.compute_dtype)
        else:
            mean, variance = ops.moments(inputs, self._norm, keepdims=True)
            y = ops.multiply(ops.subtract(inputs, mean), ops.rsqrt(ops.add(variance,
                                                                           self.epsilon)))
        if self.gamma is not None:
            y = ops.multiply(y, ops.reshape(self.gamma, self._param_shape))
        if self.beta is not None:
            y = ops.add(y, ops.reshape(self.beta, self._param_shape))
        return ops.cast(y, self.compute_dtype)

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self):
        axis = list(self.axis) if len(self.axis) > 1 else self.axis[0]
        return {**super().get_config(), "axis": axis, "center": self._center_arg,
                "scale": self._scale_arg, "rms_scaling": self.rms_scaling}


class GroupNormalization(_AffineNormalization):
    """Splits the channels (`axis`) into `groups` and normalizes each sample within each group.

    Args:
        groups: number of groups; must divide the channel count (32 by default).
        axis: the channel axis (-1).
        epsilon / center / scale: as in LayerNormalization.

    Weights, in order: gamma, beta (one per channel).

    >>> GroupNormalization(groups=2)(np.ones((1, 5, 4))).shape
    (1, 5, 4)
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)
        self.groups = validate.positive_int(groups, "groups", self)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"GroupNormalization: `axis` must be an int, received {axis!r}")
        self.axis = int(axis)
        self.supports_masking = True

    def build(self, input_shape):
        rank = len(input_shape)
        (self._channel_axis,) = _resolve_axes((self.axis,), rank, self)
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError(f"Layer '{self.name}' needs a known channel axis {self.axis} to "
                             f"build, received input shape {tuple(input_shape)}")
        if channels < self.groups or channels % self.groups:
            raise ValueError(f"Layer '{self.name}': the number of groups ({self.groups}) must "
                             f"divide the number of channels ({channels}) on axis {self.axis}; "
                             f"received input shape {tuple(input_shape)}")
        self._add_affine((channels,))
        self.input_spec = InputSpec(ndim=rank, axes={self._channel_axis: channels})
        self.built = True

    def call(self, inputs):
        inputs = _upcast(inputs)
        c = self._channel_axis
        shape = inputs.shape
        grouped_shape = shape[:c] + (self.groups, shape[c] // self.groups) + shape[c + 1:]
        grouped = ops.reshape(inputs, grouped_shape)
        # Reduce over every axis but the batch axis and the group axis.
        axes = tuple(i for i in range(1, len(grouped_shape)) if i != c)
        mean, variance = ops.moments(grouped, axes, keepdims=True)
        y = ops.multiply(ops.subtract(grouped, mean), ops.rsqrt(ops.add(variance, self.epsilon)))
        y = ops.reshape(y, shape)
        param_shape = tuple(shape[c] if i == c else 1 for i in range(len(shape)))
        if self.gamma is not None:
            y = ops.multiply(y, ops.reshape(self.gamma, param_shape))
        if self.beta is not None:
            y = ops.add(y, ops.reshape(self.beta, param_shape))
        return ops.cast(y, self.compute_dtype)

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "axis": self.axis}


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm along `axis`: x / sqrt(max(sum(x**2), 1e-12)).

    >>> UnitNormalization()(np.array([[3.0, 4.0]]))   # [[0.6, 0.8]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _axes(axis, self)
        self.supports_masking = True

    def call(self, inputs):
        square_sum = ops.sum(ops.square(inputs), axis=self.axis, keepdims=True)
        return ops.multiply(inputs, ops.rsqrt(ops.maximum(square_sum, 1e-12)))

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self):
        axis = list(self.axis) if len(self.axis) > 1 else self.axis[0]
        return {**super().get_config(), "axis": axis}
