"""keras.ops.nn functions numen already had, called with Keras's signatures."""

from golden_cases.case import Case, const, f32, ints, pos

_ACTIVATIONS = [
    ("relu", {}), ("relu6", {}), ("sigmoid", {}), ("softplus", {}), ("softsign", {}),
    ("silu", {}), ("swish", {}), ("log_sigmoid", {}), ("hard_sigmoid", {}),
    ("hard_silu", {}), ("hard_swish", {}), ("hard_tanh", {}), ("selu", {}),
    ("tanh_shrink", {}), ("sparse_plus", {}), ("sparse_sigmoid", {}),
    ("leaky_relu", {"negative_slope": 0.1}), ("elu", {"alpha": 0.7}),
    ("celu", {"alpha": 1.5}), ("hard_shrink", {"threshold": 0.3}),
    ("soft_shrink", {"threshold": 0.3}), ("squareplus", {"b": 2}),
    ("threshold", {"threshold": 0.2, "default_value": -1.0}),
]


def _activation(name, kwargs):
    return Case(f"act_{name}", lambda k, x: getattr(k.ops.nn, name)(x, **kwargs),
                [f32(3, 4, scale=2.0)], grad=True)


# Integer inputs: Keras computes these in floatx (relu, hard_tanh and threshold with an int
# default keep the integer dtype). sigmoid, silu, glu and normalize are left out: Keras's JAX
# backend raises a TypeError on integer inputs there.
_INT_ACTIVATIONS = [
    "celu", "elu", "gelu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_tanh",
    "leaky_relu", "log_sigmoid", "log_softmax", "relu", "relu6", "selu", "soft_shrink",
    "softmax", "softplus", "softsign", "sparse_plus", "sparse_sigmoid", "sparsemax",
    "squareplus", "tanh_shrink",
]


def _int_activation(name):
    return Case(f"int_{name}", lambda k, x: getattr(k.ops.nn, name)(x),
                [ints(2, 5, low=-3, high=4)])


