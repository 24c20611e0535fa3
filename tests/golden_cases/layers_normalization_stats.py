"""keras.layers.Normalization's `mean` and `variance` attributes: after adapt() on data of
several shapes and kept axes, and with statistics given at construction. Keras exposes them
shaped to broadcast against the inputs, in the compute dtype. Also its weights after adapt():
mean, variance and a `count` that Keras's adapt leaves at 0."""

from golden_cases.case import Case, f32, pos


def _adapted(k, x, axis):
    layer = k.layers.Normalization(axis=axis)
    layer.adapt(x)
    return layer.mean, layer.variance, layer(x)


def _given(k, x, mean, variance, axis=-1):
    layer = k.layers.Normalization(axis=axis, mean=mean, variance=variance)
    layer.build(x.shape)
    return layer.mean, layer.variance, layer(x)


def _weights_after_adapt(k, x, axis):
    """get_weights() of an adapted layer, count included (Keras's adapt leaves it 0)."""
    layer = k.layers.Normalization(axis=axis)
    layer.adapt(x)
    return [k.ops.convert_to_numpy(w) for w in layer.weights] + layer.get_weights()


def _built(k, x):
    layer = k.layers.Normalization()
    layer.build(x.shape)
    return layer.mean, layer.variance


CASES = [
    Case("adapted_images_last_axis", lambda k, x: _adapted(k, x, -1),
         [f32(6, 4, 4, 3, scale=5.0)], rtol=1e-4, atol=1e-4),
    Case("adapted_two_axes", lambda k, x: _adapted(k, x, (1, 2)), [f32(5, 3, 2)],
         rtol=1e-4, atol=1e-4),
    Case("adapted_scalar", lambda k, x: _adapted(k, x, None), [f32(8, 3)],
         rtol=1e-4, atol=1e-4),
    Case("given_per_channel", _given, [f32(2, 3, 4), f32(4), pos(4)]),
    Case("given_scalar_broadcast", lambda k, x, m, v: _given(k, x, m, v, axis=(1, 2)),
         [f32(2, 3, 4), f32(4), pos(4)]),
    Case("built_not_adapted", _built, [f32(2, 5)]),
    Case("weights_after_adapt", lambda k, x: _weights_after_adapt(k, x, -1), [f32(10, 3)],
         rtol=1e-4, atol=1e-4),
    Case("weights_after_adapt_scalar", lambda k, x: _weights_after_adapt(k, x, None),
         [f32(6, 2, 2)], rtol=1e-4, atol=1e-4),
]
