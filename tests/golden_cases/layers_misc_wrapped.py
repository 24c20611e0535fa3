"""keras.layers SpectralNormalization and ReversibleEmbedding: built in Keras and in numen,
given the same weights with set_weights, and run (values, input gradients)."""

from golden_cases.case import Case, f32, ints


def _spectral(k, x, kernel, u, bias, training, iterations=1):
    layer = k.layers.SpectralNormalization(k.layers.Dense(3), power_iterations=iterations)
    layer(x)
    layer.set_weights([kernel, u, bias])
    out = layer(x, training=training)
    return out, layer.layer.kernel, layer.vector_u


def _spectral_conv(k, x, kernel, u, bias):
    layer = k.layers.SpectralNormalization(k.layers.Conv1D(2, 2))
    layer(x)
    layer.set_weights([kernel, u, bias])
    return layer(x, training=True), layer.vector_u


def _reversible(k, ids, h, *weights, **kwargs):
    layer = k.layers.ReversibleEmbedding(7, 3, **kwargs)
    layer(ids)
    layer.set_weights(list(weights))
    return layer(ids), layer(h, reverse=True)


CASES = [
    Case("spectral_normalization_train",
         lambda k, x, w, u, b: _spectral(k, x, w, u, b, True),
         [f32(2, 4), f32(4, 3), f32(1, 3), f32(3)], atol=1e-4, rtol=1e-4),
    Case("spectral_normalization_train_3_iterations",
         lambda k, x, w, u, b: _spectral(k, x, w, u, b, True, 3),
         [f32(2, 4), f32(4, 3), f32(1, 3), f32(3)], atol=1e-4, rtol=1e-4),
    Case("spectral_normalization_inference",
         lambda k, x, w, u, b: _spectral(k, x, w, u, b, False)[0],
         [f32(2, 4), f32(4, 3), f32(1, 3), f32(3)], grad=[0]),
    Case("spectral_normalization_conv1d",
         lambda k, x, w, u, b: _spectral_conv(k, x, w, u, b),
         [f32(2, 5, 3), f32(2, 3, 2), f32(1, 2), f32(2)], atol=1e-4, rtol=1e-4),
    Case("reversible_embedding_tied",
         lambda k, ids, h, e: _reversible(k, ids, h, e),
         [ints(2, 4, high=7), f32(2, 4, 3), f32(7, 3)], grad=[1]),
    Case("reversible_embedding_untied_soft_cap",
         lambda k, ids, h, e, r: _reversible(k, ids, h, e, r, tie_weights=False,
                                             logit_soft_cap=1.5),
         [ints(3, high=7), f32(3, 3, scale=3.0), f32(7, 3), f32(3, 7)], grad=[1]),
]
