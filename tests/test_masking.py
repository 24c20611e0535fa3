"""Masks travel explicitly beside values through Sequential and Functional models."""

import numpy as np

from numen import keras, ops
from numen.keras import layers


class ZeroMask(layers.Layer):
    """Stand-in for Embedding(mask_zero=True): marks steps whose features are all zero."""

    def call(self, inputs):
        return inputs

    def compute_mask(self, inputs, mask=None):
        return np.asarray(getattr(inputs, "data", inputs)).any(axis=-1)


class MaskedMean(layers.Layer):
    """Averages over the unmasked steps; records the mask it received."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.seen = []

    def call(self, inputs, mask=None):
        self.seen.append(None if mask is None else np.asarray(mask))
        if mask is None:
            return ops.mean(inputs, axis=1)
        m = ops.expand_dims(ops.cast(ops.convert_to_tensor(mask), inputs.dtype), -1)
        return ops.sum(inputs * m, axis=1) / ops.sum(m, axis=1)

    def compute_mask(self, inputs, mask=None):
        return None


def _steps():
    x = np.ones((2, 4, 3), "float32")
    x[0, 2:] = 0.0  # sample 0 has two padded steps
    x[1, 0] *= 5.0
    return x


def _expected(x):
    m = x.any(-1)[..., None]
    return (x * m).sum(1) / m.sum(1)


def test_default_compute_mask_passes_through_only_with_supports_masking():
    mask = np.array([[True, False]])
    plain = layers.Flatten()
    assert plain.compute_mask(np.ones((1, 2, 3)), mask) is None
    plain.supports_masking = True
    assert plain.compute_mask(np.ones((1, 2, 3)), mask) is mask


def test_sequential_carries_mask_through_pass_through_layers():
    x = _steps()
    pool = MaskedMean()
    relu = layers.Activation("relu")
    relu.supports_masking = True
    model = keras.Sequential([ZeroMask(), relu, pool])
    out = model(x).numpy()
    np.testing.assert_allclose(out, _expected(x), rtol=1e-6)
    np.testing.assert_array_equal(pool.seen[-1], x.any(-1))
    assert model.compute_mask(x) is None


def test_mask_stops_at_layer_without_masking_support():
    x = _steps()
    pool = MaskedMean()
    class Plain(layers.Layer):  # supports_masking is False by default
        def call(self, inputs):
            return inputs

    model = keras.Sequential([ZeroMask(), Plain(), pool])
    model(x)
    assert pool.seen[-1] is None
    dense_first = keras.Sequential([ZeroMask(), layers.Dense(3), layers.Dropout(0.1), pool])
    dense_first(x)  # Dense and Dropout pass masks through, as in Keras 3
    np.testing.assert_array_equal(pool.seen[-1], x.any(-1))


def test_functional_graph_carries_mask_and_reports_output_mask():
    inp = keras.Input((4, 3))
    masked = ZeroMask()(inp)
    pool = MaskedMean()
    model = keras.Model(inp, [pool(masked), masked])
    x = _steps()
    pooled, passed = model(x)
    np.testing.assert_allclose(pooled.numpy(), _expected(x), rtol=1e-6)
    np.testing.assert_allclose(passed.numpy(), x)
    masks = model.compute_mask(x)
    assert masks[0] is None
    np.testing.assert_array_equal(masks[1], x.any(-1))


def test_nested_model_passes_its_output_mask_on():
    inner_in = keras.Input((4, 3))
    inner = keras.Model(inner_in, ZeroMask()(inner_in))
    pool = MaskedMean()
    outer_in = keras.Input((4, 3))
    model = keras.Model(outer_in, pool(inner(outer_in)))
    x = _steps()
    np.testing.assert_allclose(model(x).numpy(), _expected(x), rtol=1e-6)


def test_embedding_mask_zero_reaches_pooling_and_rnn():
    ids = np.array([[3, 1, 0, 0], [2, 2, 2, 4]])
    emb = layers.Embedding(6, 3, mask_zero=True)
    model = keras.Sequential([emb, layers.GlobalAveragePooling1D()])
    vectors = emb(ids).numpy()
    expected = np.stack([vectors[0, :2].mean(0), vectors[1].mean(0)])
    np.testing.assert_allclose(model(ids).numpy(), expected, rtol=1e-5)

    inp = keras.Input((4,), dtype="int32")
    rnn = layers.SimpleRNN(2)
    emb2 = layers.Embedding(6, 3, mask_zero=True)
    functional = keras.Model(inp, rnn(emb2(inp)))
    # Padding at the end does not change a masked RNN's final output.
    short = functional(np.array([[3, 1, 0, 0]])).numpy()
    unpadded = rnn(emb2(np.array([[3, 1]]))).numpy()
    np.testing.assert_allclose(short, unpadded, rtol=1e-5)
    functional.compile("adam", "mse")
    functional.fit(ids, np.zeros((2, 2), "float32"), epochs=1, verbose=0)
