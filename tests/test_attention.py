"""Attention layers against manual PyTorch einsum references in float64 (forward, input and
weight gradients), plus Keras's weight layout, masks, dropout and errors."""

import copy

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numen import Input, Model, layers, testing  # noqa: E402
from numen.autodiff import Tensor, gradients  # noqa: E402
from numen.layers.attention import (  # noqa: E402
    AdditiveAttention,
    Attention,
    MultiHeadAttention,
)


def _torch_mha(q, v, k, w, key_dim, mask=None):
    """Keras's MHA computation written out with torch.einsum, weights in Keras's order."""
    wq, bq, wk, bk, wv, bv, wo, bo = w
    qp = torch.einsum("btd,dhk->bthk", q, wq) + bq
    kp = torch.einsum("bsd,dhk->bshk", k, wk) + bk
    vp = torch.einsum("bsd,dhv->bshv", v, wv) + bv
    scores = torch.einsum("bthk,bshk->bhts", qp / np.sqrt(key_dim), kp)
    if mask is not None:
        scores = scores.masked_fill(~mask[:, None], float("-inf"))
    probs = torch.softmax(scores, -1)
    out = torch.einsum("bhts,bshv->bthv", probs, vp)
    return torch.einsum("bthv,hve->bte", out, wo) + bo, probs


def _check_against_torch(layer, arrays, call_kwargs, torch_fn, rtol=1e-6):
    """Forward, gradients of every input and weight of `layer(*arrays, **call_kwargs)`."""
    xs = [Tensor(np.array(a), requires_grad=True) for a in arrays]
    out = layer(*xs, **call_kwargs)
    weights = layer.weights
    projection = testing.randn(out.shape, seed=11)
    grads = gradients(out, xs + weights, output_gradient=projection)
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ws = [torch.tensor(w.numpy(), requires_grad=True) for w in weights]
    ref = torch_fn(ts, ws)
    testing.assert_close(out, ref.detach().numpy(), rtol=rtol)
    ref.backward(torch.tensor(projection))
    for i, (g, t) in enumerate(zip(grads, ts + ws)):
        expected = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        testing.assert_close(g, expected, rtol=rtol, atol=1e-9, err_msg=f"gradient {i}")


def _random_bias_mha(**kwargs):
    return MultiHeadAttention(bias_initializer="random_normal", dtype="float64", **kwargs)


def test_mha_weight_layout_names_and_order():
    layer = MultiHeadAttention(num_heads=2, key_dim=3, value_dim=5, name="mha")
    out = layer(np.zeros((2, 4, 6)), np.zeros((2, 7, 8)))
    assert out.shape == (2, 4, 6)
    assert [w.path for w in layer.weights] == [  # as Keras: built in the layer's name scope
        "mha/query/kernel", "mha/query/bias", "mha/key/kernel", "mha/key/bias",
        "mha/value/kernel", "mha/value/bias", "mha/attention_output/kernel",
        "mha/attention_output/bias"]
    assert [tuple(w.shape) for w in layer.weights] == [
        (6, 2, 3), (2, 3), (8, 2, 3), (2, 3), (8, 2, 5), (2, 5), (2, 5, 6), (6,)]
    assert [sub.name for sub in layer._sublayers()] == ["query", "key", "value",
                                                       "attention_output"]
    assert len(layer.trainable_weights) == 8
    no_bias = MultiHeadAttention(2, 3, use_bias=False, output_shape=(4, 2))
    assert no_bias(np.zeros((1, 3, 6)), np.zeros((1, 3, 6))).shape == (1, 3, 4, 2)
    assert [tuple(w.shape) for w in no_bias.weights] == [(6, 2, 3), (6, 2, 3), (6, 2, 3),
                                                         (2, 3, 4, 2)]


def test_mha_cross_attention_matches_torch():
    q, v, k = (testing.randn((2, 3, 4), seed=1), testing.randn((2, 5, 6), seed=2),
               testing.randn((2, 5, 7), seed=3))
    layer = _random_bias_mha(num_heads=2, key_dim=3, value_dim=2)
    _check_against_torch(layer, [q, v, k], {},
                         lambda ts, ws: _torch_mha(ts[0], ts[1], ts[2], ws, 3)[0])


