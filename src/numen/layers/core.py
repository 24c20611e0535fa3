"""Core layers: Input, Dense, Activation, Dropout, Flatten, Reshape, Identity, Lambda."""

from __future__ import annotations

import numpy as np

from numen import activations, backend, initializers, ops, regularizers
from numen.layers import quantized, validate
from numen.layers.base import InputSpec, Layer
from numen.layers.symbolic import KerasTensor
from numen.ops import nn as nn_ops


class InputLayer(Layer):
    """The entry point of a model: holds the shape and dtype of one batch of inputs."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, name=None, **kwargs):
        if "input_shape" in kwargs and shape is None:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs and batch_shape is None:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError("InputLayer: pass `shape` (the shape of one sample), e.g. "
                                 "shape=(784,)")
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        self.batch_shape = tuple(batch_shape)
        self.sparse = bool(sparse)
        self._tensor = KerasTensor(self.batch_shape, self.dtype, name=self.name)
        self._tensor.node = None
        self._tensor.input_layer = self
        self.built = True

    @property
    def input(self) -> list:
        return []  # as in Keras: an InputLayer reads nothing

    @property
    def output(self):
        """The `keras.Input` tensor this layer holds."""
        return self._tensor

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype,
                "sparse": self.sparse, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """A symbolic tensor to start a Functional model: `x = keras.Input(shape=(784,))`."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name)
    return layer.output


class Dense(Layer):
    """Densely connected layer: `activation(inputs @ kernel + bias)` over the last axis.

    Args:
        units: positive int, size of the output's last axis.
        activation: name or function (default: none, i.e. linear).
        use_bias: whether to add a bias vector.
        kernel_initializer: 'glorot_uniform' by default.
        bias_initializer: 'zeros' by default.
        kernel_regularizer: optional penalty on the kernel (also bias_regularizer,
            activity_regularizer, kernel_constraint and bias_constraint, as in Keras).

    >>> Dense(4, activation="relu")(np.ones((2, 3))).shape
    (2, 4)
    """

    _saves_only_made_weights = True  # as Keras's (layers/saving_hooks.py)

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = validate.positive_int(units, "units", self)
        self.quantization_config = _quantization_config(quantization_config)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True  # as in Keras 3: the mask passes through

    def build(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f"Layer '{self.name}' needs a known last axis to build, received "
                             f"input shape {input_shape}")
        add_kernel_and_bias(self, (in_dim, self.units), self.units)
        if self.quantization_mode is not None:  # made from a quantized layer's config
            quantized.build_dense(self, (in_dim, self.units), self.quantization_mode,
                                  self.quantization_config)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})
        self.built = True

    def call(self, inputs, training=None):
        if self._dtype_policy._quantization_mode is not None:
            return quantized.dense_call(self, inputs, training)
        # A plain relu is fused into the product (one op, no separate relu arrays).
        if self.activation is activations.relu or self.activation is ops.relu:
            return ops.dense(inputs, self.kernel, self.bias, relu=True)
        return self.activation(ops.dense(inputs, self.kernel, self.bias))

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": _ser(self.kernel_regularizer),
            "bias_regularizer": _ser(self.bias_regularizer),
            "kernel_constraint": _ser(self.kernel_constraint),
            "bias_constraint": _ser(self.bias_constraint),
            **_quantization_entry(self),
        }

    def quantize(self, mode=None, type_check=True, config=None):
        """Replace the float kernel by an int8 or int4 one, or train it in float8 (see
        `layers/quantized.py` and `layers/quantized_float8.py`)."""
        if type_check and type(self) is not Dense:
            raise NotImplementedError(f"{type(self).__name__} does not implement quantize()")
        quantized.quantize_dense(self, mode, config)


def add_kernel_and_bias(layer: Layer, kernel_shape: tuple, bias_size: int) -> None:
    """Create `layer.kernel` and, when `layer.use_bias`, `layer.bias` (else None) from the
    layer's kernel_*/bias_* initializer, regularizer and constraint settings."""
    layer.kernel = layer.add_weight(shape=kernel_shape, initializer=layer.kernel_initializer,
                                    regularizer=layer.kernel_regularizer,
                                    constraint=layer.kernel_constraint, name="kernel")
    layer.bias = None
    if layer.use_bias:
        layer.bias = layer.add_weight(shape=(bias_size,), initializer=layer.bias_initializer,
                                      regularizer=layer.bias_regularizer,
                                      constraint=layer.bias_constraint, name="bias")


def _ser(obj):
    if obj is None:
        return None
    return {"class_name": type(obj).__name__, "config": obj.get_config()}


class Activation(Layer):
    """Applies an activation function: `Activation('relu')`."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Dropout(Layer):
    """Zeroes a fraction `rate` of inputs during training and scales the rest by 1/(1-rate)."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"Dropout '{self.name}': rate must be a number in [0, 1), "
                             f"received {rate!r}")
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        shape = inputs.shape
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for s, n in zip(inputs.shape, self.noise_shape))
        return nn_ops.dropout_scaled(inputs, self.rate, shape, self._rng)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


class Flatten(Layer):
    """Flattens every axis but the batch axis."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or backend.image_data_format()

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = ops.moveaxis(inputs, 1, -1)
        return ops.reshape(inputs, (inputs.shape[0], -1))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (one axis may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(n) for n in target_shape)
        if sum(1 for n in self.target_shape if n == -1) > 1:
            raise ValueError(f"Reshape '{self.name}': at most one axis of target_shape may be "
                             f"-1, received {self.target_shape}")

    def call(self, inputs):
        sample = inputs.shape[1:]
        size = int(np.prod(sample))
        known = int(np.prod([n for n in self.target_shape if n != -1]))
        if (-1 in self.target_shape and size % known) or (
                -1 not in self.target_shape and known != size):
            raise ValueError(f"Reshape '{self.name}': cannot reshape samples of shape {sample} "
                             f"({size} values) to {self.target_shape}")
        return ops.reshape(inputs, (inputs.shape[0],) + self.target_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Identity(Layer):
    def call(self, inputs):
        return inputs


class Lambda(Layer):
    """Wraps an arbitrary function of the inputs as a layer (not serializable to a file)."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self.arguments = arguments or {}

    def call(self, inputs):
        return self.function(inputs, **self.arguments)


def _quantization_config(config):
    if config is None or not isinstance(config, dict):
        return config
    from numen import quantizers

    return quantizers.deserialize(config)


def _quantization_entry(layer) -> dict:
    """Keras's "quantization_config" entry, written for quantized layers only."""
    if layer.quantization_mode is None:
        return {}
    from numen import quantizers

    config = getattr(layer, "quantization_config", None)
    return {"quantization_config": None if config is None else quantizers.serialize(config)}
