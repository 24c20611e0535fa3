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


# -- masks in eager calls: `_keras_mask` on outputs, as in Keras 3 --------------------------------
def test_eager_embedding_mask_reaches_pooling_outside_any_model():
    tokens = np.array([[4, 2, 0, 0], [1, 0, 0, 0], [3, 3, 3, 9]])
    emb = layers.Embedding(10, 4, mask_zero=True)
    vectors = emb(tokens)
    np.testing.assert_array_equal(np.asarray(vectors._keras_mask), tokens != 0)
    pooled = layers.GlobalAveragePooling1D()(vectors)
    v, m = vectors.numpy(), (tokens != 0)[..., None]
    np.testing.assert_allclose(pooled.numpy(), (v * m).sum(1) / m.sum(1), rtol=1e-6)
    assert pooled._keras_mask is None  # pooling consumes the mask
    # An explicit mask= wins over the carried one.
    everything = np.ones_like(tokens, bool)
    np.testing.assert_allclose(layers.GlobalAveragePooling1D()(vectors, mask=everything).numpy(),
                               v.mean(1), rtol=1e-6)
    np.testing.assert_allclose(layers.GlobalAveragePooling1D()(vectors, everything).numpy(),
                               v.mean(1), rtol=1e-6)  # positionally too


def test_eager_mask_passes_through_supporting_layers_only():
    tokens = np.array([[4, 2, 0], [1, 0, 0]])
    vectors = layers.Embedding(10, 4, mask_zero=True)(tokens)
    dense = layers.Dense(3)(vectors)  # Dense supports masking, as in Keras 3
    np.testing.assert_array_equal(np.asarray(dense._keras_mask), tokens != 0)
    assert layers.Flatten()(vectors)._keras_mask is None
    assert layers.Dense(3)(np.ones((2, 3, 4), "float32"))._keras_mask is None


def test_eager_mask_stays_out_of_the_gradient_graph():
    from numen.autodiff import enable_grad, gradients

    tokens = np.array([[4, 2, 0, 0], [1, 5, 6, 0]])
    emb = layers.Embedding(10, 4, mask_zero=True)
    with enable_grad():
        vectors = emb(tokens)
        pooled = layers.GlobalAveragePooling1D()(vectors)
        (grad,) = gradients(ops.sum(pooled), [emb.embeddings])
    assert all(i is not vectors._keras_mask for i in vectors.inputs)
    expected = np.zeros((10, 4))
    for row, m in zip(tokens, tokens != 0):
        for t in row[m]:
            expected[t] += 1.0 / m.sum()
    np.testing.assert_allclose(grad, expected, rtol=1e-6)


def test_subclassed_model_passes_masks_between_its_layers():
    class Tagger(keras.Model):
        def __init__(self):
            super().__init__()
            self.emb = layers.Embedding(8, 3, mask_zero=True)
            self.rnn = layers.SimpleRNN(2)

        def call(self, ids):
            return self.rnn(self.emb(ids))

    model = Tagger()
    padded = model(np.array([[5, 2, 0, 0]])).numpy()
    np.testing.assert_allclose(padded, model(np.array([[5, 2]])).numpy(), rtol=1e-5)


def test_model_output_carries_exactly_the_tracked_mask():
    x = _steps()
    masked = keras.Sequential([ZeroMask(), layers.Dropout(0.5)])
    np.testing.assert_array_equal(np.asarray(masked(x)._keras_mask), x.any(-1))

    class Plain(layers.Layer):  # returns its input object and does not support masking
        def call(self, inputs):
            return inputs

    dropped = keras.Sequential([ZeroMask(), Plain()])
    assert dropped(x)._keras_mask is None
    inp = keras.Input((4, 3))
    functional = keras.Model(inp, Plain()(ZeroMask()(inp)))
    assert functional(x)._keras_mask is None


def test_model_uses_the_mask_its_eager_input_carries():
    tokens = np.array([[4, 2, 0, 0], [1, 5, 6, 7]])
    vectors = layers.Embedding(10, 4, mask_zero=True)(tokens)
    inp = keras.Input((4, 4))
    model = keras.Model(inp, layers.GlobalAveragePooling1D()(inp))
    v, m = vectors.numpy(), (tokens != 0)[..., None]
    expected = (v * m).sum(1) / m.sum(1)
    np.testing.assert_allclose(model(vectors).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(model(v, mask=tokens != 0).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(model(v).numpy(), v.mean(1), rtol=1e-6)


def test_attention_value_mask_from_its_own_argument():
    q_ids = np.array([[1, 2, 3], [4, 5, 0]])
    v_ids = np.array([[3, 0, 0, 0], [1, 2, 3, 4]])
    q_emb, v_emb = layers.Embedding(6, 8, mask_zero=True), layers.Embedding(6, 8, mask_zero=True)
    proj = layers.Dense(8)
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=4)
    q_in, v_in = keras.Input((3,), dtype="int32"), keras.Input((4,), dtype="int32")
    # The value goes through a layer of its own before the attention: the graph must order
    # that branch first and hand its mask over as value_mask.
    model = keras.Model([q_in, v_in], mha(q_emb(q_in), proj(v_emb(v_in))))
    got = model([q_ids, v_ids]).numpy()
    q, v = q_emb(q_ids).numpy(), proj(v_emb(v_ids).numpy()).numpy()
    expected = mha(q, v, query_mask=q_ids != 0, value_mask=v_ids != 0).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert not np.allclose(got, mha(q, v, query_mask=q_ids != 0).numpy())
    np.testing.assert_array_equal(np.asarray(model.compute_mask([q_ids, v_ids])), q_ids != 0)
    # Eagerly, each argument's carried mask fills its own `<name>_mask`.
    eager = mha(q_emb(q_ids), proj(v_emb(v_ids))).numpy()
    np.testing.assert_allclose(eager, expected, rtol=1e-5)
