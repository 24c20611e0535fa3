"""Transposed convolution layers: Conv1DTranspose, Conv2DTranspose, Conv3DTranspose.

Kernel layout as Keras: (*kernel_size, filters, in_channels); bias (filters,).
"""

from __future__ import annotations

from numen import activations, initializers, ops, regularizers
from numen.layers import validate
from numen.layers.base import InputSpec, Layer
from numen.layers.conv import channels_of, data_format_arg, positive_tuple, serialize
from numen.layers.core import add_kernel_and_bias


class BaseConvTranspose(Layer):
    """Shared by Conv1DTranspose/2D/3D: `rank` is the number of spatial axes.

    Args:
        filters: number of output channels.
        kernel_size / strides / dilation_rate: an int or one int per spatial axis.
        padding: 'valid' or 'same'.
        output_padding: None, or an int / one int per axis (each smaller than its stride)
            added to the output size.
        data_format: 'channels_last' (default) or 'channels_first'.
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as in Keras.
    """

    _config_lists_activity_regularizer = True

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        n = self.rank
        self.filters = validate.positive_int(filters, "filters", self)
        self.kernel_size = positive_tuple(kernel_size, n, "kernel_size", self)
        self.strides = positive_tuple(strides, n, "strides", self)
        self.dilation_rate = positive_tuple(dilation_rate, n, "dilation_rate", self)
        self.padding = validate.one_of(padding, ("valid", "same"), "padding", self)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = validate.int_tuple(output_padding, n, "output_padding", self)
            if any(p < 0 or p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ValueError(f"{type(self).__name__}: each `output_padding` must be >= 0 "
                                 f"and smaller than its stride, received output_padding="
                                 f"{self.output_padding} with strides={self.strides}")
        self.data_format = data_format_arg(data_format, self)
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
        shape = (*self.kernel_size, self.filters, channels)
        add_kernel_and_bias(self, shape, self.filters)
        axis = 1 if self.data_format == "channels_first" else -1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: channels})
        self.built = True

    def call(self, inputs):
        y = ops.conv_transpose(inputs, self.kernel, self.strides, self.padding,
                               self.output_padding, self.data_format, self.dilation_rate,
                               bias=self.bias)
        return self.activation(y)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": serialize(self.kernel_regularizer),
            "bias_regularizer": serialize(self.bias_regularizer),
            "kernel_constraint": serialize(self.kernel_constraint),
            "bias_constraint": serialize(self.bias_constraint),
        }


class Conv1DTranspose(BaseConvTranspose):
    """Transposed 1D convolution.

    >>> Conv1DTranspose(4, 3, strides=2, padding="same")(np.zeros((1, 5, 2))).shape
    (1, 10, 4)
    """

    rank = 1


class Conv2DTranspose(BaseConvTranspose):
    """Transposed 2D convolution (upsampling by `strides`).

    >>> Conv2DTranspose(4, 3, strides=2, padding="same")(np.zeros((1, 5, 5, 2))).shape
    (1, 10, 10, 4)
    """

    rank = 2


class Conv3DTranspose(BaseConvTranspose):
    """Transposed 3D convolution.

    >>> Conv3DTranspose(2, 2, strides=2)(np.zeros((1, 2, 2, 2, 1))).shape
    (1, 4, 4, 4, 2)
    """

    rank = 3


Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
