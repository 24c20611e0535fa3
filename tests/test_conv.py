"""Convolution ops (gradient checks) and layers (check_layer against PyTorch, float64)."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from numen import layers, ops, testing  # noqa: E402
from numen.autodiff import Variable, enable_grad, gradients  # noqa: E402
from numen.ops.convolution import same_pads  # noqa: E402

CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def _as_tuple(v, nd):
    return (v,) * nd if isinstance(v, int) else tuple(v)


def _torch_pads(pads):
    """[(before, after) per spatial axis] -> F.pad's last-axis-first flat list."""
    flat = []
    for lo, hi in reversed(pads):
        flat += [lo, hi]
    return flat


def _keras_pads(sizes, kernel, strides, dilation, padding):
    """Keras's padding per axis, written out independently of the op under test."""
    k_eff = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    if padding == "valid":
        return [(0, 0)] * len(sizes)
    if padding == "causal":
        return [(k_eff[0] - 1, 0)]
    out = []
    for n, k, s in zip(sizes, k_eff, strides):
        total = max((math.ceil(n / s) - 1) * s + k - n, 0)
        out.append((total // 2, total - total // 2))
    return out


def torch_conv(x, w, b, nd, strides=1, padding="valid", dilation=1, groups=1,
               channels_first=False):
    """Keras conv in PyTorch: NHWC -> NCHW, kernel (*k, in, out) -> (out, in, *k), pad first."""
    strides, dilation = _as_tuple(strides, nd), _as_tuple(dilation, nd)
    xt = x if channels_first else x.movedim(-1, 1)
    pads = _keras_pads(xt.shape[2:], w.shape[:nd], strides, dilation, padding)
    xt = F.pad(xt, _torch_pads(pads))
    wt = w.permute(nd + 1, nd, *range(nd))
    y = CONV[nd](xt, wt, b, stride=strides, dilation=dilation, groups=groups)
    return y if channels_first else y.movedim(1, -1)


def torch_conv_transpose(x, w, b, nd, strides=1, padding="valid", output_padding=None,
                         dilation=1, channels_first=False):
    """Keras (TensorFlow) conv_transpose: the full PyTorch result, cropped the way TF pads."""
    strides, dilation = _as_tuple(strides, nd), _as_tuple(dilation, nd)
    xt = x if channels_first else x.movedim(-1, 1)
    wt = w.permute(nd + 1, nd, *range(nd))  # (*k, out, in) -> (in, out, *k)
    full = CONV_T[nd](xt, wt, None, stride=strides, dilation=dilation)
    out_pad = _as_tuple(output_padding, nd) if output_padding is not None else (None,) * nd
    index = [slice(None), slice(None)]
    for axis, (n, k, s, d, p) in enumerate(zip(xt.shape[2:], w.shape[:nd], strides, dilation,
                                                out_pad)):
        k_eff = (k - 1) * d + 1
        if p is None:
            length = n * s + max(k_eff - s, 0) if padding == "valid" else n * s
        else:
            pad = k_eff // 2 if padding == "same" else 0
            length = (n - 1) * s + k_eff - 2 * pad + p
        before = 0
        if padding == "same":
            before = max((math.ceil(length / s) - 1) * s + k_eff - length, 0) // 2
        extra = before + length - full.shape[2 + axis]
        if extra > 0:
            widths = [0, 0] * (nd - 1 - axis) + [0, extra]
            full = F.pad(full, widths)
        index.append(slice(before, before + length))
    y = full[tuple(index)]
    if b is not None:
        y = y + b.view(1, -1, *(1,) * nd)
    return y if channels_first else y.movedim(1, -1)


# -- ops: gradient checks ----------------------------------------------------------------------

@pytest.mark.parametrize("nd, sizes, kernel, strides, padding, dilation, groups", [
    (1, (7,), (3,), 1, "valid", 1, 1),
    (1, (7,), (3,), 1, "causal", 2, 1),
    (1, (7,), (2,), 2, "same", 1, 2),
    (2, (5, 6), (3, 2), (2, 1), "same", 1, 1),
    (2, (5, 5), (2, 2), 1, "valid", 2, 2),
    (3, (4, 3, 4), (2, 2, 2), 1, "same", 1, 1),
])
def test_conv_gradients(nd, sizes, kernel, strides, padding, dilation, groups):
    c_in, filters = 2, 4
    x = testing.randn((2, *sizes, c_in))
    w = testing.randn((*kernel, c_in // groups, filters), seed=1)
    b = testing.randn((filters,), seed=2)

    def fn(x, w, b):
        return ops.conv(x, w, strides, padding, dilation_rate=dilation, bias=b)

    expected = torch_conv(torch.tensor(x), torch.tensor(w), torch.tensor(b), nd, strides,
                          padding, dilation, groups).numpy()
    testing.assert_close(fn(x, w, b), expected, rtol=1e-10, atol=1e-10)
    testing.check_grad(fn, [x, w, b])


def test_conv_channels_first_gradients():
    x = testing.randn((2, 3, 5, 4))
    w = testing.randn((3, 2, 3, 2), seed=1)
    expected = torch_conv(torch.tensor(x), torch.tensor(w), None, 2, 2, "same",
                          channels_first=True).numpy()
    fn = lambda x, w: ops.conv(x, w, 2, "same", "channels_first")  # noqa: E731
    testing.assert_close(fn(x, w), expected, rtol=1e-10, atol=1e-10)
    testing.check_grad(fn, [x, w])


@pytest.mark.parametrize("nd, kernel, strides, padding, output_padding, dilation", [
    (1, (3,), 2, "same", None, 1),
    (1, (2,), 3, "valid", None, 1),
    (2, (3, 2), (2, 1), "valid", None, 1),
    (2, (3, 3), 2, "same", 1, 1),
    (2, (2, 2), 1, "same", None, 2),
    (2, (4, 4), 2, "same", None, 1),
    (3, (2, 2, 2), 2, "valid", 1, 1),
])
def test_conv_transpose_gradients(nd, kernel, strides, padding, output_padding, dilation):
    x = testing.randn((2, *(3,) * nd, 2))
    w = testing.randn((*kernel, 3, 2), seed=1)
    b = testing.randn((3,), seed=2)

    def fn(x, w, b):
        return ops.conv_transpose(x, w, strides, padding, output_padding,
                                  dilation_rate=dilation, bias=b)

    expected = torch_conv_transpose(torch.tensor(x), torch.tensor(w), torch.tensor(b), nd,
                                    strides, padding, output_padding, dilation).numpy()
    testing.assert_close(fn(x, w, b), expected, rtol=1e-10, atol=1e-10)
    testing.check_grad(fn, [x, w, b])


def test_depthwise_and_separable_gradients():
    x = testing.randn((2, 5, 4, 3))
    dw = testing.randn((3, 2, 3, 2), seed=1)
    pw = testing.randn((1, 1, 6, 4), seed=2)
    b = testing.randn((4,), seed=3)
    xt, dwt = torch.tensor(x).movedim(-1, 1), torch.tensor(dw)
    ref = F.conv2d(xt, dwt.reshape(3, 2, 1, 6).permute(3, 2, 0, 1), groups=3)
    testing.assert_close(ops.depthwise_conv(x, dw), ref.movedim(1, -1).numpy(), 1e-10, 1e-10)
    testing.check_grad(lambda x, w: ops.depthwise_conv(x, w, 1, "same"), [x, dw])
    testing.check_grad(lambda x, d, p, b: ops.separable_conv(x, d, p, 2, "same", bias=b),
                       [x, dw, pw, b])


@pytest.mark.parametrize("nd, sizes, kernel, strides, padding, dilation", [
    (2, (7, 6), (3, 3), 2, "valid", 1),
    (2, (5, 6), (3, 2), 1, "same", 2),
    (3, (4, 3, 4), (2, 2, 2), 2, "same", 1),
])
def test_depthwise_multiplier_one_matches_torch_with_gradients(nd, sizes, kernel, strides,
                                                               padding, dilation):
    # One input and one output channel per group: the per-tap path of ops/convolution.py.
    x = testing.randn((2, *sizes, 3))
    w = testing.randn((*kernel, 3, 1), seed=1)
    b = testing.randn((3,), seed=2)

    def fn(x, w, b):
        return ops.depthwise_conv(x, w, strides, padding, dilation_rate=dilation, bias=b)

    expected = torch_conv(torch.tensor(x), torch.tensor(w).reshape(*kernel, 1, 3),
                          torch.tensor(b), nd, strides, padding, dilation, 3).numpy()
    testing.assert_close(fn(x, w, b), expected, rtol=1e-10, atol=1e-10)
    testing.check_grad(fn, [x, w, b])


def test_same_padding_puts_the_extra_pixel_after():
    assert same_pads(5, 2, 1) == (0, 1)
    assert same_pads(6, 3, 2) == (0, 1)
    assert same_pads(7, 5, 1) == (2, 2)


def test_conv_rejects_bad_shapes():
    with pytest.raises(ValueError, match="rank 4.*kernel shape \\(3, 3, 2\\)"):
        ops.conv(np.zeros((1, 5, 5, 2)), np.zeros((3, 3, 2)))
    with pytest.raises(ValueError, match="3 channels.*multiple.*2 input channels"):
        ops.conv(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 2, 4)))
    with pytest.raises(ValueError, match="does not fit"):
        ops.conv(np.zeros((1, 2, 2, 1)), np.zeros((3, 3, 1, 1)))
    with pytest.raises(ValueError, match="causal.*1D"):
        ops.conv(np.zeros((1, 4, 4, 1)), np.zeros((2, 2, 1, 1)), padding="causal")
    with pytest.raises(ValueError, match="padding"):
        ops.conv(np.zeros((1, 4, 4, 1)), np.zeros((2, 2, 1, 1)), padding="full")


# -- layers through the harness ----------------------------------------------------------------

def _conv_forward(nd, strides=1, padding="valid", dilation=1, groups=1, use_bias=True,
                  channels_first=False, activation=None):
    def forward(x, w):
        y = torch_conv(x, w[0], w[1] if use_bias else None, nd, strides, padding, dilation,
                       groups, channels_first)
        return activation(y) if activation else y
    return forward


@pytest.mark.parametrize("cls, nd, kwargs, in_shape, out_shape", [
    (layers.Conv1D, 1, {"filters": 4, "kernel_size": 3}, (2, 7, 3), (2, 5, 4)),
    (layers.Conv1D, 1, {"filters": 4, "kernel_size": 3, "padding": "causal",
                        "dilation_rate": 2}, (2, 7, 3), (2, 7, 4)),
    (layers.Conv1D, 1, {"filters": 4, "kernel_size": 2, "strides": 2, "padding": "same",
                        "groups": 2, "use_bias": False}, (2, 7, 2), (2, 4, 4)),
    (layers.Conv2D, 2, {"filters": 4, "kernel_size": 3}, (2, 6, 5, 2), (2, 4, 3, 4)),
    (layers.Conv2D, 2, {"filters": 4, "kernel_size": (2, 3), "strides": 2, "padding": "same"},
     (2, 6, 5, 2), (2, 3, 3, 4)),
    (layers.Conv2D, 2, {"filters": 4, "kernel_size": 2, "dilation_rate": 2, "groups": 2,
                        "padding": "same", "activation": "relu"}, (2, 5, 5, 4), (2, 5, 5, 4)),
    (layers.Conv2D, 2, {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same",
                        "data_format": "channels_first"}, (2, 2, 6, 5), (2, 3, 3, 3)),
    (layers.Conv3D, 3, {"filters": 3, "kernel_size": 2, "padding": "same", "strides": 2},
     (2, 3, 4, 3, 2), (2, 2, 2, 2, 3)),
    (layers.Conv3D, 3, {"filters": 2, "kernel_size": 2, "data_format": "channels_first"},
     (1, 2, 3, 3, 3), (1, 2, 2, 2, 2)),
])
def test_conv_layers_match_torch(cls, nd, kwargs, in_shape, out_shape):
    cf = kwargs.get("data_format") == "channels_first"
    c_in = in_shape[1] if cf else in_shape[-1]
    kernel = _as_tuple(kwargs["kernel_size"], nd)
    groups = kwargs.get("groups", 1)
    use_bias = kwargs.get("use_bias", True)
    weights = [(*kernel, c_in // groups, kwargs["filters"])]
    weights += [(kwargs["filters"],)] if use_bias else []
    act = torch.relu if kwargs.get("activation") == "relu" else None
    forward = _conv_forward(nd, kwargs.get("strides", 1), kwargs.get("padding", "valid"),
                            kwargs.get("dilation_rate", 1), groups, use_bias, cf, act)
    testing.check_layer(cls, kwargs, in_shape, expected_output_shape=out_shape,
                        expected_weight_shapes=weights, torch_forward=forward)


@pytest.mark.parametrize("cls, nd, kwargs, in_shape, out_shape", [
    (layers.Conv1DTranspose, 1, {"filters": 3, "kernel_size": 3, "strides": 2,
                                 "padding": "same"}, (2, 4, 2), (2, 8, 3)),
    (layers.Conv2DTranspose, 2, {"filters": 3, "kernel_size": 3, "strides": 2},
     (2, 3, 4, 2), (2, 7, 9, 3)),
    (layers.Conv2DTranspose, 2, {"filters": 2, "kernel_size": 3, "strides": 2,
                                 "padding": "same", "output_padding": 1},
     (2, 3, 3, 2), (2, 6, 6, 2)),
    (layers.Conv2DTranspose, 2, {"filters": 2, "kernel_size": 2, "dilation_rate": 2,
                                 "data_format": "channels_first", "use_bias": False},
     (2, 2, 3, 3), (2, 2, 5, 5)),
    (layers.Conv3DTranspose, 3, {"filters": 2, "kernel_size": 2, "strides": 2},
     (1, 2, 2, 2, 2), (1, 4, 4, 4, 2)),
])
def test_conv_transpose_layers_match_torch(cls, nd, kwargs, in_shape, out_shape):
    cf = kwargs.get("data_format") == "channels_first"
    c_in = in_shape[1] if cf else in_shape[-1]
    use_bias = kwargs.get("use_bias", True)
    weights = [(*_as_tuple(kwargs["kernel_size"], nd), kwargs["filters"], c_in)]
    weights += [(kwargs["filters"],)] if use_bias else []

    def forward(x, w):
        return torch_conv_transpose(x, w[0], w[1] if use_bias else None, nd,
                                    kwargs.get("strides", 1), kwargs.get("padding", "valid"),
                                    kwargs.get("output_padding"),
                                    kwargs.get("dilation_rate", 1), cf)

    testing.check_layer(cls, kwargs, in_shape, expected_output_shape=out_shape,
                        expected_weight_shapes=weights, torch_forward=forward)


@pytest.mark.parametrize("cls, nd, kwargs, in_shape, out_shape", [
    (layers.DepthwiseConv2D, 2, {"kernel_size": 3, "depth_multiplier": 2},
     (2, 5, 5, 3), (2, 3, 3, 6)),
    (layers.DepthwiseConv2D, 2, {"kernel_size": 2, "strides": 2, "padding": "same",
                                 "data_format": "channels_first"}, (2, 3, 5, 5), (2, 3, 3, 3)),
    (layers.DepthwiseConv1D, 1, {"kernel_size": 3, "dilation_rate": 2, "padding": "same"},
     (2, 7, 2), (2, 7, 2)),
])
def test_depthwise_layers_match_torch(cls, nd, kwargs, in_shape, out_shape):
    cf = kwargs.get("data_format") == "channels_first"
    c = in_shape[1] if cf else in_shape[-1]
    dm = kwargs.get("depth_multiplier", 1)
    kernel = _as_tuple(kwargs["kernel_size"], nd)

    def forward(x, w):
        grouped = w[0].reshape(*kernel, 1, c * dm)
        return torch_conv(x, grouped, w[1], nd, kwargs.get("strides", 1),
                          kwargs.get("padding", "valid"), kwargs.get("dilation_rate", 1), c, cf)

    testing.check_layer(cls, kwargs, in_shape, expected_output_shape=out_shape,
                        expected_weight_shapes=[(*kernel, c, dm), (c * dm,)],
                        torch_forward=forward)


@pytest.mark.parametrize("cls, nd, kwargs, in_shape, out_shape", [
    (layers.SeparableConv2D, 2, {"filters": 4, "kernel_size": 3, "depth_multiplier": 2,
                                 "padding": "same", "strides": 2}, (2, 5, 5, 3), (2, 3, 3, 4)),
    (layers.SeparableConv1D, 1, {"filters": 3, "kernel_size": 2, "activation": "relu"},
     (2, 6, 2), (2, 5, 3)),
])
def test_separable_layers_match_torch(cls, nd, kwargs, in_shape, out_shape):
    c, dm, filters = in_shape[-1], kwargs.get("depth_multiplier", 1), kwargs["filters"]
    kernel = _as_tuple(kwargs["kernel_size"], nd)

    def forward(x, w):
        grouped = w[0].reshape(*kernel, 1, c * dm)
        y = torch_conv(x, grouped, None, nd, kwargs.get("strides", 1),
                       kwargs.get("padding", "valid"), 1, c)
        y = torch_conv(y, w[1], w[2], nd)
        return torch.relu(y) if kwargs.get("activation") == "relu" else y

    testing.check_layer(cls, kwargs, in_shape, expected_output_shape=out_shape,
                        expected_weight_shapes=[(*kernel, c, dm), (*(1,) * nd, c * dm, filters),
                                                (filters,)],
                        torch_forward=forward)


def test_aliases_are_the_same_classes():
    assert layers.Convolution2D is layers.Conv2D
    assert layers.Convolution1D is layers.Conv1D
    assert layers.Convolution3D is layers.Conv3D
    assert layers.Convolution2DTranspose is layers.Conv2DTranspose
    assert layers.SeparableConvolution2D is layers.SeparableConv2D


def test_conv2d_on_rank_2_input_names_layer_and_rank():
    layer = layers.Conv2D(4, 3, name="features")
    with pytest.raises(ValueError, match="features.*rank 4.*\\(3, 5\\)"):
        layer(np.zeros((3, 5), dtype="float32"))


def test_conv2d_wrong_channel_count_after_build():
    layer = layers.Conv2D(4, 3, name="c")
    layer(np.zeros((1, 5, 5, 2), dtype="float32"))
    with pytest.raises(ValueError, match="'c'.*size 2"):
        layer(np.zeros((1, 5, 5, 3), dtype="float32"))


@pytest.mark.parametrize("kwargs, match", [
    ({"filters": 0, "kernel_size": 3}, "filters"),
    ({"filters": 4, "kernel_size": (3, 3, 3)}, "kernel_size"),
    ({"filters": 4, "kernel_size": 0}, "kernel_size"),
    ({"filters": 4, "kernel_size": 3, "padding": "causal"}, "padding"),
    ({"filters": 5, "kernel_size": 3, "groups": 2}, "groups"),
    ({"filters": 4, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, "dilation_rate"),
    ({"filters": 4, "kernel_size": 3, "data_format": "NHWC"}, "data_format"),
])
def test_conv2d_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.Conv2D(**kwargs)


def test_conv_transpose_output_padding_must_be_below_stride():
    with pytest.raises(ValueError, match="output_padding"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)


def test_conv_config_has_keras_keys():
    config = layers.Conv2D(8, 3, padding="same").get_config()
    for key in ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
                "groups", "activation", "use_bias", "kernel_initializer", "bias_initializer",
                "kernel_regularizer", "bias_regularizer", "kernel_constraint",
                "bias_constraint"):
        assert key in config
    assert config["kernel_size"] == (3, 3) and config["data_format"] == "channels_last"


def test_small_convnet_trains_with_fit():
    from numen import keras

    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 8, 8, 1)).astype("float32")
    y = rng.integers(0, 10, size=64)
    model = keras.Sequential([
        keras.layers.Conv2D(8, 3, activation="relu", input_shape=(8, 8, 1)),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert len(losses) == 5
    assert losses[-1] < losses[0]
    assert model.predict(x[:3], verbose=0).shape == (3, 10)


@pytest.mark.parametrize("groups, data_format", [(1, "channels_last"), (2, "channels_first")])
def test_conv_fused_relu_matches_relu_of_conv(groups, data_format):
    x = testing.randn((2, 6, 5, 4))
    w = testing.randn((3, 2, 4 // groups, 6), seed=1)
    b = testing.randn((6,), seed=2)

    def fn(x, w, b):
        return ops.conv(x, w, 1, "same", data_format, bias=b, relu=True)

    expected = np.maximum(ops.conv(x, w, 1, "same", data_format, bias=b).data, 0)
    testing.assert_close(fn(x, w, b), expected, rtol=1e-12, atol=1e-12)
    assert (expected == 0).any() and (expected > 0).any()
    testing.check_grad(fn, [x, w, b])


def test_conv2d_relu_layer_uses_the_fused_op_and_matches_torch():
    layer = layers.Conv2D(3, 2, activation="relu")
    x = testing.randn((2, 5, 5, 2), dtype="float32")
    with enable_grad():
        y = layer(x)
    w, b = layer.kernel.data, layer.bias.data
    ref = F.relu(torch_conv(torch.tensor(x), torch.tensor(w), torch.tensor(b), 2)).numpy()
    testing.assert_close(y, ref, rtol=1e-6, atol=1e-6)
    assert y.op == "conv"  # one op: no separate relu node


def test_reused_buffers_are_never_shared_with_live_results():
    # Large enough to come from the buffer pool: a second call must not write into the
    # arrays of a first result (or its gradient) that is still held.
    x = testing.randn((32, 34, 34, 8), dtype="float32")
    w = testing.randn((3, 3, 8, 16), seed=1, dtype="float32")
    xv, wv = Variable(x), Variable(w)
    with enable_grad():
        y1 = ops.max_pool(ops.conv(xv, wv, relu=True), 2)
        first = y1.data.copy()
        gx1 = gradients(ops.sum(y1), [xv])[0]
        gx1_copy = gx1.copy()
        y2 = ops.max_pool(ops.conv(xv * 2.0, wv, relu=True), 2)
        gx2 = gradients(ops.sum(y2), [xv])[0]
    assert not np.shares_memory(y1.data, y2.data)
    assert not np.shares_memory(gx1, gx2)
    np.testing.assert_array_equal(y1.data, first)
    np.testing.assert_array_equal(gx1, gx1_copy)
    np.testing.assert_allclose(y2.data, 2 * first, rtol=1e-5, atol=1e-5)


def test_depthwise_and_separable_variable_names_as_keras():
    """Keras 3 names a depthwise layer's kernel `kernel` and a separable layer's
    `depthwise_kernel` + `pointwise_kernel` (variable paths in checkpoints follow)."""
    dw = layers.DepthwiseConv2D(3, name="dw")
    dw.build((None, 5, 5, 4))
    assert [v.path for v in dw.weights] == ["dw/kernel", "dw/bias"]
    assert dw.kernel.shape == (3, 3, 4, 1)
    sep = layers.SeparableConv2D(2, 3, name="sep")
    sep.build((None, 5, 5, 4))
    assert [v.name for v in sep.weights] == ["depthwise_kernel", "pointwise_kernel", "bias"]


@pytest.mark.parametrize("cls, shape, data_format", [
    ("Conv2D", (2, 6, 5, 3), "channels_last"), ("Conv2D", (2, 3, 6, 5), "channels_first"),
    ("Conv1D", (2, 7, 3), "channels_last")])
def test_convolution_op_override_is_used_by_call(cls, shape, data_format):
    # As in Keras: a subclass overriding `convolution_op` changes the op `call` runs (the bias
    # and activation still follow); the base op is the plain convolution.
    base = getattr(layers, cls)

    class Doubled(base):
        def convolution_op(self, inputs, kernel):
            return super().convolution_op(inputs, kernel * 2.0)

    x = testing.randn(shape, seed=4)
    doubled = Doubled(4, 3, padding="same", activation="tanh", bias_initializer="ones",
                      data_format=data_format)
    plain = base(4, 3, padding="same", activation="tanh", bias_initializer="ones",
                 data_format=data_format)
    doubled(x), plain(x)
    kernel, bias = doubled.get_weights()
    plain.set_weights([2 * kernel, bias])
    testing.assert_close(doubled(x), plain(x), rtol=1e-5, atol=1e-6)
    # The base op alone: the bias (ones) and the activation come after it.
    testing.assert_close(np.tanh(np.asarray(plain.convolution_op(x, plain.kernel)) + 1.0),
                         plain(x), rtol=1e-5, atol=1e-6)
