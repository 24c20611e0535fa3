"""Pooling ops (gradient checks) and layers (check_layer against PyTorch, float64)."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from numen import layers, ops, testing  # noqa: E402

MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def _as_tuple(v, nd):
    return (v,) * nd if isinstance(v, int) else tuple(v)


def torch_pool(x, mode, nd, pool, strides=None, padding="valid", channels_first=False):
    """Keras pooling in PyTorch: explicit TF 'same' padding; averages exclude the padding."""
    pool = _as_tuple(pool, nd)
    strides = pool if strides is None else _as_tuple(strides, nd)
    xt = x if channels_first else x.movedim(-1, 1)
    flat = []
    if padding == "same":
        for n, k, s in reversed(list(zip(xt.shape[2:], pool, strides))):
            total = max((math.ceil(n / s) - 1) * s + k - n, 0)
            flat += [total // 2, total - total // 2]
    else:
        flat = [0, 0] * nd
    if mode == "max":
        y = MAX[nd](F.pad(xt, flat, value=-math.inf), pool, strides)
    else:
        total = AVG[nd](F.pad(xt, flat), pool, strides)
        count = AVG[nd](F.pad(torch.ones_like(xt), flat), pool, strides)
        y = total / count
    return y if channels_first else y.movedim(1, -1)


CASES = [
    (1, (7,), 2, None, "valid"),
    (1, (7,), 3, 2, "same"),
    (2, (5, 6), 2, None, "valid"),
    (2, (5, 5), (3, 2), 1, "same"),
    (2, (6, 5), 3, 2, "same"),
    (3, (4, 3, 4), 2, None, "same"),
]


@pytest.mark.parametrize("nd, sizes, pool, strides, padding", CASES)
@pytest.mark.parametrize("mode", ["max", "average"])
def test_pool_ops_match_torch_and_gradients(mode, nd, sizes, pool, strides, padding):
    x = testing.randn((2, *sizes, 3))
    op = ops.max_pool if mode == "max" else ops.average_pool

    def fn(x):
        return op(x, pool, strides, padding)

    expected = torch_pool(torch.tensor(x), mode, nd, pool, strides, padding).numpy()
    testing.assert_close(fn(x), expected, rtol=1e-12, atol=1e-12)
    testing.check_grad(fn, [x])


def test_pool_channels_first():
    x = testing.randn((2, 3, 5, 4))
    for mode, op in (("max", ops.max_pool), ("average", ops.average_pool)):
        fn = lambda x, op=op: op(x, 2, 1, "same", "channels_first")  # noqa: E731
        expected = torch_pool(torch.tensor(x), mode, 2, 2, 1, "same", True).numpy()
        testing.assert_close(fn(x), expected, rtol=1e-12, atol=1e-12)
        testing.check_grad(fn, [x])


def test_max_pool_gradient_goes_to_the_first_of_tied_maxima():
    x = np.zeros((1, 2, 2, 1))
    from numen.autodiff import Tensor, gradients

    t = Tensor(x, requires_grad=True)
    (g,) = gradients(ops.max_pool(t, 2), [t])
    assert g.reshape(-1).tolist() == [1.0, 0.0, 0.0, 0.0]


def test_average_same_padding_counts_only_real_values():
    y = ops.average_pool(np.ones((1, 3, 3, 1)), 3, 1, "same")
    testing.assert_close(y, np.ones((1, 3, 3, 1)))


def test_pool_rejects_bad_arguments():
    with pytest.raises(ValueError, match="padding"):
        ops.max_pool(np.zeros((1, 4, 4, 1)), 2, padding="causal")
    with pytest.raises(ValueError, match="pool_size"):
        ops.average_pool(np.zeros((1, 4, 4, 1)), (2, 2, 2))
    with pytest.raises(ValueError, match="does not fit"):
        ops.max_pool(np.zeros((1, 1, 4, 1)), 2)


@pytest.mark.parametrize("cls, nd, mode, kwargs, in_shape, out_shape", [
    (layers.MaxPooling1D, 1, "max", {}, (2, 7, 3), (2, 3, 3)),
    (layers.MaxPooling1D, 1, "max", {"pool_size": 3, "strides": 1, "padding": "same"},
     (2, 5, 2), (2, 5, 2)),
    (layers.MaxPooling2D, 2, "max", {}, (2, 6, 5, 3), (2, 3, 2, 3)),
    (layers.MaxPooling2D, 2, "max", {"pool_size": (3, 2), "strides": 2, "padding": "same",
                                     "data_format": "channels_first"},
     (2, 3, 5, 5), (2, 3, 3, 3)),
    (layers.MaxPooling3D, 3, "max", {}, (1, 4, 4, 5, 2), (1, 2, 2, 2, 2)),
    (layers.AveragePooling1D, 1, "average", {"pool_size": 3, "strides": 2, "padding": "same"},
     (2, 7, 2), (2, 4, 2)),
    (layers.AveragePooling2D, 2, "average", {}, (2, 4, 5, 3), (2, 2, 2, 3)),
    (layers.AveragePooling2D, 2, "average", {"pool_size": 3, "strides": 1, "padding": "same"},
     (2, 4, 4, 2), (2, 4, 4, 2)),
    (layers.AveragePooling3D, 3, "average", {"padding": "same",
                                             "data_format": "channels_first"},
     (1, 2, 3, 3, 3), (1, 2, 2, 2, 2)),
])
def test_pooling_layers_match_torch(cls, nd, mode, kwargs, in_shape, out_shape):
    pool = kwargs.get("pool_size", 2)

    def forward(x, w):
        return torch_pool(x, mode, nd, pool, kwargs.get("strides"),
                          kwargs.get("padding", "valid"),
                          kwargs.get("data_format") == "channels_first")

    testing.check_layer(cls, kwargs, in_shape, expected_output_shape=out_shape,
                        expected_weight_shapes=[], torch_forward=forward)


@pytest.mark.parametrize("cls, nd, mode", [
    (layers.GlobalMaxPooling1D, 1, "max"), (layers.GlobalMaxPooling2D, 2, "max"),
    (layers.GlobalMaxPooling3D, 3, "max"), (layers.GlobalAveragePooling1D, 1, "mean"),
    (layers.GlobalAveragePooling2D, 2, "mean"), (layers.GlobalAveragePooling3D, 3, "mean"),
])
@pytest.mark.parametrize("data_format, keepdims", [("channels_last", False),
                                                   ("channels_first", True)])
def test_global_pooling_layers_match_torch(cls, nd, mode, data_format, keepdims):
    in_shape = (2, *(3,) * nd, 4)
    first = data_format == "channels_first"
    axes = tuple(range(2, 2 + nd)) if first else tuple(range(1, 1 + nd))
    if not keepdims:
        out_shape = (2, in_shape[1]) if first else (2, 4)
    else:
        out_shape = (2, in_shape[1], *(1,) * nd) if first else (2, *(1,) * nd, 4)

    def forward(x, w):
        if mode == "max":
            return torch.amax(x, dim=axes, keepdim=keepdims)
        return torch.mean(x, dim=axes, keepdim=keepdims)

    testing.check_layer(cls, {"data_format": data_format, "keepdims": keepdims}, in_shape,
                        expected_output_shape=tuple(out_shape), torch_forward=forward)


def test_global_average_pooling_1d_with_mask():
    x = testing.randn((2, 4, 3))
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)
    y = layers.GlobalAveragePooling1D(dtype="float64")(x, mask=mask)
    expected = np.stack([x[0, :2].mean(0), x[1].mean(0)])
    testing.assert_close(y, expected)


def test_pooling_aliases_and_defaults():
    assert layers.MaxPool2D is layers.MaxPooling2D
    assert layers.AvgPool1D is layers.AveragePooling1D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D
    assert layers.GlobalMaxPool3D is layers.GlobalMaxPooling3D
    config = layers.MaxPooling2D().get_config()
    assert config["pool_size"] == (2, 2) and config["strides"] == (2, 2)
    assert config["padding"] == "valid" and config["data_format"] == "channels_last"
    assert layers.GlobalAveragePooling2D().get_config()["keepdims"] is False


def test_pooling_layer_rank_error_names_layer():
    with pytest.raises(ValueError, match="pool.*rank 4"):
        layers.MaxPooling2D(name="pool")(np.zeros((2, 5, 3), dtype="float32"))