def test_mha_self_attention_with_masks_matches_torch():
    x = testing.randn((2, 4, 6), seed=4)
    attention_mask = np.ones((2, 4, 4), bool)
    attention_mask[0, :, 3] = False
    attention_mask[1, 2, :2] = False
    causal = np.tril(np.ones((4, 4), bool))
    layer = _random_bias_mha(num_heads=3, key_dim=2)
    _check_against_torch(
        layer, [x, x], {"attention_mask": attention_mask, "use_causal_mask": True},
        lambda ts, ws: _torch_mha(ts[0], ts[1], ts[1], ws, 2,
                                  torch.tensor(attention_mask & causal))[0])
    # value_mask / query_mask, the way upstream masks arrive.
    value_mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool)
    _check_against_torch(
        layer, [x, x], {"value_mask": value_mask},
        lambda ts, ws: _torch_mha(ts[0], ts[1], ts[1], ws, 2,
                                  torch.tensor(np.broadcast_to(value_mask[:, None], (2, 4, 4))))[0])


def test_mha_returns_scores_and_attention_axes():
    layer = _random_bias_mha(num_heads=2, key_dim=3)
    q, v = testing.randn((2, 3, 4), seed=5), testing.randn((2, 5, 4), seed=6)
    out, scores = layer(q, v, return_attention_scores=True)
    ws = [torch.tensor(w.numpy()) for w in layer.weights]
    ref_out, ref_probs = _torch_mha(torch.tensor(q), torch.tensor(v), torch.tensor(v), ws, 3)
    assert scores.shape == (2, 2, 3, 5)
    testing.assert_close(scores, ref_probs.numpy())
    testing.assert_close(out, ref_out.numpy())

    # Attention over axis 2 of a rank-4 query: axis 1 acts like a second batch axis.
    layer = _random_bias_mha(num_heads=2, key_dim=3, attention_axes=2)
    x = testing.randn((2, 3, 4, 5), seed=7)
    out, scores = layer(x, x, return_attention_scores=True)
    assert out.shape == (2, 3, 4, 5) and scores.shape == (2, 3, 2, 4, 4)
    flat = _random_bias_mha(num_heads=2, key_dim=3)
    flat(x[0], x[0])
    flat.set_weights(layer.get_weights())
    testing.assert_close(out[0], flat(x[0], x[0]))


def test_mha_dropout_only_in_training_and_config_round_trip():
    layer = MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.5, seed=1, dtype="float64")
    x = testing.randn((2, 6, 8), seed=8)
    inference = np.asarray(layer(x, x))
    np.testing.assert_allclose(np.asarray(layer(x, x, training=False)), inference)
    assert not np.allclose(np.asarray(layer(x, x, training=True)), inference)
    config = layer.get_config()
    assert config["num_heads"] == 2 and config["key_dim"] == 4 and config["value_dim"] == 4
    clone = MultiHeadAttention.from_config(copy.deepcopy(config))
    clone(x, x)
    clone.set_weights(layer.get_weights())
    testing.assert_close(clone(x, x), inference)
    assert layer.compute_output_shape((None, 6, 8), (None, 3, 8)) == (None, 6, 8)
    assert layer.compute_mask(x, [np.ones((2, 6), bool), None]).shape == (2, 6)


def test_mha_in_functional_model():
    inp = Input((5, 8))
    mha = MultiHeadAttention(num_heads=2, key_dim=4)
    model = Model(inp, mha(inp, inp, use_causal_mask=True))
    assert tuple(model.output_shape) == (None, 5, 8)
    x = testing.randn((3, 5, 8), "float32")
    out = model(x)
    assert out.shape == (3, 5, 8)
    testing.assert_close(out, mha(x, x, use_causal_mask=True))
    grads = gradients((out * out).sum(), model.trainable_weights)
    assert len(grads) == 8 and all(g is not None and np.abs(g).sum() > 0 for g in grads)


def test_mha_takes_upstream_mask_in_a_model():
    ids = np.array([[3, 1, 2, 0, 0], [4, 4, 0, 0, 0]])
    inp = Input((5,), dtype="int64")
    emb = layers.Embedding(6, 8, mask_zero=True)(inp)
    mha = MultiHeadAttention(num_heads=2, key_dim=4)
    model = Model(inp, mha(emb, emb))
    out = np.asarray(model(ids))
    vectors = model.layers[1](ids)
    expected = mha(vectors, vectors, query_mask=ids != 0, value_mask=ids != 0)
    testing.assert_close(out, expected, rtol=1e-5)
    # Plain arrays carry no mask (the eager Embedding output does, as in Keras 3).
    assert not np.allclose(out, np.asarray(mha(vectors.numpy(), vectors.numpy())))


