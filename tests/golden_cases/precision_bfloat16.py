"""Layers, a loss and a training step under "mixed_bfloat16" and "bfloat16", with Keras's own
weights. bfloat16 results are cast to float32 before they are stored (NumPy files keep no
bfloat16), so the comparison is of values; the dtypes themselves are checked in
tests/test_bfloat16.py."""

import numpy as np

from golden_cases.case import Case, f32, ints


def _f32(k, y):
    return k.ops.cast(y, "float32")


def _dense(k, x, w, b):
    layer = k.layers.Dense(4, activation="gelu", dtype="mixed_bfloat16")
    layer.build((None, 3))
    layer.set_weights([w, b])
    return _f32(k, layer(x))


def _dense_pure(k, x, w, b):
    layer = k.layers.Dense(4, dtype="bfloat16")
    layer.build((None, 3))
    layer.set_weights([w, b])
    return _f32(k, layer(x))


def _conv(k, x, w, b):
    layer = k.layers.Conv2D(3, 2, activation="relu", dtype="mixed_bfloat16")
    layer.build((None, 5, 5, 2))
    layer.set_weights([w, b])
    return _f32(k, layer(x))


def _layer_norm(k, x, g, b):
    layer = k.layers.LayerNormalization(dtype="mixed_bfloat16")
    layer.build((None, 6))
    layer.set_weights([g, b])
    return _f32(k, layer(x))


def _batch_norm(k, x):
    layer = k.layers.BatchNormalization(dtype="mixed_bfloat16")
    return _f32(k, layer(x, training=True))


def _softmax(k, x):
    return _f32(k, k.layers.Softmax(dtype="mixed_bfloat16")(x))


def _attention(k, q, v, *weights):
    layer = k.layers.MultiHeadAttention(2, 3, dtype="mixed_bfloat16")
    layer(q, v)
    layer.set_weights(list(weights))
    return _f32(k, layer(q, v))


def _lstm(k, x, w, u, b):
    layer = k.layers.LSTM(3, return_sequences=True, dtype="mixed_bfloat16")
    layer.build((None, 4, 2))
    layer.set_weights([w, u, b])
    return _f32(k, layer(x))


def _embedding(k, ids, table):
    layer = k.layers.Embedding(7, 3, dtype="mixed_bfloat16")
    layer.build((None, 4))
    layer.set_weights([table])
    return _f32(k, layer(ids))


def _loss(k, x, labels):
    # A bfloat16 prediction: the loss computes in float32, as Keras's losses do.
    y_pred = k.ops.softmax(k.ops.cast(x, "bfloat16"))
    loss = k.losses.SparseCategoricalCrossentropy()
    return loss(labels, y_pred)


def _train_step(k, x, y, w1, b1, w2, b2):
    """One SGD step of a small model under mixed_bfloat16: the loss and updated weights."""
    k.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = k.Sequential([k.Input((4,)), k.layers.Dense(5, activation="relu"),
                              k.layers.Dense(3),
                              k.layers.Activation("softmax", dtype="float32")])
        model.set_weights([w1, b1, w2, b2])
        model.compile(k.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
        loss = model.train_on_batch(x, y)
        weights = [np.asarray(k.ops.convert_to_numpy(v)) for v in model.get_weights()]
        dtypes = np.array([str(v.dtype) for v in model.weights])
    finally:
        k.mixed_precision.set_global_policy("float32")
    return [np.asarray(loss, dtype="float32")] + weights + [dtypes]


def _weighted(make, build_shape):
    def fn(k, x, *weights):
        layer = make(k)
        layer.build(build_shape)
        layer.set_weights(list(weights))
        return _f32(k, layer(x))

    return fn


def _pools(k, x):
    d = "mixed_bfloat16"
    return (_f32(k, k.layers.MaxPooling2D(2, dtype=d)(x)),
            _f32(k, k.layers.AveragePooling2D(2, dtype=d)(x)),
            _f32(k, k.layers.GlobalAveragePooling2D(dtype=d)(x)))


_MHA_WEIGHTS = [f32(4, 2, 3), f32(2, 3), f32(4, 2, 3), f32(2, 3), f32(4, 2, 3), f32(2, 3),
                f32(2, 3, 4), f32(4)]
# bfloat16 keeps 8 bits of mantissa (~2-3 decimal digits): a few units in its last place.
_TOL = {"rtol": 4e-2, "atol": 4e-2}

CASES = [
    Case("dense_mixed_bfloat16", _dense, [f32(5, 3), f32(3, 4), f32(4)], grad=(0,), **_TOL),
    Case("dense_bfloat16", _dense_pure, [f32(5, 3), f32(3, 4), f32(4)], **_TOL),
    Case("conv2d_mixed_bfloat16", _conv, [f32(2, 5, 5, 2), f32(2, 2, 2, 3), f32(3)],
         grad=(0,), **_TOL),
    Case("layer_norm_mixed_bfloat16", _layer_norm, [f32(4, 6), f32(6), f32(6)], grad=(0,),
         **_TOL),
    Case("batch_norm_mixed_bfloat16", _batch_norm, [f32(8, 3)], grad=(0,), **_TOL),
    Case("softmax_mixed_bfloat16", _softmax, [f32(3, 5)], grad=(0,), **_TOL),
    Case("attention_mixed_bfloat16", _attention, [f32(2, 3, 4), f32(2, 5, 4)] + _MHA_WEIGHTS,
         grad=(0, 1), rtol=6e-2, atol=6e-2),
    Case("lstm_mixed_bfloat16", _lstm, [f32(2, 4, 2), f32(2, 12), f32(3, 12), f32(12)],
         grad=(0,), **_TOL),
    Case("embedding_mixed_bfloat16", _embedding, [ints(2, 4, high=7), f32(7, 3)], grad=(),
         **_TOL),
    Case("loss_of_bfloat16_prediction", _loss, [f32(6, 4), ints(6, high=4)], grad=(0,),
         **_TOL),
    Case("train_step_mixed_bfloat16", _train_step,
         [f32(8, 4), ints(8, high=3), f32(4, 5), f32(5), f32(5, 3), f32(3)], grad=(), **_TOL),
    Case("depthwise_mixed_bfloat16",
         _weighted(lambda k: k.layers.DepthwiseConv2D(2, dtype="mixed_bfloat16"),
                   (None, 5, 5, 2)), [f32(2, 5, 5, 2), f32(2, 2, 2, 1), f32(2)], grad=(0,),
         **_TOL),
    Case("conv_transpose_mixed_bfloat16",
         _weighted(lambda k: k.layers.Conv2DTranspose(3, 2, strides=2,
                                                      dtype="mixed_bfloat16"),
                   (None, 3, 3, 2)), [f32(2, 3, 3, 2), f32(2, 2, 3, 2), f32(3)], grad=(0,),
         **_TOL),
    Case("gru_mixed_bfloat16",
         _weighted(lambda k: k.layers.GRU(3, dtype="mixed_bfloat16"), (None, 4, 2)),
         [f32(2, 4, 2), f32(2, 9), f32(3, 9), f32(2, 9)], grad=(0,), **_TOL),
    Case("group_norm_mixed_bfloat16",
         _weighted(lambda k: k.layers.GroupNormalization(2, dtype="mixed_bfloat16"),
                   (None, 3, 4)), [f32(2, 3, 4), f32(4), f32(4)], grad=(0,), **_TOL),
    Case("pooling_mixed_bfloat16", _pools, [f32(2, 4, 4, 3)], grad=(0,), **_TOL),
]
