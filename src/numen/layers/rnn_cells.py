"""Recurrent cells: SimpleRNNCell, LSTMCell, GRUCell and StackedRNNCells.

A cell is one step of a recurrence, `call(inputs, states) -> (output, new_states)`, with
Keras 3's arguments and weight layouts. For speed the built-in cells also run a whole sequence
(`scan`): the inputs of every step are projected by one matmul up front, then each step does one
recurrent matmul; with the default activations the steps run inside a fused op with a
hand-written backward (`numen.ops.recurrent`), otherwise they are composed from ordinary ops.

Dropout follows Keras 3's cells: one input mask and one recurrent mask per sequence, drawn from
`numen.backend.rng()` (or the cell's own generator when `seed` is given), used in training only.
"""

from __future__ import annotations

import numpy as np

from numen import activations, backend, initializers, ops, regularizers
from numen.autodiff import Tensor
from numen.layers import validate
from numen.layers.base import Layer
from numen.layers.core import _ser
from numen.ops.recurrent import take_steps


def _rate(value, arg: str, layer) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
        raise ValueError(f"{type(layer).__name__}: `{arg}` must be a number in [0, 1], "
                         f"received {value!r}")
    return float(value)


def _as_list(states) -> list:
    return list(states) if isinstance(states, (list, tuple)) else [states]


def step_loop(step, steps: int, states: list, mask, zero_output_for_mask: bool):
    """Run `step(t, states) -> (output, new_states)` for t in 0..steps-1 with Keras masking.

    At a masked step the states keep their values and the output is the previous output (the
    first state, as Keras takes it) or zeros. Returns (outputs stacked on axis 1, states).
    """
    outputs = []
    for t in range(steps):
        out, new_states = step(t, states)
        new_states = _as_list(new_states)
        if mask is not None:
            m = mask[:, t, None]
            prev = _first_state(states)
            out = ops.where(m, out, ops.zeros_like(out) if zero_output_for_mask else prev)
            new_states = _keep_masked(m, new_states, states)
        outputs.append(out)
        states = new_states
    return ops.stack(outputs, axis=1), states


def _first_state(states):
    first = states[-1] if isinstance(states[0], (list, tuple)) else states
    return first[0]


def _keep_masked(m, new, old):
    if isinstance(new, (list, tuple)):
        return [_keep_masked(m, n, o) for n, o in zip(new, old)]
    return ops.where(m, new, old)


def scan_cell(cell, x, states: list, mask=None, training=False, zero_output_for_mask=False):
    """Run `cell` over the sequence `x` (batch, time, features) from `states`.

    Uses the cell's own `scan` when it has one; any other Keras-style cell is called step by
    step. `states` None means the cell's zero states (a built-in cell's fused scan makes them
    itself). Returns (outputs of shape (batch, time, output_size), final states).
    """
    if hasattr(cell, "scan"):
        return cell.scan(x, states, mask, training, zero_output_for_mask)
    if states is None:
        states = _as_list(cell.get_initial_state(x.shape[0]))
    kwargs = {"training": training} if getattr(cell, "_call_has_training", False) else {}

    def step(t, s):
        return cell(x[:, t], list(s), **kwargs)

    return step_loop(step, x.shape[1], states, mask, zero_output_for_mask)


