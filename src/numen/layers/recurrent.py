"""Recurrent layers: the generic RNN(cell) and SimpleRNN, LSTM, GRU built on it.

An RNN layer walks a cell over the time axis of `(batch, time, features)` inputs. It handles
what is common to every recurrence: initial and stateful states, `go_backwards`, masks (a
masked step keeps the states and repeats the previous output), `return_sequences` and
`return_state`. The cells (`layers/rnn_cells.py`) own the weights and the step math, so a
Keras-saved LSTM's weights (`lstm/lstm_cell/kernel`, ...) load one to one.
"""

from __future__ import annotations

import numpy as np

from numen import backend, ops
from numen.autodiff import Tensor, as_tensor, data_of
from numen.layers.base import InputSpec, Layer
from numen.layers.rnn_cells import (
    GRUCell,
    LSTMCell,
    SimpleRNNCell,
    StackedRNNCells,
    _GatedCell,
    scan_cell,
)
from numen.ops.recurrent import take_steps

_RNN_FLAGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
              "zero_output_for_mask")


def _nest_like(size, values, layer_name):
    """Initial states given by the user, shaped like the cell's `state_size`."""
    values = list(values) if isinstance(values, (list, tuple)) else [values]
    if isinstance(size, (list, tuple)) and any(isinstance(s, (list, tuple)) for s in size):
        return [_nest_like(s, v, layer_name) for s, v in zip(size, values)]
    expected = len(size) if isinstance(size, (list, tuple)) else 1
    if len(values) != expected:
        raise ValueError(f"Layer '{layer_name}' expects {expected} initial state tensor(s), "
                         f"received {len(values)}")
    return values


def _map_states(fn, states):
    if isinstance(states, (list, tuple)):
        return [_map_states(fn, s) for s in states]
    return fn(states)


def _flat(states) -> list:
    if isinstance(states, (list, tuple)):
        return [t for s in states for t in _flat(s)]
    return [states]


