"""keras.layers EinsumDense, GroupQueryAttention, RMSNormalization and the adaptive pools:
each layer is built in Keras and in numen, given the same weights with set_weights, and run."""

from golden_cases.case import Case, bools, f32, pos


def _run(layer, weights, *inputs, **call_kwargs):
    layer(*inputs, **call_kwargs)
    layer.set_weights(list(weights))
    return layer(*inputs, **call_kwargs)


def _einsum(k, x, w, b, equation, output_shape, bias_axes, activation=None):
    layer = k.layers.EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes,
                                 activation=activation)
    return _run(layer, [w, b] if bias_axes else [w], x)


def _gqa(k, q, v, *weights, heads=(4, 2), **kwargs):
    options = {name: kwargs.pop(name) for name in ("use_gate", "sliding_window", "use_bias")
               if name in kwargs}
    layer = k.layers.GroupQueryAttention(head_dim=3, num_query_heads=heads[0],
                                         num_key_value_heads=heads[1], **options)
    return _run(layer, weights, q, v, **kwargs)


_GQA_WEIGHTS = [f32(4, 4, 3), f32(4, 3), f32(4, 2, 3), f32(2, 3), f32(4, 2, 3), f32(2, 3),
                f32(4, 3, 4), f32(4)]

CASES = [
    Case("einsum_dense_last_axis",
         lambda k, x, w, b: _einsum(k, x, w, b, "abc,cd->abd", (None, 5), "d"),
         [f32(2, 3, 4), f32(4, 5), f32(5)], grad=[0]),
    Case("einsum_dense_heads",
         lambda k, x, w, b: _einsum(k, x, w, b, "abc,cde->abde", (None, 2, 3), "de", "relu"),
         [f32(2, 3, 4), f32(4, 2, 3), f32(2, 3)], grad=[0]),
    Case("einsum_dense_ellipsis",
         lambda k, x, w, b: _einsum(k, x, w, b, "...b,bc->...c", 3, "c"),
         [f32(2, 3, 4), f32(4, 3), f32(3)], grad=[0]),
    Case("einsum_dense_bias_inner_axis",
         lambda k, x, w, b: _einsum(k, x, w, b, "abc,cd->abd", (3, 2), "b"),
         [f32(2, 3, 4), f32(4, 2), f32(3, 1)], grad=[0]),
    Case("einsum_dense_no_bias",
         lambda k, x, w: _einsum(k, x, w, None, "ab,bc->ac", 6, None),
         [f32(3, 4), f32(4, 6)], grad=[0]),
    Case("gqa_self", lambda k, q, *w: _gqa(k, q, q, *w), [f32(2, 5, 4), *_GQA_WEIGHTS],
         grad=[0], atol=1e-4, rtol=1e-4),
    Case("gqa_cross_causal_scores",
         lambda k, q, v, *w: _gqa(k, q, v, *w, use_causal_mask=True,
                                  return_attention_scores=True),
         [f32(2, 4, 4), f32(2, 6, 4), *_GQA_WEIGHTS], grad=[0, 1], atol=1e-4, rtol=1e-4),
    Case("gqa_masks_window",
         lambda k, q, *w: _gqa(k, q, q, *w[:-1], sliding_window=2,
                               attention_mask=w[-1] > 0),
         [f32(2, 5, 4), *_GQA_WEIGHTS, f32(2, 5, 5)], grad=[0], atol=1e-4, rtol=1e-4),
    Case("gqa_query_value_masks",
         lambda k, q, v, *w: _gqa(k, q, v, *w[:-2], query_mask=w[-2], value_mask=w[-1]),
         [f32(2, 4, 4), f32(2, 5, 4), *_GQA_WEIGHTS, bools(2, 4), bools(2, 5)], grad=[0, 1],
         atol=1e-4, rtol=1e-4),
    Case("gqa_masks_scores",
         lambda k, q, *w: _gqa(k, q, q, *w[:-1], query_mask=w[-1], value_mask=w[-1],
                               return_attention_scores=True),
         [f32(2, 5, 4), *_GQA_WEIGHTS, bools(2, 5)], grad=[0], atol=1e-4, rtol=1e-4),
    Case("gqa_gate_no_bias",
         lambda k, q, *w: _gqa(k, q, q, *w, use_gate=True, use_bias=False),
         [f32(2, 5, 4), f32(4, 4, 3), f32(4, 2, 3), f32(4, 4, 3), f32(4, 2, 3), f32(4, 3, 4)],
         grad=[0], atol=1e-4, rtol=1e-4),
    Case("rms_normalization",
         lambda k, x, s: _run(k.layers.RMSNormalization(), [s], x),
         [f32(2, 3, 5), pos(5)], grad=[0]),
    Case("rms_normalization_axes",
         lambda k, x, s: _run(k.layers.RMSNormalization(axis=[1, 2], epsilon=1e-3), [s], x),
         [f32(2, 3, 4), pos(3, 4)], grad=[0]),
    Case("adaptive_average_pooling1d",
         lambda k, x: k.layers.AdaptiveAveragePooling1D(3)(x), [f32(2, 7, 2)], grad=True),
    Case("adaptive_average_pooling2d_first",
         lambda k, x: k.layers.AdaptiveAveragePooling2D((2, 3),
                                                       data_format="channels_first")(x),
         [f32(1, 2, 5, 7)], grad=True),
    Case("adaptive_average_pooling3d",
         lambda k, x: k.layers.AdaptiveAveragePooling3D(2)(x), [f32(1, 3, 4, 5, 2)],
         grad=True),
    Case("adaptive_max_pooling1d",
         lambda k, x: k.layers.AdaptiveMaxPooling1D(4)(x), [f32(2, 9, 2)], grad=True),
    Case("adaptive_max_pooling2d",
         lambda k, x: k.layers.AdaptiveMaxPooling2D(3)(x), [f32(1, 7, 6, 2)], grad=True),
    Case("adaptive_max_pooling3d_first",
         lambda k, x: k.layers.AdaptiveMaxPooling3D((2, 1, 3),
                                                   data_format="channels_first")(x),
         [f32(1, 2, 3, 4, 5)], grad=True),
]