CASES = [_activation(name, kwargs) for name, kwargs in _ACTIVATIONS] + [
    _int_activation(name) for name in _INT_ACTIVATIONS] + [
    Case("int_threshold_int_default", lambda k, x: k.ops.threshold(x, 0, -1),
         [ints(2, 5, low=-3, high=4)]),
    Case("int_threshold_float_default", lambda k, x: k.ops.threshold(x, 1, -0.5),
         [ints(2, 5, low=-3, high=4)]),
    Case("gelu_tanh", lambda k, x: k.ops.gelu(x), [f32(3, 4)], grad=True),
    Case("gelu_exact", lambda k, x: k.ops.gelu(x, approximate=False), [f32(3, 4)], grad=True),
    Case("glu_last", lambda k, x: k.ops.glu(x), [f32(2, 6)], grad=True),
    Case("glu_axis0", lambda k, x: k.ops.glu(x, axis=0), [f32(4, 3)], grad=True),
    # Keras 3.15's sparsemax takes the threshold from the sum of the partial sums over the
    # support rather than the partial sum at its end, so it agrees with the true sparsemax
    # (numen's, whose rows sum to 1) only where the support is one element: rows whose top
    # entry leads by more than 1, as below.
    Case("sparsemax", lambda k, x: k.ops.sparsemax(x),
         [const([[-0.5, 0.0, 1.0, 2.0, 3.5], [2.0, -1.0, 0.5, 0.2, 0.1]], "float32")],
         grad=True),
    Case("sparsemax_axis0", lambda k, x: k.ops.sparsemax(x, axis=0),
         [const([[0.1, 3.0], [2.5, 0.3], [1.0, 1.5]], "float32")], grad=True),
    Case("softmax_axis1", lambda k, x: k.ops.softmax(x, axis=1), [f32(2, 3, 4)], grad=True),
    Case("log_softmax_axis0", lambda k, x: k.ops.log_softmax(x, axis=0), [f32(3, 4)],
         grad=True),
    Case("normalize_l2", lambda k, x: k.ops.normalize(x), [f32(3, 4)], grad=True),
    Case("normalize_l1_axis0", lambda k, x: k.ops.normalize(x, axis=0, order=1),
         [f32(3, 4)], grad=True),
    Case("one_hot", lambda k, x: k.ops.one_hot(x, 4), [ints(2, 3, high=4)]),
    Case("one_hot_axis0_int", lambda k, x: k.ops.one_hot(x, 3, axis=0, dtype="int32"),
         [ints(4, high=3)]),
    Case("one_hot_negative", lambda k, x: k.ops.one_hot(x, 3), [ints(5, low=-2, high=4)]),
    Case("moments", lambda k, x: k.ops.moments(x, axes=[0, 1]), [f32(2, 3, 4)], grad=True),
    Case("moments_keepdims", lambda k, x: k.ops.moments(x, axes=-1, keepdims=True),
         [f32(3, 4)], grad=True),
    Case("moments_float16", lambda k, x: k.ops.moments(x, axes=1),
         [lambda rng: (rng.standard_normal((2, 50)) * 300).astype("float16")],
         rtol=2e-3, atol=2e-3),
    Case("batch_norm",
         lambda k, x, mu, var, b, s: k.ops.batch_normalization(x, mu, var, axis=-1, offset=b,
                                                               scale=s, epsilon=1e-3),
         [f32(3, 4), f32(4), pos(4), f32(4), f32(4)], grad=True),
    Case("batch_norm_axis1",
         lambda k, x, mu, var: k.ops.batch_normalization(x, mu, var, axis=1),
         [f32(2, 3, 4), f32(3), pos(3)], grad=True),
    # convolutions
    Case("conv1d_valid", lambda k, x, w: k.ops.conv(x, w), [f32(2, 7, 3), f32(3, 3, 4)],
         grad=True, rtol=1e-4, atol=1e-4),
    Case("conv2d_same_strides", lambda k, x, w: k.ops.conv(x, w, strides=2, padding="same"),
         [f32(1, 7, 6, 2), f32(3, 3, 2, 3)], grad=True, rtol=1e-4, atol=1e-4),
    Case("conv2d_dilated", lambda k, x, w: k.ops.conv(x, w, dilation_rate=2),
         [f32(1, 7, 7, 2), f32(3, 2, 2, 3)], grad=True, rtol=1e-4, atol=1e-4),
    Case("conv2d_first",
         lambda k, x, w: k.ops.conv(x, w, strides=(1, 2), padding="same",
                                    data_format="channels_first"),
         [f32(1, 2, 5, 6), f32(3, 3, 2, 4)], grad=True, rtol=1e-4, atol=1e-4),
    Case("conv3d", lambda k, x, w: k.ops.conv(x, w, padding="same"),
         [f32(1, 4, 4, 3, 2), f32(2, 2, 2, 2, 3)], grad=True, rtol=1e-4, atol=1e-4),
    Case("conv_transpose_same",
         lambda k, x, w: k.ops.conv_transpose(x, w, strides=2, padding="same"),
         [f32(1, 3, 4, 2), f32(3, 3, 5, 2)], grad=True, rtol=1e-4, atol=1e-4),
    Case("conv_transpose_valid_outpad",
         lambda k, x, w: k.ops.conv_transpose(x, w, strides=2, output_padding=1),
         [f32(1, 3, 3, 2), f32(3, 3, 4, 2)], grad=True, rtol=1e-4, atol=1e-4),
    Case("conv_transpose_1d_first",
         lambda k, x, w: k.ops.conv_transpose(x, w, strides=3, padding="same",
                                              data_format="channels_first"),
         [f32(2, 2, 4), f32(2, 3, 2)], grad=True, rtol=1e-4, atol=1e-4),
    Case("depthwise_conv",
         lambda k, x, w: k.ops.depthwise_conv(x, w, strides=1, padding="same"),
         [f32(1, 5, 5, 3), f32(3, 3, 3, 2)], grad=True, rtol=1e-4, atol=1e-4),
    Case("depthwise_conv_dilated_first",
         lambda k, x, w: k.ops.depthwise_conv(x, w, dilation_rate=2,
                                              data_format="channels_first"),
         [f32(1, 2, 6, 6), f32(2, 2, 2, 1)], grad=True, rtol=1e-4, atol=1e-4),
    Case("separable_conv",
         lambda k, x, dw, pw: k.ops.separable_conv(x, dw, pw, strides=2, padding="same"),
         [f32(1, 6, 5, 2), f32(3, 3, 2, 2), f32(1, 1, 4, 3)], grad=True, rtol=1e-4,
         atol=1e-4),
    # pooling (strides given: Keras 3.15 on JAX fails with strides=None)
    Case("max_pool_2d", lambda k, x: k.ops.max_pool(x, 2, strides=2), [f32(2, 4, 6, 3)],
         grad=True),
    Case("max_pool_same_strides",
         lambda k, x: k.ops.max_pool(x, 3, strides=2, padding="same"), [f32(1, 5, 7, 2)],
         grad=True),
    Case("max_pool_1d_first",
         lambda k, x: k.ops.max_pool(x, 2, strides=1, data_format="channels_first"),
         [f32(2, 3, 6)], grad=True),
    Case("average_pool_2d", lambda k, x: k.ops.average_pool(x, (2, 3), (2, 3)),
         [f32(1, 4, 6, 2)],
         grad=True),
    Case("average_pool_same",
         lambda k, x: k.ops.average_pool(x, 3, strides=2, padding="same"), [f32(1, 5, 6, 2)],
         grad=True),
    Case("average_pool_3d_first",
         lambda k, x: k.ops.average_pool(x, 2, 2, data_format="channels_first"),
         [f32(1, 2, 4, 4, 4)], grad=True),
]