class _GatedCell(Layer):
    """What the built-in cells share: arguments, weights, dropout masks and the sequence scan.

    Subclasses set `_gates` (how many blocks of `units` columns the kernels have) and implement
    `step(xw_t, states, recurrent_mask)` and, for the default activations, `_fused` (the
    fused scan op's packed result).
    """

    _gates = 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units = validate.positive_int(units, "units", self)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
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

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self) -> int:
        return self.units

    def _bias_shape(self) -> tuple:
        return (self._gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    def build(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f"Layer '{self.name}' needs a known feature axis to build, "
                             f"received input shape {input_shape}")
        width = self._gates * self.units
        self.kernel = self.add_weight(
            shape=(in_dim, width), initializer=self.kernel_initializer, name="kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, width), initializer=self.recurrent_initializer,
            name="recurrent_kernel", regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=self._bias_shape(), initializer=self._bias_init(), name="bias",
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def get_initial_state(self, batch_size: int) -> list:
        xp = backend.xp()
        n = len(self.state_size) if isinstance(self.state_size, (list, tuple)) else 1
        return [Tensor(xp.zeros((batch_size, self.units), dtype=self.compute_dtype))
                for _ in range(n)]

    # -- dropout -------------------------------------------------------------------------
    def _mask(self, shape, rate, training):
        if not training or rate == 0:
            return None
        r = self._rng or backend.rng()
        keep = r.random(shape) >= rate
        return backend.to_device((keep / (1 - rate)).astype(self.compute_dtype))

    def dropout_masks(self, batch: int, in_dim: int, training):
        """(input mask (batch, in_dim), recurrent mask (batch, units)), None where unused."""
        return (self._mask((batch, in_dim), self.dropout, training),
                self._mask((batch, self.units), self.recurrent_dropout, training))

    # -- the math ------------------------------------------------------------------------
    def _input_bias(self):
        return self.bias

    def project(self, x, input_mask=None):
        """Inputs of every step times the kernel (plus the input bias), one matmul."""
        if input_mask is not None:
            x = x * Tensor(input_mask[:, None, :] if x.ndim == 3 else input_mask)
        return ops.dense(x, self.kernel, self._input_bias())

    def _default_activations(self) -> bool:
        return (self.activation is activations.tanh
                and self.recurrent_activation is activations.sigmoid)

    def call(self, inputs, states, training=False):
        """One step: `(output, new_states)` for inputs (batch, features)."""
        nested = isinstance(states, (list, tuple))
        states = _as_list(states)
        in_mask, rec_mask = self.dropout_masks(inputs.shape[0], inputs.shape[-1], training)
        out, new_states = self.step(self.project(inputs, in_mask), states, rec_mask)
        if not nested and len(new_states) == 1:
            return out, new_states[0]
        return out, new_states

    def scan(self, x, states, mask=None, training=False, zero_output_for_mask=False,
             last_only=False):
        """Run the cell over x (batch, time, features) from `states` (None: zeros);
        (outputs, final states). With `last_only`, (the last step's output, None) from the
        fused scan: what an RNN layer returning neither sequences nor states needs."""
        in_mask, rec_mask = self.dropout_masks(x.shape[0], x.shape[-1], training)
        xw = self.project(x, in_mask)
        dtype = self.compute_dtype
        if states is not None:
            states = [ops.cast(s, dtype) if s.dtype != dtype else s for s in states]
        if self._default_activations():
            n_states = len(_as_list(self.state_size))
            packed = self._fused(xw, states or [None] * n_states, mask, rec_mask,
                                 zero_output_for_mask)
            steps = x.shape[1]
            if last_only:
                return take_steps(packed, (slice(None), steps - 1)), None
            return self._unpack(packed, steps, n_states)
        if states is None:
            states = self.get_initial_state(x.shape[0])

        def step(t, s):
            return self.step(xw[:, t], s, rec_mask)

        outputs, states = step_loop(step, x.shape[1], states, mask, zero_output_for_mask)
        if last_only:
            return take_steps(outputs, (slice(None), -1)), states
        return outputs, states

    @staticmethod
    def _unpack(packed, steps: int, n_states: int):
        # Through a replay kernel, so that a recorded training step can take the parts.
        outputs = take_steps(packed, (slice(None), slice(None, steps)))
        return outputs, [take_steps(packed, (slice(None), steps + k)) for k in range(n_states)]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
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


def _h_in(h, rec_mask):
    return h if rec_mask is None else h * Tensor(rec_mask)


class SimpleRNNCell(_GatedCell):
    """Fully connected recurrence: `h = activation(x @ kernel + h_prev @ recurrent_kernel + b)`.

    Weights: kernel (features, units), recurrent_kernel (units, units), bias (units,).

    >>> out, h = SimpleRNNCell(4)(np.ones((2, 3)), [np.zeros((2, 4))])
    """

    _gates = 1

    def __init__(self, units, activation="tanh", use_bias=True, **kwargs):
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)

    def _default_activations(self) -> bool:
        return self.activation is activations.tanh

    def step(self, xw_t, states, rec_mask=None):
        h = self.activation(xw_t + ops.matmul(_h_in(states[0], rec_mask),
                                              self.recurrent_kernel))
        return h, [h]

    def _fused(self, xw, states, mask, rec_mask, zero_output):
        return ops.simple_rnn_scan(xw, states[0], self.recurrent_kernel, mask, rec_mask,
                                   zero_output)

    def get_config(self):
        config = super().get_config()
        config.pop("recurrent_activation")
        return config


class LSTMCell(_GatedCell):
    """Long short-term memory step, gates i, f, c, o (Keras 3's order and layout).

    Weights: kernel (features, 4 * units), recurrent_kernel (units, 4 * units), bias
    (4 * units,). `unit_forget_bias=True` starts the forget-gate bias at one.
    States: [h, c].
    """

    _gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, unit_forget_bias=True, **kwargs):
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self):
        return [self.units, self.units]

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, u = self.bias_initializer, self.units

        def forget_one(shape, dtype=None):
            parts = [np.asarray(base((u,), dtype=dtype)), np.ones((u,), dtype=dtype),
                     np.asarray(base((2 * u,), dtype=dtype))]
            return np.concatenate(parts)

        return forget_one

    def step(self, xw_t, states, rec_mask=None):
        h, c = states[0], states[1]
        u = self.units
        z = xw_t + ops.matmul(_h_in(h, rec_mask), self.recurrent_kernel)
        i = self.recurrent_activation(z[:, :u])
        f = self.recurrent_activation(z[:, u:2 * u])
        c_new = f * c + i * self.activation(z[:, 2 * u:3 * u])
        o = self.recurrent_activation(z[:, 3 * u:])
        h_new = o * self.activation(c_new)
        return h_new, [h_new, c_new]

    def _fused(self, xw, states, mask, rec_mask, zero_output):
        return ops.lstm_scan(xw, states[0], states[1], self.recurrent_kernel, mask, rec_mask,
                             zero_output)

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class GRUCell(_GatedCell):
    """Gated recurrent unit step, gates z, r, h (Keras 3's order and layout).

    With `reset_after=True` (default, cuDNN-compatible) the reset gate multiplies the
    recurrent projection, and the bias has shape (2, 3 * units): input bias, recurrent bias.
    With `reset_after=False` the reset gate multiplies h before its matmul; bias (3 * units,).
    """

    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, reset_after=True, **kwargs):
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self):
        if self.bias is None or not self.reset_after:
            return self.bias
        return take_steps(self.bias, 0)

    def _recurrent_bias(self):
        return take_steps(self.bias, 1) if self.bias is not None and self.reset_after else None

    def _default_activations(self) -> bool:
        return self.reset_after and super()._default_activations()

    def step(self, xw_t, states, rec_mask=None):
        h = states[0]
        u = self.units
        h_in = _h_in(h, rec_mask)
        if self.reset_after:
            a = ops.matmul(h_in, self.recurrent_kernel)
            if self.bias is not None:
                a = a + self._recurrent_bias()
        else:
            a = ops.matmul(h_in, self.recurrent_kernel[:, :2 * u])
        z = self.recurrent_activation(xw_t[:, :u] + a[:, :u])
        r = self.recurrent_activation(xw_t[:, u:2 * u] + a[:, u:2 * u])
        if self.reset_after:
            recurrent_h = r * a[:, 2 * u:]
        else:
            recurrent_h = ops.matmul(r * h_in, self.recurrent_kernel[:, 2 * u:])
        hh = self.activation(xw_t[:, 2 * u:] + recurrent_h)
        h_new = z * h + (1 - z) * hh
        return h_new, [h_new]

    def _fused(self, xw, states, mask, rec_mask, zero_output):
        return ops.gru_scan(xw, states[0], self.recurrent_kernel, self._recurrent_bias(), mask,
                            rec_mask, zero_output)

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}