class RNN(Layer):
    """Runs a recurrent cell (or a list of cells, stacked) over the time axis.

    Args:
        cell: a cell instance (`call(inputs, states) -> (output, new_states)` and
            `state_size`), or a list of cells, which run as `StackedRNNCells`.
        return_sequences: return the output of every step `(batch, time, units)` instead of
            the last one `(batch, units)`.
        return_state: also return the final states: `(output, *states)`.
        go_backwards: process the sequence from its end (outputs come in that order).
        stateful: carry the final states of a batch over as the next batch's initial states
            (until `reset_state()`); the batch size must stay the same.
        unroll: accepted for compatibility; the loop is always a Python loop.
        zero_output_for_mask: output zeros (instead of the previous output) at masked steps.

    Call arguments: `inputs`, `initial_state` (list of tensors), `mask` (batch, time) booleans,
    `training`.

    >>> RNN(LSTMCell(8))(np.ones((2, 5, 3))).shape
    (2, 8)
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise ValueError(f"RNN: `cell` needs a `call` method and a `state_size` attribute, "
                             f"received {cell!r}")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.states = None
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=3)

    @property
    def state_size(self):
        return self.cell.state_size

    def build(self, sequences_shape, initial_state_shape=None):
        step_shape = (sequences_shape[0],) + tuple(sequences_shape[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_shape)
            self.cell.built = True
        self.built = True

    def get_initial_state(self, batch_size: int):
        if hasattr(self.cell, "get_initial_state"):
            states = self.cell.get_initial_state(batch_size)
            return list(states) if isinstance(states, (list, tuple)) else [states]
        sizes = self.cell.state_size
        sizes = list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]
        return [Tensor(backend.xp().zeros((batch_size, n), dtype=self.compute_dtype))
                for n in sizes]

    def reset_state(self) -> None:
        """Zero the carried states of a stateful layer (they keep their shapes, as in Keras;
        before the first call there is nothing to zero)."""
        if self.states is not None:
            self.states = _map_states(lambda s: Tensor(s.data * 0), self.states)

    reset_states = reset_state

    def _initial_states(self, initial_state, batch_size):
        if initial_state is not None:
            states = _nest_like(self.cell.state_size, initial_state, self.name)
            return _map_states(self._state_tensor, states)
        if self.stateful and self.states is not None:
            if _flat(self.states)[0].shape[0] != batch_size:
                raise ValueError(f"Layer '{self.name}' is stateful and was last called with "
                                 f"batch size {_flat(self.states)[0].shape[0]}; received a "
                                 f"batch of {batch_size}. Call reset_state() first")
            return self.states
        if (type(self).get_initial_state is RNN.get_initial_state
                and getattr(type(self.cell), "get_initial_state", None)
                is _GatedCell.get_initial_state):
            return None  # zeros, made inside the fused scan (nothing for a recording to name)
        return self.get_initial_state(batch_size)

    def _state_tensor(self, s):
        if isinstance(s, Tensor):
            dtype = self.compute_dtype
            return s if s.dtype == dtype else ops.cast(s, dtype)
        return as_tensor(backend.to_device(np.asarray(s)), self.compute_dtype)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        x = sequences
        states = self._initial_states(initial_state, x.shape[0])
        if mask is not None:
            mask = backend.to_numpy(data_of(mask)).astype(bool)
            if mask.shape != x.shape[:2]:
                raise ValueError(f"Layer '{self.name}': mask must have shape (batch, time) = "
                                 f"{x.shape[:2]}, received {mask.shape}")
        if self.go_backwards:
            x = ops.flip(x, axis=1)
            mask = None if mask is None else mask[:, ::-1]
        last_only = not (self.return_sequences or self.return_state or self.stateful)
        if last_only and isinstance(self.cell, _GatedCell):
            # Only the last output is needed: the scan's packed result is cut once.
            output, _ = self.cell.scan(x, states, mask, bool(training),
                                       self.zero_output_for_mask, last_only=True)
            return output
        outputs, states = scan_cell(self.cell, x, states, mask, bool(training),
                                    self.zero_output_for_mask)
        if self.stateful:
            self.states = _map_states(lambda s: Tensor(s.data.copy()), states)
        output = outputs if self.return_sequences else take_steps(outputs, (slice(None), -1))
        if self.return_state:
            return (output, *states)
        return output

    def compute_mask(self, inputs, mask=None):
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in _flat_sizes(self.cell.state_size)]
        return output_mask

    def get_config(self):
        from numen import saving

        config = {**super().get_config(), **{k: getattr(self, k) for k in _RNN_FLAGS}}
        config["cell"] = saving.serialize_layer(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from numen import saving

        config = dict(config)
        cell = config.pop("cell")
        if isinstance(cell, dict):
            cell = saving.deserialize_layer(cell, custom_objects)
        elif isinstance(cell, list):
            cell = [saving.deserialize_layer(c, custom_objects) for c in cell]
        return cls(cell, **config)


def _flat_sizes(size) -> list:
    if isinstance(size, (list, tuple)):
        return list(size)
    return [size]


class _CellRNN(RNN):
    """An RNN whose config is its cell's arguments (SimpleRNN, LSTM, GRU), as in Keras."""

    _config_lists_activity_regularizer = True

    _cell_class: type = SimpleRNNCell
    _cell_name = "simple_rnn_cell"

    def __init__(self, units, cell_kwargs, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, activity_regularizer=None,
                 use_cudnn="auto", **kwargs):
        cell = self._cell_class(units, dtype=kwargs.get("dtype"),
                                trainable=kwargs.get("trainable", True), name=self._cell_name,
                                **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.use_cudnn = use_cudnn

    # Keras exposes the cell's arguments on the layer.
    @property
    def units(self) -> int:
        return self.cell.units

    @property
    def activation(self):
        return self.cell.activation

    @property
    def use_bias(self) -> bool:
        return self.cell.use_bias

    @property
    def dropout(self) -> float:
        return self.cell.dropout

    @property
    def recurrent_dropout(self) -> float:
        return self.cell.recurrent_dropout

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        return {**config, **cell_config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class SimpleRNN(_CellRNN):
    """Fully connected RNN whose output is fed back as the next step's state.

    Weights (Keras 3 layout): kernel (features, units), recurrent_kernel (units, units),
    bias (units,).
    """

    _cell_class = SimpleRNNCell
    _cell_name = "simple_rnn_cell"

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        cell_kwargs = dict(
            activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed)
        super().__init__(units, cell_kwargs, **kwargs)


class LSTM(_CellRNN):
    """Long short-term memory layer (Hochreiter & Schmidhuber, 1997).

    Weights (Keras 3 layout, gates i, f, c, o): kernel (features, 4 * units), recurrent_kernel
    (units, 4 * units), bias (4 * units,). States: [h, c].

    >>> LSTM(16, return_sequences=True)(np.ones((2, 10, 4))).shape
    (2, 10, 16)
    """

    _cell_class = LSTMCell
    _cell_name = "lstm_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        cell_kwargs = dict(
            activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed)
        super().__init__(units, cell_kwargs, **kwargs)


class GRU(_CellRNN):
    """Gated recurrent unit layer (Cho et al., 2014).

    Weights (Keras 3 layout, gates z, r, h): kernel (features, 3 * units), recurrent_kernel
    (units, 3 * units), bias (2, 3 * units) with `reset_after=True` (default) or
    (3 * units,) without.
    """

    _cell_class = GRUCell
    _cell_name = "gru_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 reset_after=True, **kwargs):
        cell_kwargs = dict(
            activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            reset_after=reset_after)
        super().__init__(units, cell_kwargs, **kwargs)
