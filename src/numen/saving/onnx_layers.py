"""Layer -> ONNX node converters for `numen.saving.onnx_export`.

Each converter takes the graph being built (`g`), the layer and its input value name(s) and
returns its output name(s). Layouts follow numen's layers (channels_last by default), so
convolutions and pooling transpose to ONNX's channels-first layout and back. Recurrent layers
and attention live in `onnx_recurrent.py`.
"""

from __future__ import annotations

import math

import numpy as np

from numen import activations as act
from numen import backend
from numen import layers as L
from numen.layers import regularization as reg
from numen.layers.tensor_op import TensorOp, _Slot
from numen.saving import onnx_recurrent

# -- activations ----------------------------------------------------------------------------
_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


def _clip(g, x, low, high):
    return g.node("Clip", [x, g.const(low), g.const(high)])


def _hard_sigmoid(g, x):
    # Keras 3: relu6(x + 3) / 6.
    return g.node("Div", [_clip(g, g.node("Add", [x, g.const(3.0)]), 0.0, 6.0), g.const(6.0)])


def _gelu(g, x):
    # 0.5 * x * (1 + erf(x / sqrt(2))), the exact form activations.gelu uses by default.
    e = g.node("Erf", [g.node("Div", [x, g.const(math.sqrt(2.0))])])
    return g.node("Mul", [g.node("Mul", [x, g.const(0.5)]), g.node("Add", [e, g.const(1.0)])])


def _softplus(g, x):
    return g.node("Softplus", [x])


def _celu(g, x):
    neg = g.node("Sub", [g.node("Exp", [g.node("Min", [x, g.const(0.0)])]), g.const(1.0)])
    return g.node("Add", [g.node("Relu", [x]), neg])


def _sparse_plus(g, x):
    mid = g.node("Add", [_clip(g, x, -1.0, 1.0), g.const(1.0)])
    mid = g.node("Mul", [g.node("Mul", [mid, mid]), g.const(0.25)])
    return g.node("Where", [g.node("GreaterOrEqual", [x, g.const(1.0)]), x, mid])


def _glu(g, x):
    a, b = g.node("Split", [x], outputs=2, axis=-1)
    return g.node("Mul", [a, g.node("Sigmoid", [b])])


_ACTIVATIONS = {
    act.linear: lambda g, x: x,
    act.relu: lambda g, x: g.node("Relu", [x]),
    act.relu6: lambda g, x: _clip(g, x, 0.0, 6.0),
    act.leaky_relu: lambda g, x: g.node("LeakyRelu", [x], alpha=0.2),
    act.elu: lambda g, x: g.node("Elu", [x], alpha=1.0),
    act.selu: lambda g, x: g.node("Selu", [x], alpha=_SELU_ALPHA, gamma=_SELU_SCALE),
    act.gelu: _gelu,
    act.sigmoid: lambda g, x: g.node("Sigmoid", [x]),
    act.hard_sigmoid: _hard_sigmoid,
    act.hard_silu: lambda g, x: g.node("Mul", [x, _hard_sigmoid(g, x)]),
    act.silu: lambda g, x: g.node("Mul", [x, g.node("Sigmoid", [x])]),
    act.softplus: _softplus,
    act.softsign: lambda g, x: g.node("Softsign", [x]),
    act.mish: lambda g, x: g.node("Mul", [x, g.node("Tanh", [_softplus(g, x)])]),
    act.tanh: lambda g, x: g.node("Tanh", [x]),
    act.exponential: lambda g, x: g.node("Exp", [x]),
    act.softmax: lambda g, x: g.node("Softmax", [x], axis=-1),
    act.log_softmax: lambda g, x: g.node("LogSoftmax", [x], axis=-1),
    act.log_sigmoid: lambda g, x: g.node("Neg", [_softplus(g, g.node("Neg", [x]))]),
    act.hard_tanh: lambda g, x: _clip(g, x, -1.0, 1.0),
    act.celu: _celu,
    act.glu: _glu,
    act.hard_shrink: lambda g, x: g.node("Shrink", [x], lambd=0.5, bias=0.0),
    act.soft_shrink: lambda g, x: g.node("Shrink", [x], lambd=0.5, bias=0.5),
    act.tanh_shrink: lambda g, x: g.node("Sub", [x, g.node("Tanh", [x])]),
    act.squareplus: lambda g, x: g.node("Mul", [g.node("Add", [x, g.node("Sqrt", [
        g.node("Add", [g.node("Mul", [x, x]), g.const(4.0)])])]), g.const(0.5)]),
    act.sparse_plus: _sparse_plus,
    act.sparse_sigmoid: lambda g, x: g.node("Mul", [g.node("Add", [_clip(g, x, -1.0, 1.0),
                                                                   g.const(1.0)]),
                                                    g.const(0.5)]),
}


