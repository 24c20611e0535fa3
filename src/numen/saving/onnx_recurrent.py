"""ONNX converters for the sequence layers: SimpleRNN, LSTM, GRU (and RNN over their cells),
Bidirectional, and MultiHeadAttention.

Keras keeps sequences batch-major and orders the LSTM gates i, f, c, o; ONNX's RNN/LSTM/GRU ops
want time-major inputs, weights as (gates * units, features) and the LSTM gates i, o, f, c.
GRU's gates (z, r, h) already agree; Keras's `reset_after=True` is ONNX's
`linear_before_reset=1`. Attention is composed from MatMul and Softmax.
"""

from __future__ import annotations

import math

import numpy as np

from numen import activations as act
from numen.layers import wrappers
from numen.layers.attention import MultiHeadAttention
from numen.layers.recurrent import RNN
from numen.layers.rnn_cells import GRUCell, LSTMCell, SimpleRNNCell

_ONNX_ACTIVATIONS = {act.tanh: "Tanh", act.sigmoid: "Sigmoid", act.relu: "Relu",
                     act.softsign: "Softsign", act.softplus: "Softplus"}
_INT64_MIN = -(2**63)


def _activation(fn, layer) -> str:
    name = _ONNX_ACTIVATIONS.get(fn)
    if name is None:
        raise ValueError(f"Cannot export layer '{layer.name}' ({type(layer).__name__}): the "
                         f"recurrent activation {getattr(fn, '__name__', fn)!r} has no ONNX "
                         f"equivalent; supported: {sorted(f.__name__ for f in _ONNX_ACTIVATIONS)}")
    return name


def _lstm_gates(w, units):
    """Columns in Keras's gate order i, f, c, o -> ONNX's i, o, f, c."""
    i, f, c, o = (w[..., k * units:(k + 1) * units] for k in range(4))
    return np.concatenate([i, o, f, c], axis=-1)


def _ops_weights(g, cell):
    """(op, W, R, B, activations, extra attributes) for a built-in cell."""
    u = cell.units
    reorder = (lambda w: _lstm_gates(w, u)) if isinstance(cell, LSTMCell) else (lambda w: w)
    w = g.weight(cell.kernel, lambda k: reorder(k).T[None], "onnx_W")
    r = g.weight(cell.recurrent_kernel, lambda k: reorder(k).T[None], "onnx_R")
    gates = cell._gates * u
    b = None
    if cell.bias is not None:
        def bias(v):
            if v.ndim == 2:  # GRU with reset_after: (input bias, recurrent bias)
                return np.concatenate([v[0], v[1]])[None]
            return np.concatenate([reorder(v), np.zeros(gates, v.dtype)])[None]
        b = g.weight(cell.bias, bias, "onnx_B")
    if isinstance(cell, LSTMCell):
        fns = [cell.recurrent_activation, cell.activation, cell.activation]
        return "LSTM", w, r, b, fns, {}
    if isinstance(cell, GRUCell):
        fns = [cell.recurrent_activation, cell.activation]
        return "GRU", w, r, b, fns, {"linear_before_reset": int(cell.reset_after)}
    return "RNN", w, r, b, [cell.activation], {}


def _squeeze(g, x, axis):
    return g.node("Squeeze", [x, g.ints([axis])])


def flip_time(g, x):
    """Reverse axis 1 (time) of a batch-major sequence."""
    return g.node("Slice", [x, g.ints([-1]), g.ints([_INT64_MIN]), g.ints([1]), g.ints([-1])])


def _rnn(g, layer, x):
    cell = layer.cell
    if type(cell) not in (SimpleRNNCell, LSTMCell, GRUCell):
        raise ValueError(f"Cannot export layer '{layer.name}' ({type(layer).__name__}): its "
                         f"cell {type(cell).__name__} has no ONNX conversion (supported: "
                         "SimpleRNNCell, LSTMCell, GRUCell)")
    if layer.stateful:
        raise ValueError(f"Cannot export layer '{layer.name}' ({type(layer).__name__}) with "
                         "stateful=True: an ONNX graph starts every call from zero states")
    op, w, r, b, fns, extra = _ops_weights(g, cell)
    names = [_activation(fn, layer) for fn in fns]
    inputs = [g.node("Transpose", [g.as_float(x)], perm=[1, 0, 2]), w, r] + ([b] if b else [])
    n_out = 3 if op == "LSTM" else 2
    outs = g.node(op, inputs, outputs=n_out, hidden_size=cell.units, activations=names,
                  direction="reverse" if layer.go_backwards else "forward", **extra)
    if layer.return_sequences:
        y = g.node("Transpose", [_squeeze(g, outs[0], 1)], perm=[1, 0, 2])
        if layer.go_backwards:  # Keras returns the outputs in the order they were computed
            y = flip_time(g, y)
    else:
        y = _squeeze(g, outs[1], 0)
    if layer.return_state:
        return [y] + [_squeeze(g, s, 0) for s in outs[1:]]
    return y


