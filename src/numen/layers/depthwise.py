"""Depthwise and separable convolution layers (1D and 2D).

Weights as Keras: the depthwise layers' `kernel` (*kernel_size, in_channels, depth_multiplier);
separable layers name it depthwise_kernel and add pointwise_kernel (1, ..., 1,
in_channels * depth_multiplier, filters); then bias.
"""

from __future__ import annotations

from numen import activations, initializers, ops, regularizers
from numen.layers import validate
from numen.layers.base import InputSpec, Layer
from numen.layers.conv import channels_of, data_format_arg, positive_tuple, serialize


class BaseDepthwiseConv(Layer):
    """Each input channel convolved with its own `depth_multiplier` filters.

    Args:
        kernel_size / strides / dilation_rate: an int or one int per spatial axis.
        padding: 'valid' or 'same'.
        depth_multiplier: filters per input channel.
        data_format: 'channels_last' (default) or 'channels_first'.
        activation, use_bias, depthwise_* / bias_* initializers, regularizers, constraints.
    """

    _config_lists_activity_regularizer = True

    rank = 2

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        n = self.rank
        self.kernel_size = positive_tuple(kernel_size, n, "kernel_size", self)
        self.strides = positive_tuple(strides, n, "strides", self)
        self.dilation_rate = positive_tuple(dilation_rate, n, "dilation_rate", self)
        self.padding = validate.one_of(padding, ("valid", "same"), "padding", self)
        self.depth_multiplier = validate.positive_int(depth_multiplier, "depth_multiplier", self)
        self.data_format = data_format_arg(data_format, self)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = depthwise_constraint
        self.bias_constraint = bias_constraint
        self.input_spec = InputSpec(ndim=n + 2)

    def build(self, input_shape):
        channels = channels_of(self, input_shape)
        # Keras 3 calls a depthwise layer's variable `kernel` (a separable layer's,
        # `depthwise_kernel`): variable paths and checkpoints follow that.
        self.kernel = self.add_weight(
            shape=(*self.kernel_size, channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, name="kernel")
        self._build_bias(channels * self.depth_multiplier)
        axis = 1 if self.data_format == "channels_first" else -1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: channels})
        self.built = True

    def _build_bias(self, size):
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=(size,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, name="bias")

    def call(self, inputs):
        y = ops.depthwise_conv(inputs, self.kernel, self.strides, self.padding,
                               self.data_format, self.dilation_rate, bias=self.bias)
        return self.activation(y)

    def get_config(self):
        return {
            **super().get_config(),
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "depth_multiplier": self.depth_multiplier,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": serialize(self.depthwise_regularizer),
            "bias_regularizer": serialize(self.bias_regularizer),
            "depthwise_constraint": serialize(self.depthwise_constraint),
            "bias_constraint": serialize(self.bias_constraint),
        }


class DepthwiseConv1D(BaseDepthwiseConv):
    """Depthwise 1D convolution.

    >>> DepthwiseConv1D(3, depth_multiplier=2)(np.zeros((1, 6, 4))).shape
    (1, 4, 8)
    """

    rank = 1


class DepthwiseConv2D(BaseDepthwiseConv):
    """Depthwise 2D convolution.

    >>> DepthwiseConv2D(3)(np.zeros((1, 5, 5, 4))).shape
    (1, 3, 3, 4)
    """

    rank = 2


class BaseSeparableConv(BaseDepthwiseConv):
    """A depthwise convolution followed by a pointwise (1x1) convolution to `filters`.

    Args:
        filters: number of output channels.
        pointwise_initializer / pointwise_regularizer / pointwise_constraint: for the 1x1
            kernel; the other arguments are those of the depthwise layers.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(
            kernel_size, strides=strides, padding=padding, depth_multiplier=depth_multiplier,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint,
            **kwargs)
        self.filters = validate.positive_int(filters, "filters", self)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = pointwise_constraint

    def build(self, input_shape):
        channels = channels_of(self, input_shape)
        self.depthwise_kernel = self.add_weight(
            shape=(*self.kernel_size, channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, name="depthwise_kernel")
        self.pointwise_kernel = self.add_weight(
            shape=(*(1,) * self.rank, channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint, name="pointwise_kernel")
        self._build_bias(self.filters)
        axis = 1 if self.data_format == "channels_first" else -1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: channels})
        self.built = True

    def call(self, inputs):
        y = ops.separable_conv(inputs, self.depthwise_kernel, self.pointwise_kernel,
                               self.strides, self.padding, self.data_format,
                               self.dilation_rate, bias=self.bias)
        return self.activation(y)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "pointwise_regularizer": serialize(self.pointwise_regularizer),
            "pointwise_constraint": serialize(self.pointwise_constraint),
        }


class SeparableConv1D(BaseSeparableConv):
    """Separable 1D convolution.

    >>> SeparableConv1D(5, 3)(np.zeros((1, 6, 4))).shape
    (1, 4, 5)
    """

    rank = 1


class SeparableConv2D(BaseSeparableConv):
    """Separable 2D convolution.

    >>> SeparableConv2D(5, 3)(np.zeros((1, 5, 5, 4))).shape
    (1, 3, 3, 5)
    """

    rank = 2


SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
