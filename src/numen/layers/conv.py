"""Convolution layers: Conv1D, Conv2D, Conv3D (and their Convolution* aliases).

Weights use Keras's layouts: kernel (*kernel_size, in_channels // groups, filters), bias
(filters,). The math lives in `ops.conv`; the layer checks arguments and shapes.
"""

from __future__ import annotations

from numen import activations, initializers, ops, regularizers
from numen.layers import validate
from numen.layers.base import InputSpec, Layer
from numen.layers.core import add_kernel_and_bias
from numen.ops.convolution import data_format_of


def serialize(obj):
    """A regularizer or constraint as a config dict (None stays None)."""
    if obj is None:
        return None
    return {"class_name": type(obj).__name__, "config": obj.get_config()}


def data_format_arg(value, layer) -> str:
    try:
        return data_format_of(value)
    except ValueError:
        raise ValueError(f"{type(layer).__name__}: `data_format` must be 'channels_last' or "
                         f"'channels_first', received {value!r}") from None


def channels_of(layer, input_shape) -> int:
    """The size of the channel axis of `input_shape`, which must be known to build."""
    axis = 1 if layer.data_format == "channels_first" else -1
    channels = input_shape[axis]
    if channels is None:
        raise ValueError(f"Layer '{layer.name}' needs a known channel axis to build, received "
                         f"input shape {tuple(input_shape)} ({layer.data_format})")
    return int(channels)


def positive_tuple(value, n: int, arg: str, layer) -> tuple:
    """An int or `n` ints, all positive, as a tuple of `n` ints."""
    out = validate.int_tuple(value, n, arg, layer)
    if any(v <= 0 for v in out) or isinstance(value, bool):
        raise ValueError(f"{type(layer).__name__}: `{arg}` must be positive, received "
                         f"{value!r}")
    return out


class BaseConv(Layer):
    """Shared by Conv1D/2D/3D: `rank` is the number of spatial axes.

    Args:
        filters: number of output channels.
        kernel_size / strides / dilation_rate: an int or one int per spatial axis.
        padding: 'valid', 'same', or (Conv1D only) 'causal'.
        data_format: 'channels_last' (default) or 'channels_first'.
        groups: split the input channels into this many independent groups.
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as in Keras.
    """

    _config_lists_activity_regularizer = True

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if lora_rank is not None:
            raise ValueError(f"{type(self).__name__}: lora_rank is not supported, received "
                             f"{lora_rank!r}")
        n = self.rank
        self.filters = validate.positive_int(filters, "filters", self)
        self.kernel_size = positive_tuple(kernel_size, n, "kernel_size", self)
        self.strides = positive_tuple(strides, n, "strides", self)
        self.dilation_rate = positive_tuple(dilation_rate, n, "dilation_rate", self)
        allowed = ("valid", "same", "causal") if n == 1 else ("valid", "same")
        self.padding = validate.one_of(padding, allowed, "padding", self)
        self.data_format = data_format_arg(data_format, self)
        self.groups = validate.positive_int(groups, "groups", self)
        if self.filters % self.groups:
            raise ValueError(f"{type(self).__name__}: `filters` ({self.filters}) must be "
                             f"divisible by `groups` ({self.groups})")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{type(self).__name__}: strides > 1 cannot be combined with "
                             f"dilation_rate > 1, received strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.input_spec = InputSpec(ndim=n + 2)

    def build(self, input_shape):
        channels = channels_of(self, input_shape)
        if channels % self.groups:
            raise ValueError(f"Layer '{self.name}': the input has {channels} channels, which "
                             f"is not divisible by groups={self.groups} (input shape "
                             f"{tuple(input_shape)})")
        shape = (*self.kernel_size, channels // self.groups, self.filters)
        add_kernel_and_bias(self, shape, self.filters)
        axis = 1 if self.data_format == "channels_first" else -1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: channels})
        self.built = True

    def convolution_op(self, inputs, kernel):
        """The convolution alone (no bias, no activation). As in Keras, a subclass may
        override it to change the op (e.g. standardize the kernel first), and `call` uses it;
        its `call` may also use it with a kernel of its own."""
        return ops.conv(inputs, kernel, self.strides, self.padding, self.data_format,
                        self.dilation_rate)

    def call(self, inputs):
        if type(self).convolution_op is not BaseConv.convolution_op:
            y = self.convolution_op(inputs, self.kernel)
            if self.use_bias:
                first = self.data_format == "channels_first"
                y = ops.add(y, ops.reshape(self.bias, (-1,) + (1,) * self.rank) if first
                            else self.bias)
            return self.activation(y)
        # A plain relu is fused into the convolution (one op, no separate relu arrays).
        fuse = self.activation is activations.relu or self.activation is ops.relu
        y = ops.conv(inputs, self.kernel, self.strides, self.padding, self.data_format,
                     self.dilation_rate, bias=self.bias, relu=fuse)
        return y if fuse else self.activation(y)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": serialize(self.kernel_regularizer),
            "bias_regularizer": serialize(self.bias_regularizer),
            "kernel_constraint": serialize(self.kernel_constraint),
            "bias_constraint": serialize(self.bias_constraint),
        }


class Conv1D(BaseConv):
    """1D convolution over (batch, steps, channels); padding may also be 'causal'.

    >>> Conv1D(4, 3)(np.zeros((2, 10, 3))).shape
    (2, 8, 4)
    """

    rank = 1


class Conv2D(BaseConv):
    """2D convolution over (batch, height, width, channels).

    >>> Conv2D(8, 3, padding="same")(np.zeros((2, 5, 5, 3))).shape
    (2, 5, 5, 8)
    """

    rank = 2


class Conv3D(BaseConv):
    """3D convolution over (batch, depth, height, width, channels).

    >>> Conv3D(2, 2)(np.zeros((1, 3, 3, 3, 1))).shape
    (1, 2, 2, 2, 2)
    """

    rank = 3


Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