def activation(g, fn, x, layer) -> str:
    """The ONNX nodes of a numen activation function applied to `x`."""
    emit = _ACTIVATIONS.get(fn)
    if emit is None:
        name = getattr(fn, "__name__", repr(fn))
        raise ValueError(f"Cannot export layer '{layer.name}' ({type(layer).__name__}): its "
                         f"activation {name!r} has no ONNX conversion; supported: "
                         f"{sorted(f.__name__ for f in _ACTIVATIONS)}")
    return emit(g, x)


def activation_name(fn) -> str | None:
    """The name of a supported activation (None when it has no ONNX conversion)."""
    return fn.__name__ if fn in _ACTIVATIONS else None


# -- core -----------------------------------------------------------------------------------
def _dense(g, layer, x):
    y = g.node("MatMul", [g.as_float(x), g.weight(layer.kernel)])
    if layer.bias is not None:
        y = g.node("Add", [y, g.weight(layer.bias)])
    return activation(g, layer.activation, y, layer)


def _identity(g, layer, x):
    return x


def _activation_layer(g, layer, x):
    return activation(g, layer.activation, g.as_float(x), layer)


def _relu_layer(g, layer, x):
    x = g.as_float(x)
    slope, cap, th = layer.negative_slope, layer.max_value, layer.threshold
    if slope == 0.0 and cap is None and th == 0.0:
        return g.node("Relu", [x])
    if th != 0.0:
        y = g.node("Where", [g.node("Greater", [x, g.const(th)]), x, g.const(0.0)])
    else:
        y = g.node("Relu", [x])
    if cap is not None:
        y = _clip(g, y, 0.0, float(cap))
    if slope:
        below = g.node("Relu", [g.node("Sub", [g.const(th), x])])
        y = g.node("Sub", [y, g.node("Mul", [below, g.const(slope)])])
    return y


def _leaky_relu_layer(g, layer, x):
    return g.node("LeakyRelu", [g.as_float(x)], alpha=layer.negative_slope)


def _elu_layer(g, layer, x):
    return g.node("Elu", [g.as_float(x)], alpha=layer.alpha)


def _prelu_layer(g, layer, x):
    return g.node("PRelu", [g.as_float(x), g.weight(layer.alpha)])


def _softmax_axes(g, x, axes):
    # Softmax over several axes at once: exp(x - max) / sum(exp(x - max)).
    top = g.node("ReduceMax", [x], axes=list(axes), keepdims=1)
    e = g.node("Exp", [g.node("Sub", [x, top])])
    return g.node("Div", [e, g.node("ReduceSum", [e, g.ints(axes)], keepdims=1)])


def _softmax_layer(g, layer, x):
    x = g.as_float(x)
    if isinstance(layer.axis, (list, tuple)):
        return _softmax_axes(g, x, layer.axis)
    return g.node("Softmax", [x], axis=int(layer.axis))


def _flatten(g, layer, x):
    rank = len(g.shapes[x])
    if layer.data_format == "channels_first" and rank > 2:
        x = g.node("Transpose", [x], perm=[0, *range(2, rank), 1])
    return g.node("Flatten", [x], axis=1)