def test_mha_errors():
    with pytest.raises(ValueError, match="num_heads"):
        MultiHeadAttention(0, 4)
    with pytest.raises(ValueError, match="dropout"):
        MultiHeadAttention(2, 4, dropout=1.5)
    with pytest.raises(ValueError, match="'att'.*value shape \\(1, 3, 4\\).*key shape"):
        MultiHeadAttention(2, 4, name="att")(np.zeros((1, 2, 4)), np.zeros((1, 3, 4)),
                                             np.zeros((1, 5, 4)))


def _torch_attention(q, v, k, scale=None, concat_weight=None, mask=None):
    if concat_weight is not None:
        total = q[:, :, None, :] + k[:, None, :, :]
        if scale is not None:
            total = total * scale
        scores = concat_weight * torch.tanh(total).sum(-1)
    else:
        scores = q @ k.transpose(1, 2)
        if scale is not None:
            scores = scores * scale
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, -1) @ v


@pytest.mark.parametrize("kwargs", [{}, {"use_scale": True}, {"score_mode": "concat"},
                                    {"score_mode": "concat", "use_scale": True}])
def test_attention_matches_torch(kwargs):
    q, v, k = (testing.randn((2, 3, 4), seed=1), testing.randn((2, 5, 4), seed=2),
               testing.randn((2, 5, 4), seed=3))
    layer = Attention(dtype="float64", **kwargs)
    layer([q, v, k])
    for w in layer.weights:
        w.assign(np.array(0.7))

    def ref(ts, ws):
        scale = ws[0] if kwargs.get("use_scale") else None
        concat = ws[-1] if kwargs.get("score_mode") == "concat" else None
        return _torch_attention(ts[0], ts[1], ts[2], scale, concat)

    _check_against_torch(_ListCaller(layer), [q, v, k], {}, ref)


class _ListCaller:
    """Calls a list-input layer with positional arrays, for the shared comparison helper."""

    def __init__(self, layer, **kwargs):
        self.layer, self.kwargs = layer, kwargs

    @property
    def weights(self):
        return self.layer.weights

    def __call__(self, *xs, **kwargs):
        return self.layer(list(xs), **self.kwargs, **kwargs)


def test_attention_masks_and_causal():
    q, v = testing.randn((2, 4, 3), seed=4), testing.randn((2, 4, 3), seed=5)
    value_mask = np.array([[1, 1, 0, 1], [1, 0, 0, 0]], bool)
    query_mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)
    causal = np.tril(np.ones((4, 4), bool))
    layer = Attention(dtype="float64")
    out, weights = layer([q, v], mask=[query_mask, value_mask], use_causal_mask=True,
                         return_attention_scores=True)
    keep = torch.tensor(value_mask[:, None] & causal)
    ref = _torch_attention(torch.tensor(q), torch.tensor(v), torch.tensor(v), mask=keep)
    ref = ref * torch.tensor(query_mask[..., None])
    testing.assert_close(out, ref.numpy())
    assert np.asarray(weights)[~np.asarray(keep)].max() < 1e-12
    np.testing.assert_array_equal(np.asarray(layer.compute_mask([q, v], [query_mask, None])),
                                  query_mask)
    assert layer.compute_mask([q, v]) is None


def test_attention_dropout_and_errors():
    q = testing.randn((2, 5, 3), seed=6)
    layer = Attention(dropout=0.5, seed=2, dtype="float64")
    inference = np.asarray(layer([q, q]))
    assert not np.allclose(np.asarray(layer([q, q], training=True)), inference)
    with pytest.raises(ValueError, match="score_mode"):
        Attention(score_mode="general")
    with pytest.raises(ValueError, match="list \\[query, value\\]"):
        Attention(name="att")(q)
    assert Attention.from_config(Attention(use_scale=True).get_config()).use_scale


def test_additive_attention_matches_torch():
    q, v = testing.randn((2, 3, 4), seed=7), testing.randn((2, 5, 4), seed=8)
    layer = AdditiveAttention(dtype="float64")
    layer([q, v])
    assert [tuple(w.shape) for w in layer.weights] == [(4,)]

    def ref(ts, ws):
        scores = (ws[0] * torch.tanh(ts[0][:, :, None] + ts[1][:, None])).sum(-1)
        return torch.softmax(scores, -1) @ ts[1]

    _check_against_torch(_ListCaller(layer), [q, v], {}, ref)
    assert "score_mode" not in layer.get_config()


def test_exported_from_layers():
    assert layers.MultiHeadAttention is MultiHeadAttention
    assert layers.Attention is Attention and layers.AdditiveAttention is AdditiveAttention
