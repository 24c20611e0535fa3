"""Layer.quantize and Model.quantize: Dense and Embedding quantized to int8 and int4 from
Keras's own float weights; the integer weights, scales and outputs are compared."""

import numpy as np

from golden_cases.case import Case, f32, ints


def _weights(k, layer):
    """The stored weights by name (int4 ones packed two to a byte)."""
    return {w.name: k.ops.convert_to_numpy(w) for w in layer.weights}


def _dense(k, x, w, b, mode, block=None):
    layer = k.layers.Dense(4)
    layer.build((None, w.shape[0]))
    layer.set_weights([w, b])
    config = None if block is None else k.quantizers.Int4QuantizationConfig(block_size=block)
    layer.quantize(mode, config=config)
    return layer(x), _weights(k, layer), np.array(layer.dtype_policy.name)


def _embedding(k, ids, table, mode, block=None):
    layer = k.layers.Embedding(*table.shape)
    layer.build()
    layer.set_weights([table])
    config = None if block is None else k.quantizers.Int4QuantizationConfig(block_size=block)
    layer.quantize(mode, config=config)
    return layer(ids), _weights(k, layer), np.array(layer.dtype_policy.name)


def _model(k, ids, table, w, b, mode):
    model = k.Sequential([k.Input((3,), dtype="int32"), k.layers.Embedding(*table.shape),
                          k.layers.Flatten(), k.layers.Dense(2)])
    model.set_weights([table, w, b])
    model.quantize(mode)
    return model(ids), np.array([layer.dtype_policy.name for layer in model.layers])


CASES = [
    Case("dense_int8", lambda k, x, w, b: _dense(k, x, w, b, "int8"),
         [f32(3, 5), f32(5, 4), f32(4)], grad=(0,), rtol=1e-4, atol=1e-4),
    Case("dense_int4_per_channel", lambda k, x, w, b: _dense(k, x, w, b, "int4"),
         [f32(3, 5), f32(5, 4), f32(4)], grad=(0,), rtol=1e-4, atol=1e-4),
    Case("dense_int4_blocks", lambda k, x, w, b: _dense(k, x, w, b, "int4", 2),
         [f32(3, 5), f32(5, 4), f32(4)], grad=(0,), rtol=1e-4, atol=1e-4),
    Case("embedding_int8", lambda k, i, t: _embedding(k, i, t, "int8"),
         [ints(2, 3, high=6), f32(6, 5)]),
    Case("embedding_int4_per_row", lambda k, i, t: _embedding(k, i, t, "int4", -1),
         [ints(2, 3, high=6), f32(6, 5)]),
    Case("embedding_int4_blocks", lambda k, i, t: _embedding(k, i, t, "int4", 2),
         [ints(2, 3, high=6), f32(6, 5)]),
    Case("model_quantize_int8", lambda k, i, t, w, b: _model(k, i, t, w, b, "int8"),
         [ints(4, 3, high=6), f32(6, 2), f32(6, 2), f32(2)], rtol=1e-4, atol=1e-4),
    Case("model_quantize_int4", lambda k, i, t, w, b: _model(k, i, t, w, b, "int4"),
         [ints(4, 3, high=6), f32(6, 2), f32(6, 2), f32(2)], rtol=1e-4, atol=1e-4),
]