def _bidirectional(g, layer, x):
    outer = g.scope
    results = []
    for direction in (layer.forward_layer, layer.backward_layer):
        g.scope = f"{outer}/{direction.name}"
        if not isinstance(direction, RNN):
            raise ValueError(f"Cannot export layer '{layer.name}' (Bidirectional): its wrapped "
                             f"layer {type(direction).__name__} is not an RNN layer")
        results.append(_rnn(g, direction, x))
    g.scope = outer
    (y, *fw_states), (y_rev, *bw_states) = (
        r if isinstance(r, list) else [r] for r in results)
    if layer.return_sequences:
        y_rev = flip_time(g, y_rev)
    mode = layer.merge_mode
    if mode == "concat":
        out = [g.node("Concat", [y, y_rev], axis=-1)]
    elif mode == "sum":
        out = [g.node("Add", [y, y_rev])]
    elif mode == "ave":
        out = [g.node("Div", [g.node("Add", [y, y_rev]), g.const(2.0)])]
    elif mode == "mul":
        out = [g.node("Mul", [y, y_rev])]
    else:
        out = [y, y_rev]
    out += fw_states + bw_states
    return out[0] if len(out) == 1 else out


# -- attention ------------------------------------------------------------------------------
def _project(g, projection, x, in_size):
    size_out = math.prod(projection.out_dims)
    y = g.node("MatMul", [x, g.weight(projection.kernel,
                                      lambda w: w.reshape(in_size, size_out), "2d")])
    if projection.bias is not None:
        y = g.node("Add", [y, g.weight(projection.bias, lambda w: w.reshape(size_out), "1d")])
    return y


def _heads(g, layer, x, depth, perm):
    # (batch, time, heads * depth) -> (batch, heads, time, depth) or, for keys, the transpose
    y = g.node("Reshape", [x, g.ints([0, 0, layer.num_heads, depth])])
    return g.node("Transpose", [y], perm=perm)


_MHA_CALL = ("value", "key", "training", "mask", "use_causal_mask")


def _multi_head_attention(g, layer, x, args=(), kwargs=None):
    kwargs = dict(kwargs or {})
    query = x
    value = args[0] if args else kwargs.get("value")
    key = args[1] if len(args) > 1 else kwargs.get("key")
    unsupported = [k for k, v in kwargs.items() if k not in _MHA_CALL and v not in (None, False)]
    unsupported += ["positional argument"] * (len(args) > 2)
    if kwargs.get("mask") is not None:
        unsupported.append("mask")
    rank = len(g.shapes[query])
    if unsupported or value is None or rank != 3 or layer.attention_axes not in (None, (1,),
                                                                                 (-3,)):
        why = (f"call arguments {unsupported}" if unsupported else
               "no `value`" if value is None else
               f"query of rank {rank} or attention_axes={layer.attention_axes}")
        raise ValueError(f"Cannot export layer '{layer.name}' (MultiHeadAttention) with {why}: "
                         "ONNX export supports (batch, time, features) query/value/key without "
                         "masks or returned scores")
    key = value if key is None else key
    query, value, key = (g.as_float(v) for v in (query, value, key))
    heads, kd, vd = layer.num_heads, layer.key_dim, layer.value_dim
    q = _project(g, layer._query_dense, query, g.shapes[query][-1])
    q = g.node("Mul", [_heads(g, layer, q, kd, [0, 2, 1, 3]), g.const(1.0 / math.sqrt(kd))])
    k = _heads(g, layer, _project(g, layer._key_dense, key, g.shapes[key][-1]), kd,
               [0, 2, 3, 1])
    v = _heads(g, layer, _project(g, layer._value_dense, value, g.shapes[value][-1]), vd,
               [0, 2, 1, 3])
    scores = g.node("MatMul", [q, k])
    if kwargs.get("use_causal_mask"):
        t, s = g.shapes[query][1], g.shapes[value][1]
        if t is None or s is None:
            raise ValueError(f"Cannot export layer '{layer.name}' (MultiHeadAttention) with "
                             "use_causal_mask=True on sequences of unknown length")
        blocked = (1.0 - np.tril(np.ones((t, s)))) * -1e9
        scores = g.node("Add", [scores, g.const(blocked)])
    probs = g.node("Softmax", [scores], axis=-1)
    out = g.node("Transpose", [g.node("MatMul", [probs, v])], perm=[0, 2, 1, 3])
    out = g.node("Reshape", [out, g.ints([0, 0, heads * vd])])
    out = _project(g, layer._output_dense, out, heads * vd)
    out_dims = layer._output_dense.out_dims
    if len(out_dims) > 1:
        out = g.node("Reshape", [out, g.ints([0, 0, *out_dims])])
    return out


_multi_head_attention.takes_call_arguments = True

CONVERTERS = {
    RNN: _rnn,
    wrappers.Bidirectional: _bidirectional,
    MultiHeadAttention: _multi_head_attention,
}
