"""The keras.ops.nn additions: float64 gradient checks, reference values and clear errors."""

import numpy as np
import pytest

from numen import ops, testing


def rand(*shape, seed=0, low=None, high=None):
    return testing.randn(shape, seed=seed, low=low, high=high)


# -- cross-entropies -------------------------------------------------------------------------
def test_binary_crossentropy_grads():
    t = rand(3, 4, low=0.0, high=1.0)
    testing.check_grad(lambda p: ops.binary_crossentropy(t, p), [rand(3, 4, low=0.1, high=0.9)])
    testing.check_grad(lambda z: ops.binary_crossentropy(t, z, from_logits=True), [rand(3, 4)])


def test_binary_crossentropy_logits_agree_with_probs():
    t, z = rand(2, 3, low=0.0, high=1.0), rand(2, 3)
    probs = 1 / (1 + np.exp(-z))
    testing.assert_close(ops.binary_crossentropy(t, z, from_logits=True),
                         ops.binary_crossentropy(t, probs), rtol=1e-5)


def test_categorical_crossentropy_grads():
    t = rand(3, 5, low=0.0, high=1.0)
    testing.check_grad(lambda p: ops.categorical_crossentropy(t, p),
                       [rand(3, 5, low=0.1, high=1.0)])
    testing.check_grad(lambda z: ops.categorical_crossentropy(t.T, z, from_logits=True, axis=0),
                       [rand(5, 3)])


def test_sparse_categorical_crossentropy_grads_and_values():
    labels = np.array([[0, 2], [1, 1]])
    z = rand(2, 2, 3)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    expected = -np.take_along_axis(logp, labels[..., None], -1)[..., 0]
    testing.assert_close(ops.sparse_categorical_crossentropy(labels, z, from_logits=True),
                         expected)
    testing.check_grad(lambda p: ops.sparse_categorical_crossentropy(labels, p),
                       [rand(2, 2, 3, low=0.1, high=1.0)])
    testing.check_grad(lambda p: ops.sparse_categorical_crossentropy(labels[:, :1], p[:, 0],
                                                                     from_logits=True), [z])


@pytest.mark.parametrize("fn", [ops.binary_crossentropy, ops.categorical_crossentropy])
def test_crossentropy_shape_mismatch(fn):
    with pytest.raises(ValueError, match=fn.__name__ + ".*same shape"):
        fn(np.zeros((2, 3)), np.ones((2, 4)))


def test_sparse_categorical_crossentropy_bad_shape():
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy.*target"):
        ops.sparse_categorical_crossentropy(np.zeros((3,), "int32"), np.ones((2, 4)))


# -- encodings, metrics ------------------------------------------------------------------------
def test_multi_hot_and_one_hot_axis():
    out = ops.multi_hot(np.array([[0, 2], [1, 1]]), num_classes=3).numpy()
    np.testing.assert_array_equal(out, [[1, 0, 1], [0, 1, 0]])
    assert out.dtype == np.float32
    out = ops.multi_hot(np.array([3, 0]), num_tokens=4, dtype="int32").numpy()
    np.testing.assert_array_equal(out, [1, 0, 0, 1])
    assert ops.one_hot(np.array([1, 2]), 3, axis=0).shape == (3, 2)
    with pytest.raises(ValueError, match="multi_hot.*num_classes"):
        ops.multi_hot(np.array([1]))
    with pytest.raises(ValueError, match="one_hot.*sparse"):
        ops.one_hot(np.array([1]), 2, sparse=True)
    with pytest.raises(ValueError, match="one_hot.*axis"):
        ops.one_hot(np.array([1]), 2, axis=3)


def test_psnr():
    a, b = rand(2, 4, 4, 1), rand(2, 4, 4, 1, seed=1)
    mse = np.mean((a - b) ** 2)
    testing.assert_close(ops.psnr(a, b, 2.0), 20 * np.log10(2.0) - 10 * np.log10(mse))
    testing.check_grad(lambda x, y: ops.psnr(x, y, 1.0), [a, b])
    with pytest.raises(ValueError, match="psnr.*same shape"):
        ops.psnr(a, b[:1], 1.0)