class StackedRNNCells(Layer):
    """Several cells run as one: each cell's output is the next cell's input.

    States are nested, one list per cell; the output is the last cell's output.
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        cells = list(cells)
        for cell in cells:
            if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
                raise ValueError(f"StackedRNNCells: every cell needs `call` and `state_size`, "
                                 f"received {cell!r}")
        self.cells = cells

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> int:
        last = self.cells[-1]
        size = getattr(last, "output_size", None)
        return size if size is not None else _as_list(last.state_size)[0]

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(shape)
                cell.built = True
            size = getattr(cell, "output_size", None) or _as_list(cell.state_size)[0]
            shape = shape[:-1] + (size,)
        self.built = True

    def get_initial_state(self, batch_size: int) -> list:
        out = []
        for cell in self.cells:
            if hasattr(cell, "get_initial_state"):
                out.append(_as_list(cell.get_initial_state(batch_size)))
            else:
                out.append([Tensor(backend.xp().zeros((batch_size, n), dtype=self.compute_dtype))
                            for n in _as_list(cell.state_size)])
        return out

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, s in zip(self.cells, states):
            inputs, s = cell(inputs, _as_list(s), training=training)
            new_states.append(_as_list(s))
        return inputs, new_states

    def scan(self, x, states, mask=None, training=False, zero_output_for_mask=False):
        """Each cell over the whole sequence in turn (equal to stepping them together)."""
        final = []
        for k, (cell, s) in enumerate(zip(self.cells, states)):
            last = k == len(self.cells) - 1
            x, s = scan_cell(cell, x, _as_list(s), mask, training,
                             zero_output_for_mask and last)
            final.append(s)
        return x, final

    def get_config(self):
        from numen import saving

        return {**super().get_config(),
                "cells": [saving.serialize_layer(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from numen import saving

        config = dict(config)
        cells = [saving.deserialize_layer(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)
