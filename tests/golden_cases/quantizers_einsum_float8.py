"""EinsumDense quantized to int8 and int4, and float8 training of Dense and EinsumDense, from
Keras's own float weights: outputs, input gradients, the stored weights and scales, and for
float8 the loss, weights, scales and amax histories after training steps."""

import numpy as np

from golden_cases.case import Case, f32


def _weights(k, layer):
    """The stored weights by name (int4 ones packed two to a byte)."""
    return {w.name: k.ops.convert_to_numpy(w) for w in layer.weights}


def _einsum(k, x, w, *rest, equation, output_shape, bias_axes=None, mode, block=None):
    layer = k.layers.EinsumDense(equation, output_shape, bias_axes=bias_axes)
    layer.build(x.shape)
    layer.set_weights([w, *rest])
    config = None
    if mode == "int4":
        config = k.quantizers.Int4QuantizationConfig(block_size=block)
    layer.quantize(mode, config=config)
    return layer(x), _weights(k, layer), np.array(layer.dtype_policy.name)


def _case(name, x, w, b=None, **kwargs):
    inputs = [x, w] + ([b] if b is not None else [])
    return Case(name, lambda k, *a: _einsum(k, *a, **kwargs), inputs, grad=(0,), rtol=1e-4,
                atol=1e-4)


def _float8_forward(k, x, w, b, kind):
    if kind == "dense":
        layer = k.layers.Dense(4)
    else:
        layer = k.layers.EinsumDense("abc,cd->abd", (None, 4), bias_axes="d")
    layer.build(x.shape)
    layer.set_weights([w, b])
    layer.quantize("float8")
    return layer(x), layer(x, training=True), _weights(k, layer)


def _float8_training(k, x, y, w, b, kind):
    """Three SGD steps of a float8 layer: the losses and every weight afterwards."""
    if kind == "dense":
        layer = k.layers.Dense(4)
    else:
        layer = k.layers.EinsumDense("abc,cd->abd", (None, 4), bias_axes="d")
    model = k.Sequential([k.Input(x.shape[1:]), layer])
    layer.set_weights([w, b])
    model.quantize("float8")
    model.compile(k.optimizers.SGD(0.1), "mse")
    losses = []
    for _ in range(3):
        model.reset_metrics()  # Keras's train_on_batch resets them itself; numen's keeps them
        losses.append(model.train_on_batch(x, y))
    return np.asarray(losses, "float32"), _weights(k, layer)


def _attention(k, q, v, *weights, mode):
    """Model.quantize reaches MultiHeadAttention's four EinsumDense projections."""
    query, value = k.Input(q.shape[1:]), k.Input(v.shape[1:])
    layer = k.layers.MultiHeadAttention(2, 3)
    model = k.Model([query, value], layer(query, value))
    layer.set_weights(list(weights))
    model.quantize(mode)
    return model([q, v]), _weights(k, layer._query_dense), _weights(k, layer._output_dense)


_F8_TOL = {"rtol": 1e-4, "atol": 1e-4}
_MHA_WEIGHTS = [f32(4, 2, 3), f32(2, 3), f32(4, 2, 3), f32(2, 3), f32(4, 2, 3), f32(2, 3),
                f32(2, 3, 4), f32(4)]

CASES = [
    _case("einsum_int8_matrix", f32(3, 5), f32(5, 4), f32(4), equation="ab,bc->ac",
          output_shape=4, bias_axes="c", mode="int8"),
    _case("einsum_int8_heads", f32(2, 3, 5), f32(5, 2, 4), f32(4), equation="abc,cde->abde",
          output_shape=(None, 2, 4), bias_axes="e", mode="int8"),
    _case("einsum_int8_two_reduced", f32(2, 3, 4), f32(3, 4, 5), equation="abc,bcd->ad",
          output_shape=5, mode="int8"),
    _case("einsum_int8_merge_heads", f32(2, 3, 2, 4), f32(2, 4, 5), f32(5),
          equation="abcd,cde->abe", output_shape=(None, 5), bias_axes="e", mode="int8"),
    # Keras 3.15.1 cannot quantize an equation with '...' (its analysis takes len() of the
    # input rank), so there is no case for one; numen's is in tests/test_quantize_einsum.py.
    _case("einsum_int4_per_channel", f32(2, 3, 5), f32(5, 2, 3), f32(3),
          equation="abc,cde->abde", output_shape=(None, 2, 3), bias_axes="e", mode="int4",
          block=-1),
    _case("einsum_int4_blocks", f32(2, 3, 5), f32(5, 2, 3), f32(3), equation="abc,cde->abde",
          output_shape=(None, 2, 3), bias_axes="e", mode="int4", block=2),
    _case("einsum_int4_two_reduced", f32(2, 3, 4), f32(3, 4, 5), equation="abc,bcd->ad",
          output_shape=5, mode="int4", block=4),
    Case("dense_float8_forward", lambda k, x, w, b: _float8_forward(k, x, w, b, "dense"),
         [f32(3, 5), f32(5, 4), f32(4)], grad=(0,), **_F8_TOL),
    Case("einsum_float8_forward", lambda k, x, w, b: _float8_forward(k, x, w, b, "einsum"),
         [f32(2, 3, 5), f32(5, 4), f32(4)], grad=(0,), **_F8_TOL),
    Case("dense_float8_training",
         lambda k, x, y, w, b: _float8_training(k, x, y, w, b, "dense"),
         [f32(6, 5, scale=3.0), f32(6, 4), f32(5, 4), f32(4)], **_F8_TOL),
    Case("einsum_float8_training",
         lambda k, x, y, w, b: _float8_training(k, x, y, w, b, "einsum"),
         [f32(6, 2, 5, scale=3.0), f32(6, 2, 4), f32(5, 4), f32(4)], **_F8_TOL),
    Case("attention_int8", lambda k, *a: _attention(k, *a, mode="int8"),
         [f32(2, 3, 4), f32(2, 5, 4)] + _MHA_WEIGHTS, grad=(0, 1), rtol=1e-4, atol=1e-4),
    Case("attention_float8", lambda k, *a: _attention(k, *a, mode="float8"),
         [f32(2, 3, 4), f32(2, 5, 4)] + _MHA_WEIGHTS, grad=(0, 1), rtol=1e-4, atol=1e-4),
]