def test_in_top_k():
    preds = np.array([[0.1, 0.5, 0.4], [0.3, 0.3, 0.2], [np.nan, 0.1, 0.2]])
    out = ops.in_top_k(np.array([2, 1, 0]), preds, 1).numpy()
    np.testing.assert_array_equal(out, [False, True, False])
    with pytest.raises(ValueError, match="in_top_k.*targets"):
        ops.in_top_k(np.array([0, 1]), preds, 1)


# -- normalization ---------------------------------------------------------------------------
def test_layer_normalization():
    x = rand(2, 3, 4)
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    testing.assert_close(ops.layer_normalization(x, epsilon=1e-3),
                         (x - mean) / np.sqrt(var + 1e-3))
    g, b = rand(4, seed=1), rand(4, seed=2)
    testing.check_grad(lambda x, g, b: ops.layer_normalization(x, g, b), [x, g, b])
    g2, b2 = rand(3, 4, seed=3), rand(3, 4, seed=4)
    testing.check_grad(lambda x, g, b: ops.layer_normalization(x, g, b, axis=(1, 2)),
                       [x, g2, b2])
    with pytest.raises(ValueError, match="layer_normalization.*axis"):
        ops.layer_normalization(x, axis=3)


def test_layer_normalization_keeps_dtype():
    x = rand(2, 5).astype("float16")
    assert ops.layer_normalization(x).dtype == "float16"


def test_rms_normalization():
    x, s = rand(3, 6), rand(6, seed=1)
    expected = x / np.sqrt((x**2).mean(-1, keepdims=True) + 1e-7) * s
    testing.assert_close(ops.rms_normalization(x, s, epsilon=1e-7), expected)
    testing.check_grad(lambda x, s: ops.rms_normalization(x, s, axis=-1), [x, s])
    testing.check_grad(lambda x: ops.rms_normalization(x, axis=(0, 1)), [x])


# -- spatial -----------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_depth_space_roundtrip_and_grads(fmt):
    x = rand(2, 4, 6, 3) if fmt == "channels_last" else rand(2, 3, 4, 6)
    y = ops.space_to_depth(x, 2, data_format=fmt)
    testing.assert_close(ops.depth_to_space(y, 2, data_format=fmt), x)
    testing.check_grad(lambda t: ops.space_to_depth(t, 2, data_format=fmt), [x])
    testing.check_grad(lambda t: ops.depth_to_space(t, 2, data_format=fmt), [y.numpy()])


def test_depth_space_errors():
    with pytest.raises(ValueError, match="depth_to_space.*divisible"):
        ops.depth_to_space(np.ones((1, 2, 2, 6)), 2)
    with pytest.raises(ValueError, match="space_to_depth.*divisible"):
        ops.space_to_depth(np.ones((1, 3, 4, 1)), 2)
    with pytest.raises(ValueError, match="space_to_depth.*block_size"):
        ops.space_to_depth(np.ones((1, 4, 4, 1)), 1)
    with pytest.raises(ValueError, match="depth_to_space.*4D"):
        ops.depth_to_space(np.ones((4, 4, 4)), 2)


def test_unfold_fold_adjoint_and_grads():
    x = rand(2, 3, 5, 6)
    args = dict(kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=(1, 2))
    cols = ops.unfold(x, **args)
    c = rand(*cols.shape, seed=1)
    # <unfold(x), c> == <x, fold(c)>: fold is unfold's adjoint.
    lhs = (cols.numpy() * c).sum()
    rhs = (x * ops.fold(c, (5, 6), **args).numpy()).sum()
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10)
    testing.check_grad(lambda t: ops.unfold(t, **args), [x])
    testing.check_grad(lambda t: ops.fold(t, (5, 6), **args), [c])


def test_unfold_fold_errors():
    with pytest.raises(ValueError, match="unfold.*4D"):
        ops.unfold(np.ones((3, 4, 4)), 2)
    with pytest.raises(ValueError, match="unfold.*kernel_size"):
        ops.unfold(np.ones((1, 1, 4, 4)), (2, 2, 2))
    with pytest.raises(ValueError, match="fold.*expected shape"):
        ops.fold(np.ones((1, 5, 4)), 4, 2, stride=2)