def _reshape(g, layer, x):
    # 0 copies the (dynamic) batch size from the input.
    return g.node("Reshape", [x, g.ints([0, *layer.target_shape])])


def _embedding(g, layer, x):
    if layer.mask_zero:
        raise ValueError(f"Cannot export layer '{layer.name}' (Embedding) with mask_zero=True: "
                         "ONNX export does not carry masks, so the layers after it would "
                         "compute different values; export a model without mask_zero")
    ids = g.node("Cast", [x], to=g.onnx.TensorProto.INT64)
    return g.node("Gather", [g.weight(layer.embeddings), ids], axis=0)


# -- convolution and pooling ----------------------------------------------------------------
def _to_channels_first(g, x, rank):
    return g.node("Transpose", [x], perm=[0, rank + 1, *range(1, rank + 1)])


def _to_channels_last(g, x, rank):
    return g.node("Transpose", [x], perm=[0, *range(2, rank + 2), 1])


def _pads(padding, spatial, kernel, strides, dilations):
    """ONNX `pads` (all begins, then all ends) or None when 'same' needs SAME_UPPER because
    a spatial size is unknown. 'same' follows TensorFlow: the extra padding goes after."""
    n = len(kernel)
    if padding == "valid":
        return [0] * (2 * n)
    k_eff = [(k - 1) * d + 1 for k, d in zip(kernel, dilations)]
    if padding == "causal":
        return [k_eff[0] - 1, 0]
    if any(s is None for s in spatial):
        return None
    total = [max((-(-s // st) - 1) * st + k - s, 0) for s, k, st in zip(spatial, k_eff, strides)]
    return [t // 2 for t in total] + [t - t // 2 for t in total]


def _spatial(g, layer, x, rank):
    shape = g.shapes[x]
    return shape[2:] if layer.data_format == "channels_first" else shape[1:rank + 1]


def _pad_attrs(pads):
    return {"auto_pad": "SAME_UPPER"} if pads is None else {"pads": pads}


def _conv(g, layer, x):
    rank = layer.rank
    x = g.as_float(x)
    pads = _pads(layer.padding, _spatial(g, layer, x, rank), layer.kernel_size, layer.strides,
                 layer.dilation_rate)
    last = layer.data_format == "channels_last"
    if last:
        x = _to_channels_first(g, x, rank)
    # Keras (*k, in/groups, out) -> ONNX (out, in/groups, *k).
    perm = (rank + 1, rank, *range(rank))
    inputs = [x, g.weight(layer.kernel, lambda w: w.transpose(perm), "oihw")]
    if layer.bias is not None:
        inputs.append(g.weight(layer.bias))
    y = g.node("Conv", inputs, kernel_shape=list(layer.kernel_size),
               strides=list(layer.strides), dilations=list(layer.dilation_rate),
               group=layer.groups, **_pad_attrs(pads))
    if last:
        y = _to_channels_last(g, y, rank)
    return activation(g, layer.activation, y, layer)


def _pool(g, layer, x):
    rank = layer.rank
    x = g.as_float(x)
    pads = _pads(layer.padding, _spatial(g, layer, x, rank), layer.pool_size, layer.strides,
                 [1] * rank)
    last = layer.data_format == "channels_last"
    if last:
        x = _to_channels_first(g, x, rank)
    attrs = dict(kernel_shape=list(layer.pool_size), strides=list(layer.strides),
                 **_pad_attrs(pads))
    if layer.mode == "max":
        y = g.node("MaxPool", [x], **attrs)
    else:  # Keras averages over the real values only, never the padding
        y = g.node("AveragePool", [x], count_include_pad=0, **attrs)
    return _to_channels_last(g, y, rank) if last else y


def _global_pool(g, layer, x):
    op = "ReduceMax" if layer.mode == "max" else "ReduceMean"
    return g.node(op, [g.as_float(x)], axes=list(layer._axes()), keepdims=int(layer.keepdims))


# -- normalization --------------------------------------------------------------------------
def _batch_norm(g, layer, x):
    x = g.as_float(x)
    rank = len(g.shapes[x])
    shape = [1] * rank
    for i, a in enumerate(layer._kept):
        shape[a] = layer.moving_mean.shape[i]

    def moving(var):
        return np.asarray(backend.to_numpy(var.data), dtype=np.float32)

    mean, variance = moving(layer.moving_mean), moving(layer.moving_variance)
    inv = (1.0 / np.sqrt(variance + np.float32(layer.epsilon))).astype(np.float32)
    if layer.gamma is not None:
        inv = inv * moving(layer.gamma)
    y = g.node("Mul", [g.node("Sub", [x, g.const(mean.reshape(shape))]),
                       g.const(inv.reshape(shape))])
    if layer.beta is not None:
        y = g.node("Add", [y, g.const(moving(layer.beta).reshape(shape))])
    return y


def _layer_norm(g, layer, x):
    x = g.as_float(x)
    axes = list(layer._norm)
    if layer.rms_scaling:
        ms = g.node("ReduceMean", [g.node("Mul", [x, x])], axes=axes, keepdims=1)
        y = g.node("Div", [x, g.node("Sqrt", [g.node("Add", [ms, g.const(layer.epsilon)])])])
    else:
        d = g.node("Sub", [x, g.node("ReduceMean", [x], axes=axes, keepdims=1)])
        var = g.node("ReduceMean", [g.node("Mul", [d, d])], axes=axes, keepdims=1)
        y = g.node("Div", [d, g.node("Sqrt", [g.node("Add", [var, g.const(layer.epsilon)])])])
    shape = layer._param_shape
    if layer.gamma is not None:
        y = g.node("Mul", [y, g.weight(layer.gamma, lambda w: w.reshape(shape), "b")])
    if layer.beta is not None:
        y = g.node("Add", [y, g.weight(layer.beta, lambda w: w.reshape(shape), "b")])
    return y


# -- merging --------------------------------------------------------------------------------
def _inputs(g, layer, x) -> list[str]:
    xs = list(x) if isinstance(x, (list, tuple)) else [x]
    return [g.as_float(v) for v in xs]


def _variadic(op):
    def convert(g, layer, x):
        xs = _inputs(g, layer, x)
        return xs[0] if len(xs) == 1 else g.node(op, xs)
    return convert


def _multiply(g, layer, x):
    xs = _inputs(g, layer, x)
    y = xs[0]
    for v in xs[1:]:
        y = g.node("Mul", [y, v])
    return y


def _subtract(g, layer, x):
    a, b = _inputs(g, layer, x)
    return g.node("Sub", [a, b])


def _average(g, layer, x):
    xs = _inputs(g, layer, x)
    total = xs[0] if len(xs) == 1 else g.node("Sum", xs)
    return g.node("Div", [total, g.const(float(len(xs)))])


def _concatenate(g, layer, x):
    return g.node("Concat", _inputs(g, layer, x), axis=int(layer.axis))


# -- keras.ops on symbolic tensors (x * 2, a + b) ------------------------------------------
_BINARY_OPS = {"add": "Add", "subtract": "Sub", "multiply": "Mul", "divide": "Div",
               "matmul": "MatMul", "power": "Pow", "maximum": "Max", "minimum": "Min"}
_UNARY_OPS = {"negative": "Neg", "abs": "Abs", "exp": "Exp", "sqrt": "Sqrt", "tanh": "Tanh",
              "sigmoid": "Sigmoid", "relu": "Relu"}


def _tensor_op(g, layer, x):
    name = getattr(layer.fn, "__name__", repr(layer.fn))
    xs = list(x) if isinstance(x, (list, tuple)) else [x]
    args = layer.template_args

    def operand(v):
        if isinstance(v, _Slot):
            return g.as_float(xs[v.i])
        if np.asarray(v).dtype.kind in "biuf":
            return g.const(np.asarray(v, dtype=np.float32))
        raise ValueError(f"Cannot export '{layer.name}' (ops.{name}): argument {v!r} is not a "
                         "tensor or a number")

    arity = 2 if name in _BINARY_OPS else 1 if name in _UNARY_OPS else 0
    if not arity or layer.template_kwargs or len(args) != arity:
        supported = sorted(_BINARY_OPS) + sorted(_UNARY_OPS)
        raise ValueError(f"Cannot export '{layer.name}': the operation ops.{name} applied in the "
                         f"Functional graph has no ONNX conversion (supported: {supported}, "
                         "with positional tensor or number arguments)")
    op = _BINARY_OPS.get(name) or _UNARY_OPS[name]
    return g.node(op, [operand(a) for a in args])


# -- the table ------------------------------------------------------------------------------
CONVERTERS = {
    L.InputLayer: _identity,
    L.Identity: _identity,
    L.Dropout: _identity,
    reg.SpatialDropout1D: _identity,
    reg.SpatialDropout2D: _identity,
    reg.SpatialDropout3D: _identity,
    reg.GaussianNoise: _identity,
    reg.GaussianDropout: _identity,
    reg.AlphaDropout: _identity,
    reg.ActivityRegularization: _identity,
    L.Dense: _dense,
    L.Activation: _activation_layer,
    L.ReLU: _relu_layer,
    L.LeakyReLU: _leaky_relu_layer,
    L.ELU: _elu_layer,
    L.PReLU: _prelu_layer,
    L.Softmax: _softmax_layer,
    L.Flatten: _flatten,
    L.Reshape: _reshape,
    L.Embedding: _embedding,
    L.Conv1D: _conv,
    L.Conv2D: _conv,
    L.Conv3D: _conv,
    L.MaxPooling1D: _pool,
    L.MaxPooling2D: _pool,
    L.MaxPooling3D: _pool,
    L.AveragePooling1D: _pool,
    L.AveragePooling2D: _pool,
    L.AveragePooling3D: _pool,
    L.GlobalMaxPooling1D: _global_pool,
    L.GlobalMaxPooling2D: _global_pool,
    L.GlobalMaxPooling3D: _global_pool,
    L.GlobalAveragePooling1D: _global_pool,
    L.GlobalAveragePooling2D: _global_pool,
    L.GlobalAveragePooling3D: _global_pool,
    L.BatchNormalization: _batch_norm,
    L.LayerNormalization: _layer_norm,
    L.Add: _variadic("Sum"),
    L.Maximum: _variadic("Max"),
    L.Minimum: _variadic("Min"),
    L.Multiply: _multiply,
    L.Subtract: _subtract,
    L.Average: _average,
    L.Concatenate: _concatenate,
    TensorOp: _tensor_op,
    **onnx_recurrent.CONVERTERS,
}


def find_converter(layer):
    """The converter for `layer`'s class (or a base class whose `call` it keeps).

    Raises:
        ValueError: no converter, or a subclass that overrides `call` of a supported class.
    """
    table = CONVERTERS
    for cls in type(layer).__mro__:
        if cls in table:
            if type(layer).call is not cls.call:
                raise ValueError(f"Cannot export layer '{layer.name}' ({type(layer).__name__}): "
                                 f"it subclasses {cls.__name__} but overrides call(), so its "
                                 "math is not known to the ONNX exporter")
            return table[cls]
    supported = sorted({c.__name__ for c in table})
    raise ValueError(f"Cannot export layer '{layer.name}' of type {type(layer).__name__} to "
                     f"ONNX: no converter for it. Supported layers: {supported}")


def convert(g, layer, x, args, kwargs):
    """Convert one call of a (non-model) layer; returns its output name(s)."""
    converter = find_converter(layer)
    if converter is _identity:
        return x
    if getattr(converter, "takes_call_arguments", False):
        return converter(g, layer, x, args, kwargs)
    return converter(g, layer, x)
