"""The training step's model call, recorded on the first batch of a shape and then replayed.

Eager execution builds a graph of Tensors for every batch: each layer call checks its input,
each op wraps its output and the backward pass sorts the graph again. For a model made only of
built-in layers whose ops are kernels (autodiff/replay.py), the first batch of each input
shape runs eagerly while its kernels are recorded; the second batch of that shape runs both the
recording and the eager step and compares the outputs and gradients bit for bit; from the third
on the recording alone runs the model forwards and backwards. When the loss is made of kernels
too (losses/kernels.py, the sparse cross-entropies) it is part of the recording, its label
checks included; otherwise it stays eager, as do regularization penalties and metrics, so
errors and logs do not change. `predict_step` replays `model(x, training=False)` the same way
(recorded, verified, then replayed), so one-sample inference pays for the kernels alone.

Recurrent layers qualify (their scans are kernels) unless stateful; those whose call is not
all kernels (masks, dropout, go_backwards, other activations) fail to record and stay eager.
Anything else keeps the eager path: subclassed models, custom layers (their `call` may have
side effects a replay would skip), ops that are not kernels, models adding losses in `call`,
several outputs, inputs that are not arrays, `compile(run_eagerly=True)` or
`compile(jit_compile=False)`, and a model whose verifying batch did not match.
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, enable_grad, gradients, no_grad
from numen.autodiff import graph as graph_module
from numen.autodiff.replay import Recorder

_MAX_SHAPES = 8  # distinct input shapes kept per compile
_FAILED = "failed"


def _pure_layer_types() -> tuple:
    # Layers whose call() is nothing but kernel ops: replaying it skips no side effect.
    from numen.layers import conv, pooling
    from numen.layers.activation import ReLU, Softmax
    from numen.layers.core import Activation, Dense, Dropout, Flatten, InputLayer
    from numen.layers.normalization import LayerNormalization
    from numen.layers.recurrent import GRU, LSTM, RNN, SimpleRNN
    from numen.layers.rnn_cells import GRUCell, LSTMCell, SimpleRNNCell

    return (Activation, Dense, Dropout, Flatten, InputLayer, ReLU, Softmax, conv.Conv1D,
            conv.Conv2D, conv.Conv3D, pooling.MaxPooling1D, pooling.MaxPooling2D,
            pooling.MaxPooling3D, pooling.AveragePooling1D, pooling.AveragePooling2D,
            pooling.AveragePooling3D, GRU, LSTM, RNN, SimpleRNN, GRUCell, LSTMCell,
            SimpleRNNCell, LayerNormalization)


def _replayable_model(model) -> bool:
    from numen.models.model import Functional
    from numen.models.sequential import Sequential

    if type(model) is Sequential:
        pass
    elif type(model) is not Functional or model._graph is None:
        return False
    pure = _pure_layer_types()
    # A stateful recurrent layer keeps its final states, a side effect a replay would skip.
    return all(type(layer) in pure and not getattr(layer, "stateful", False)
               for layer in model._walk() if layer is not model)


def _feeds(x) -> tuple | None:
    """The input arrays of a batch, or None when `x` is not an array or a list of arrays."""
    arrays = list(x) if isinstance(x, (list, tuple)) else [x]
    xp = backend.xp_of(*arrays) if arrays else None
    if not arrays or xp is None or not all(isinstance(a, xp.ndarray) for a in arrays):
        return None
    return tuple(arrays)


class RecordedStep:
    """Per-compile cache of recorded model calls, keyed by the batch's input shapes.

    Attributes:
        replays: how many steps ran from a recording (for tests and benchmarks).
    """

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.entries: dict = {}
        self.inference: dict = {}  # the same for `predict`, keyed also by the layer list
        self.replays = 0
        self.inference_replays = 0
        self._checked = False
        self._pure: bool | None = None
        self._last_inference = None  # (key, program) of the last verified inference replay

    def predict(self, model, x):
        """`model(x, training=False)` with no gradients, replayed when that is safe.

        Inference is recorded and verified like a training step (first batch of a shape
        recorded, second compared bit for bit with eager) so that predicting one sample pays
        for the kernels alone: no layer calls, input checks or Tensor wrapping per layer.
        """
        if self._pure is None:
            self._pure = self.enabled and _replayable_model(model)
        feeds = _feeds(x) if self._pure else None
        if feeds is None:
            return _inference(model, x)
        key = (tuple(map(id, model.layers)), isinstance(x, (list, tuple))) + tuple(
            (a.shape, a.dtype.str) for a in feeds)
        entry = self.inference.get(key)
        if entry is None:
            if len(self.inference) >= _MAX_SHAPES:
                return _inference(model, x)
            recorder = Recorder(feeds)
            with no_grad(), recorder:
                out = model(x, training=False)
            program = recorder.program([out]) if isinstance(out, Tensor) else None
            self.inference[key] = _FAILED if program is None else [program, False]
            return out
        if entry is _FAILED:
            return _inference(model, x)
        program, verified = entry
        (y,) = program.infer(feeds)
        if verified:
            self.inference_replays += 1
            self._last_inference = (feeds[0].shape, feeds[0].dtype, model.layers, program) \
                if len(feeds) == 1 and not key[1] else None
            return Tensor(y)
        eager = _inference(model, x)
        entry[1] = bool(backend.xp_of(y).array_equal(y, eager.data))
        if not entry[1]:
            self.inference[key] = _FAILED
        return eager

    def predict_array(self, model, x):
        """The replayed output of `model(x, training=False)` as an array when `x` is one
        array of the shape, dtype and layer list replayed last (what repeated one-sample
        predictions send): no data preparation, checks or Tensor on the way. None otherwise,
        and for the full path to run."""
        last = self._last_inference
        if last is None or type(x) is not np.ndarray:
            return None
        shape, dtype, layers, program = last
        # `is` on the dtype: another object for the same dtype just takes the full path
        if x.shape != shape or x.dtype is not dtype or model.layers != layers:
            return None
        self.inference_replays += 1
        return program.infer((x,))[0]

    def forward_backward(self, model, x, y, sample_weight, variables, into=None):
        """`(y_pred, loss, grads)` of one training batch, replayed when that is safe.

        `into` (optional, one array or None per variable) is where a replayed step writes
        the variables' gradients (see `Program.backward`): the returned gradients are then
        those arrays, overwritten by the next step given the same ones.
        """
        if not self._checked:  # at the first step: the model is built by then
            self.enabled = self.enabled and _replayable_model(model)
            self._checked = True
        feeds = _feeds(x) if self.enabled else None
        if feeds is None:
            return _eager(model, x, y, sample_weight, variables)
        targets = tuple(a for a in (y, sample_weight) if _is_array(a, feeds[0]))
        key = (isinstance(x, (list, tuple)), y is None, sample_weight is None) + tuple(
            (a.shape, a.dtype.str) for a in feeds + targets)
        entry = self.entries.get(key)
        if entry is None:
            if len(self.entries) >= _MAX_SHAPES:
                return _eager(model, x, y, sample_weight, variables)
            out, self.entries[key] = _record(model, feeds, targets, x, y, sample_weight,
                                             variables)
            return out
        if entry is _FAILED:
            return _eager(model, x, y, sample_weight, variables)
        program, with_loss, verified = entry
        run = _replayed_with_loss if with_loss else _replayed
        if verified:
            self.replays += 1
            return run(program, model, feeds + targets, x, y, sample_weight, variables, into)
        # Both run on this batch from the same random state (dropout), so they must agree bit
        # for bit; the eager result is the one used.
        states = _random_states(model)
        replayed = run(program, model, feeds + targets, x, y, sample_weight, variables)
        for generator, state in states:
            generator.bit_generator.state = state
        eager = _eager(model, x, y, sample_weight, variables)
        entry[2] = _same(replayed, eager)
        if not entry[2]:
            self.entries[key] = _FAILED
        return eager


def _is_array(a, like) -> bool:
    return a is not None and isinstance(a, backend.xp_of(like).ndarray)


def _record(model, feeds, targets, x, y, sample_weight, variables):
    """One eager step while recording; returns its result and the cache entry: the model call
    and the loss together when both are kernels, else the model call alone, else _FAILED."""
    recorder = Recorder(feeds + targets)
    with enable_grad(), recorder:
        y_pred = model(x, training=True)
        after_call = recorder.mark()
        loss = model._compute_loss(x, y, y_pred, sample_weight, training=True)
    out = y_pred, loss, gradients(loss, variables)
    if not isinstance(y_pred, Tensor) or _added_losses(model):
        return out, _FAILED
    program = recorder.program([y_pred, loss])
    if program is not None:
        return out, [program, True, False]
    program = recorder.program([y_pred], after_call)
    return out, _FAILED if program is None else [program, False, False]


def _random_states(model) -> list:
    """The generators a step may draw from (the global one, layers' own) and their states."""
    generators = [backend.rng()] + [layer._rng for layer in model._walk()
                                    if getattr(layer, "_rng", None) is not None]
    return [(g, g.bit_generator.state) for g in generators]


def _added_losses(model) -> bool:
    return any(layer._added_losses for layer in model._walk())


def _inference(model, x):
    with no_grad():
        return model(x, training=False)


def _eager(model, x, y, sample_weight, variables):
    with enable_grad():
        y_pred = model(x, training=True)
        loss = model._compute_loss(x, y, y_pred, sample_weight, training=True)
    return y_pred, loss, gradients(loss, variables)


def _replayed_with_loss(program, model, feeds, x, y, sample_weight, variables, into=None):
    """The model call and the loss both from the recording: no eager work at all."""
    (out, loss), backwards = program.forward(feeds)
    seed = backend.xp_of(loss).ones_like(loss)
    positions = program.positions(variables)
    recorded = program.backward(backwards, [None, seed], _into(program, positions, into))
    return Tensor(out), Tensor(loss), _aligned(recorded, positions, variables, into)


def _into(program, positions, into) -> list | None:
    """`into` (ordered like the trainer's variables) in the order of `program.variables`."""
    if into is None:
        return None
    found = [None] * len(program.variables)
    for k, j in enumerate(positions):
        if j is not None:
            found[j] = into[k]
    return found


def _aligned(recorded, positions, variables, into=None, direct=None) -> list:
    """The recorded gradients in the order of `variables` (plus any `direct` ones), each
    finished as graph.gradients finishes its results; those written into `into` are kept
    as they are (each its own array already)."""
    grads, handed = [], set()
    for k, v in enumerate(variables):
        j = positions[k]
        g = None if j is None else recorded[j]
        d = None if direct is None else direct[k]
        if d is not None:
            g = d if g is None else d + g
        elif g is not None and into is not None and g is into[k]:
            grads.append(g)
            continue
        g = graph_module._finish(g, v, handed)
        handed.add(id(g))
        grads.append(g)
    return grads


def _replayed(program, model, feeds, x, y, sample_weight, variables, into=None):
    (out,), backwards = program.forward(feeds)
    y_pred = Tensor(out, requires_grad=True)
    with enable_grad():
        loss = model._compute_loss(x, y, y_pred, sample_weight, training=True)
    # Penalties on the weights (regularizers) reach the variables directly.
    g_out, *direct = gradients(loss, [y_pred, *variables])
    positions = program.positions(variables)
    recorded = program.backward(backwards, [g_out], _into(program, positions, into))
    return y_pred, loss, _aligned(recorded, positions, variables, into, direct)


def _same(a, b) -> bool:
    """Whether two (y_pred, loss, grads) results are bit for bit the same."""
    xp = backend.xp_of(a[0].data)
    if not xp.array_equal(a[0].data, b[0].data) or not xp.array_equal(a[1].data, b[1].data):
        return False
    return all((g is None) == (h is None) and (g is None or bool(xp.array_equal(g, h)))
               for g, h in zip(a[2], b[2]))