@pytest.mark.parametrize("pool", ["adaptive_average_pool", "adaptive_max_pool"])
@pytest.mark.parametrize("shape,size,fmt", [
    ((2, 7, 2), 3, "channels_last"),
    ((1, 5, 6, 2), (2, 4), "channels_last"),
    ((1, 2, 6, 5), 3, "channels_first"),
    ((1, 3, 4, 5, 1), 2, "channels_last"),
])
def test_adaptive_pool_grads(pool, shape, size, fmt):
    fn = getattr(ops, pool)
    testing.check_grad(lambda t: fn(t, size, data_format=fmt), [rand(*shape)])


def test_adaptive_pool_values_and_errors():
    x = np.arange(5.0).reshape(1, 5, 1)
    # windows [0, 2), [1, 4), [3, 5)
    testing.assert_close(ops.adaptive_average_pool(x, 3)[0, :, 0], [0.5, 2.0, 3.5])
    testing.assert_close(ops.adaptive_max_pool(x, 3)[0, :, 0], [1.0, 3.0, 4.0])
    with pytest.raises(ValueError, match="adaptive_max_pool.*output_size"):
        ops.adaptive_max_pool(np.ones((1, 4, 4, 1)), (2, 2, 2))
    with pytest.raises(ValueError, match="adaptive_average_pool.*rank"):
        ops.adaptive_average_pool(np.ones((4, 4)), 2)


# -- CTC ---------------------------------------------------------------------------------------
def _ctc_brute_force(labels, logits, blank=0):
    """-log of the summed probability of every frame path that collapses to `labels`."""
    import itertools

    t_len, classes = logits.shape
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    total = 0.0
    for path in itertools.product(range(classes), repeat=t_len):
        collapsed = [c for i, c in enumerate(path) if c != blank and (i == 0 or c != path[i - 1])]
        if collapsed == list(labels):
            total += np.exp(sum(logp[t, c] for t, c in enumerate(path)))
    return -np.log(total)


def test_ctc_loss_matches_brute_force():
    logits = rand(2, 4, 3)
    labels = np.array([[1, 1], [2, 0]])
    loss = ops.ctc_loss(labels, logits, np.array([2, 1]), np.array([4, 3])).numpy()
    np.testing.assert_allclose(loss[0], _ctc_brute_force([1, 1], logits[0]), rtol=1e-10)
    np.testing.assert_allclose(loss[1], _ctc_brute_force([2], logits[1, :3]), rtol=1e-10)


def test_ctc_loss_grads():
    labels = np.array([[1, 2, 2], [3, 1, 0]])
    testing.check_grad(
        lambda z: ops.ctc_loss(labels, z, np.array([3, 2]), np.array([6, 4]), mask_index=0),
        [rand(2, 6, 4)])
    # The blank last, and a label sequence with a repeat that needs a blank between.
    testing.check_grad(
        lambda z: ops.ctc_loss(labels % 3, z, np.array([1, 3]), np.array([5, 6]), mask_index=3),
        [rand(2, 6, 4, seed=1)])


def test_ctc_loss_errors():
    with pytest.raises(ValueError, match="ctc_loss.*output"):
        ops.ctc_loss(np.zeros((1, 2), "int32"), np.zeros((1, 3)), np.array([1]), np.array([3]))
    with pytest.raises(ValueError, match="ctc_loss.*target_length.*rank 1"):
        ops.ctc_loss(np.zeros((1, 2), "int32"), np.zeros((1, 3, 4)), np.array([[1]]),
                     np.array([3]))
    with pytest.raises(ValueError, match="ctc_loss.*mask_index"):
        ops.ctc_loss(np.zeros((1, 2), "int32"), np.zeros((1, 3, 4)), np.array([1]),
                     np.array([3]), mask_index=4)
    # Float labels and lengths are accepted, as Keras casts them to int32.
    a = ops.ctc_loss(np.ones((1, 2)), np.zeros((1, 3, 4)), np.array([1.0]), np.array([3.0]))
    b = ops.ctc_loss(np.ones((1, 2), "int32"), np.zeros((1, 3, 4)), np.array([1]),
                     np.array([3]))
    testing.assert_close(a, b)


