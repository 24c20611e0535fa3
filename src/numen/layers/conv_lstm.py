"""Convolutional LSTMs (Shi et al., 2015): ConvLSTM1D, ConvLSTM2D and ConvLSTM3D.

An LSTM whose input and recurrent transforms are convolutions, walked over the time axis of
`(batch, time, *spatial, channels)` inputs. The weights live in a `ConvLSTMCell` named
'conv_lstm_cell' with Keras 3's layout (kernel (*kernel_size, channels, 4 * filters),
recurrent_kernel (*kernel_size, filters, 4 * filters), bias (4 * filters,), gates i, f, c, o),
so Keras-saved weights load one to one. The input convolution of every step runs as one
convolution over batch and time together; each step then does one recurrent convolution.
"""

from __future__ import annotations

import numpy as np

from numen import activations, backend, initializers, ops, regularizers
from numen.autodiff import Tensor
from numen.layers import validate
from numen.layers.base import InputSpec, Layer
from numen.layers.conv import data_format_arg, positive_tuple
from numen.layers.core import _ser
from numen.layers.recurrent import RNN
from numen.layers.rnn_cells import _rate


def _conv_length(n, k, stride, dilation, padding):
    if n is None:
        return None
    if padding == "same":
        return -(-n // stride)
    return (n - dilation * (k - 1) - 1) // stride + 1


class ConvLSTMCell(Layer):
    """One step of a convolutional LSTM over inputs (batch, *spatial, channels).

    Args:
        rank: number of spatial axes (1, 2 or 3).
        filters: output channels.
        kernel_size / strides / dilation_rate: of the input convolution (an int or `rank`
            ints); the recurrent convolution uses the same kernel size, stride 1, 'same'.
        padding: 'valid' or 'same' for the input convolution.
        data_format: 'channels_last' (default) or 'channels_first'.
        activation / recurrent_activation / use_bias / unit_forget_bias, initializers,
            regularizers, constraints, dropout, recurrent_dropout, seed: as in LSTMCell.

    Dropout draws one mask for the inputs and one for the recurrent state per sequence.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if rank not in (1, 2, 3):
            raise ValueError(f"ConvLSTMCell: `rank` must be 1, 2 or 3, received {rank!r}")
        self.rank = rank
        self.filters = validate.positive_int(filters, "filters", self)
        self.kernel_size = positive_tuple(kernel_size, rank, "kernel_size", self)
        self.strides = positive_tuple(strides, rank, "strides", self)
        self.padding = validate.one_of(padding, ("valid", "same"), "padding", self)
        self.data_format = data_format_arg(data_format, self)
        self.dilation_rate = positive_tuple(dilation_rate, rank, "dilation_rate", self)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.recurrent_constraint = recurrent_constraint
        self.bias_constraint = bias_constraint
        self.dropout = _rate(dropout, "dropout", self)
        self.recurrent_dropout = _rate(recurrent_dropout, "recurrent_dropout", self)
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None
        self.state_size = [self.filters, self.filters]  # h and c: (*spatial, filters) each
        self.spatial_dims = None

    @property
    def _channel_axis(self) -> int:
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError(f"Layer '{self.name}' needs a known channel axis, received input "
                             f"shape {tuple(input_shape)}")
        self.input_dim = channels
        self.spatial_dims = tuple(input_shape[1:-1] if self.data_format == "channels_last"
                                  else input_shape[2:])
        out_spatial = tuple(_conv_length(n, k, s, d, self.padding) for n, k, s, d in zip(
            self.spatial_dims, self.kernel_size, self.strides, self.dilation_rate))
        if any(n is not None and n <= 0 for n in out_spatial):
            raise ValueError(f"Layer '{self.name}': kernel_size {self.kernel_size} does not fit "
                             f"inputs of spatial shape {self.spatial_dims}")
        self.output_spatial = out_spatial
        width = 4 * self.filters
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels, width), initializer=self.kernel_initializer,
            name="kernel", regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, width),
            initializer=self.recurrent_initializer, name="recurrent_kernel",
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(width,), initializer=self._bias_init(), name="bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, f = self.bias_initializer, self.filters

        def forget_one(shape, dtype=None):
            return np.concatenate([np.asarray(base((f,), dtype=dtype)), np.ones((f,), dtype),
                                   np.asarray(base((2 * f,), dtype=dtype))])

        return forget_one

    def _state_shape(self, batch_size) -> tuple:
        if self.data_format == "channels_last":
            return (batch_size, *self.output_spatial, self.filters)
        return (batch_size, self.filters, *self.output_spatial)

    def get_initial_state(self, batch_size: int) -> list:
        xp = backend.xp()
        shape = self._state_shape(batch_size)
        return [Tensor(xp.zeros(shape, dtype=self.dtype)), Tensor(xp.zeros(shape, self.dtype))]

    # -- the math ------------------------------------------------------------------------
    def _dropout_mask(self, shape, rate, training):
        if not training or rate == 0:
            return None
        r = self._rng or backend.rng()
        keep = r.random(shape) >= rate
        return Tensor(backend.to_device((keep / (1 - rate)).astype(self.dtype)))

    def input_conv(self, x):
        """The input convolution (all four gates) of inputs (batch, *spatial, channels)."""
        return ops.conv(x, self.kernel, self.strides, self.padding, self.data_format,
                        self.dilation_rate, bias=self.bias)

    def recurrent_conv(self, h):
        return ops.conv(h, self.recurrent_kernel, 1, "same", self.data_format)

    def step(self, xw, states, rec_mask=None):
        h, c = states[0], states[1]
        if rec_mask is not None:
            h = h * rec_mask
        z = xw + self.recurrent_conv(h)
        i, f, g, o = ops.split(z, 4, axis=self._channel_axis)
        c_new = self.recurrent_activation(f) * c + self.recurrent_activation(i) * \
            self.activation(g)
        h_new = self.recurrent_activation(o) * self.activation(c_new)
        return h_new, [h_new, c_new]

    def call(self, inputs, states, training=False):
        in_mask = self._dropout_mask(inputs.shape, self.dropout, training)
        rec_mask = self._dropout_mask(states[0].shape, self.recurrent_dropout, training)
        x = inputs if in_mask is None else inputs * in_mask
        return self.step(self.input_conv(x), list(states), rec_mask)

    def scan(self, x, states, mask=None, training=False, zero_output_for_mask=False):
        """Run over x (batch, time, *spatial, channels): (outputs, final states)."""
        batch, steps = x.shape[0], x.shape[1]
        in_mask = self._dropout_mask((batch, *x.shape[2:]), self.dropout, training)
        rec_mask = self._dropout_mask(tuple(states[0].shape), self.recurrent_dropout, training)
        if in_mask is not None:
            x = x * ops.expand_dims(in_mask, 1)
        merged = ops.reshape(x, (batch * steps, *x.shape[2:]))
        xw = self.input_conv(merged)
        xw = ops.reshape(xw, (batch, steps, *xw.shape[1:]))
        states = [ops.cast(s, self.dtype) if s.dtype != self.dtype else s for s in states]
        outputs = []
        for t in range(steps):
            out, new_states = self.step(xw[:, t], states, rec_mask)
            if mask is not None:
                m = Tensor(backend.to_device(mask[:, t].reshape((batch,) + (1,) * (
                    out.ndim - 1))))
                prev = ops.zeros_like(out) if zero_output_for_mask else states[0]
                out = ops.where(m, out, prev)
                new_states = [ops.where(m, n, s) for n, s in zip(new_states, states)]
            outputs.append(out)
            states = new_states
        return ops.stack(outputs, axis=1), states

    def get_config(self):
        return {
            **super().get_config(),
            "rank": self.rank,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
            "kernel_regularizer": _ser(self.kernel_regularizer),
            "recurrent_regularizer": _ser(self.recurrent_regularizer),
            "bias_regularizer": _ser(self.bias_regularizer),
            "kernel_constraint": _ser(self.kernel_constraint),
            "recurrent_constraint": _ser(self.recurrent_constraint),
            "bias_constraint": _ser(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


class _ConvLSTM(RNN):
    """What ConvLSTM1D/2D/3D share: an RNN over a ConvLSTMCell, configured by the cell's
    arguments (as Keras writes them)."""

    _rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, zero_output_for_mask=False,
                 **kwargs):
        cell = ConvLSTMCell(
            self._rank, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            name="conv_lstm_cell", dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         zero_output_for_mask=zero_output_for_mask,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=self._rank + 3)

    # Keras exposes the cell's arguments on the layer.
    filters = property(lambda self: self.cell.filters)
    kernel_size = property(lambda self: self.cell.kernel_size)
    strides = property(lambda self: self.cell.strides)
    padding = property(lambda self: self.cell.padding)
    data_format = property(lambda self: self.cell.data_format)
    dilation_rate = property(lambda self: self.cell.dilation_rate)
    activation = property(lambda self: self.cell.activation)
    recurrent_activation = property(lambda self: self.cell.recurrent_activation)
    use_bias = property(lambda self: self.cell.use_bias)
    dropout = property(lambda self: self.cell.dropout)
    recurrent_dropout = property(lambda self: self.cell.recurrent_dropout)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        cell = self.cell
        spatial = (sequences_shape[2:-1] if cell.data_format == "channels_last"
                   else sequences_shape[3:])
        out = tuple(_conv_length(n, k, s, d, cell.padding) for n, k, s, d in zip(
            spatial, cell.kernel_size, cell.strides, cell.dilation_rate))
        step = ((*out, cell.filters) if cell.data_format == "channels_last"
                else (cell.filters, *out))
        batch = sequences_shape[0]
        output = (batch, sequences_shape[1], *step) if self.return_sequences else (batch, *step)
        if self.return_state:
            return (output, (batch, *step), (batch, *step))
        return output

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype", "rank"):
            cell_config.pop(key, None)
        config["activity_regularizer"] = _ser(self.activity_regularizer)
        return {**config, **cell_config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class ConvLSTM1D(_ConvLSTM):
    """Convolutional LSTM over sequences of 1D maps (batch, time, steps, channels).

    Args:
        filters, kernel_size, strides, padding, data_format, dilation_rate: of the input
            convolution (the recurrent one is 'same' with stride 1).
        others: activation, recurrent_activation, use_bias, unit_forget_bias, the
            initializers, regularizers and constraints, dropout, recurrent_dropout and seed
            as in LSTM; return_sequences, return_state, go_backwards, stateful as in RNN.

    >>> ConvLSTM1D(4, 3)(np.ones((2, 5, 8, 3))).shape
    (2, 6, 4)
    """

    _rank = 1


class ConvLSTM2D(_ConvLSTM):
    """Convolutional LSTM over sequences of images (batch, time, rows, cols, channels).

    Args: as ConvLSTM1D, with 2D kernel sizes, strides and dilation rates.

    >>> ConvLSTM2D(4, 3, padding="same")(np.ones((2, 5, 8, 8, 3))).shape
    (2, 8, 8, 4)
    """

    _rank = 2


class ConvLSTM3D(_ConvLSTM):
    """Convolutional LSTM over sequences of volumes (batch, time, d1, d2, d3, channels).

    Args: as ConvLSTM1D, with 3D kernel sizes, strides and dilation rates.

    >>> ConvLSTM3D(2, 2)(np.ones((1, 3, 4, 4, 4, 1))).shape
    (1, 3, 3, 3, 2)
    """

    _rank = 3