def test_ctc_decode_greedy():
    x = np.log(np.array([[[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.8, 0.1, 0.1],
                          [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]]))
    decoded, scores = ops.ctc_decode(x, np.array([5]))
    np.testing.assert_array_equal(decoded.numpy(), [[[1, 1, 2, -1, -1]]])
    assert decoded.dtype == "int32" and scores.shape == (1, 1)
    decoded, _ = ops.ctc_decode(x, np.array([3]), merge_repeated=False)
    np.testing.assert_array_equal(decoded.numpy(), [[[1, 1, -1, -1, -1]]])
    with pytest.raises(ValueError, match="ctc_decode.*strategy"):
        ops.ctc_decode(x, np.array([5]), strategy="best")
    with pytest.raises(ValueError, match="ctc_decode.*beam_width"):
        ops.ctc_decode(x, np.array([5]), strategy="beam_search", beam_width=0)


def test_ctc_decode_beam_search_finds_most_probable_labelling():
    import itertools

    logits = rand(1, 4, 3, seed=5) * 2
    # With a beam wider than the number of prefixes, the search is exact: compare with the
    # probabilities of all labellings, each summed over its frame paths.
    probs = {}
    for labels in [()] + [c for n in range(1, 5) for c in itertools.product((1, 2), repeat=n)]:
        with np.errstate(divide="ignore"):
            loss = _ctc_brute_force(list(labels), logits[0])
        if np.isfinite(loss):
            probs[labels] = -loss
    ranked = sorted(probs, key=probs.get, reverse=True)[:3]
    decoded, scores = ops.ctc_decode(logits, np.array([4]), strategy="beam_search",
                                     beam_width=50, top_paths=3)
    assert decoded.shape == (3, 1, 4) and scores.shape == (1, 3)
    for i, labels in enumerate(ranked):
        got = [c for c in decoded.numpy()[i, 0] if c >= 0]
        assert tuple(got) == labels
        np.testing.assert_allclose(scores.numpy()[0, i], probs[labels], rtol=1e-10)


# -- attention ---------------------------------------------------------------------------------
def _attention_reference(q, k, v, mask=None, causal=False):
    logits = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(q.shape[-1])
    keep = np.ones(logits.shape, bool)
    if mask is not None:
        keep &= mask
    if causal:
        keep &= np.tril(np.ones(logits.shape[-2:], bool))
    logits = np.where(keep, logits, -1e30)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return np.einsum("bnts,bsnh->btnh", p, v)


def test_dot_product_attention_values_and_grads():
    q, k, v = rand(2, 3, 2, 4), rand(2, 5, 2, 4, seed=1), rand(2, 5, 2, 4, seed=2)
    mask = np.random.default_rng(0).random((2, 1, 3, 5)) > 0.3
    testing.assert_close(ops.dot_product_attention(q, k, v, mask=mask),
                         _attention_reference(q, k, v, mask=mask))
    testing.check_grad(lambda q, k, v: ops.dot_product_attention(q, k, v, mask=mask), [q, k, v])
    bias = rand(1, 2, 3, 5, seed=3)
    testing.check_grad(lambda q, b: ops.dot_product_attention(q, k, v, bias=b, scale=0.5),
                       [q, bias])


def test_dot_product_attention_causal_grouped():
    q, k, v = rand(1, 4, 4, 3), rand(1, 4, 2, 3, seed=1), rand(1, 4, 2, 3, seed=2)
    full_k, full_v = np.repeat(k, 2, axis=2), np.repeat(v, 2, axis=2)
    testing.assert_close(ops.dot_product_attention(q, k, v, is_causal=True),
                         _attention_reference(q, full_k, full_v, causal=True))
    testing.check_grad(lambda q, k, v: ops.dot_product_attention(q, k, v, is_causal=True),
                       [q, k, v])


def test_dot_product_attention_errors():
    q = np.ones((1, 2, 3, 4))
    with pytest.raises(ValueError, match="dot_product_attention.*4D"):
        ops.dot_product_attention(q[0], q[0], q[0])
    with pytest.raises(ValueError, match="dot_product_attention.*multiple"):
        ops.dot_product_attention(q, np.ones((1, 2, 2, 4)), np.ones((1, 2, 2, 4)))
    with pytest.raises(ValueError, match="dot_product_attention.*mask"):
        ops.dot_product_attention(q, q, q, mask=np.ones((3, 3), bool))
