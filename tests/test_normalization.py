"""Normalization layers and ops against PyTorch in float64, plus moving-statistic updates."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from numen import layers, ops, testing  # noqa: E402
from numen.autodiff import Tensor  # noqa: E402
from numen.layers.normalization import (  # noqa: E402
    BatchNormalization,
    GroupNormalization,
    LayerNormalization,
    UnitNormalization,
)


def test_moments_and_batch_normalization_ops_grad():
    x = testing.randn((4, 3))
    mean, var = ops.moments(Tensor(x), axes=[0])
    testing.assert_close(mean, x.mean(0))
    testing.assert_close(var, x.var(0))
    testing.check_grad(lambda t: ops.moments(t, axes=[0, 1], keepdims=True)[1], [x])
    gamma, beta = testing.randn((3,), seed=2), testing.randn((3,), seed=3)
    testing.check_grad(
        lambda t, g, b: ops.batch_normalization(t, ops.mean(t, 0), ops.var(t, 0), -1, b, g),
        [x, gamma, beta])


def test_batch_norm_training_matches_torch_and_updates_moving_stats():
    x = testing.randn((6, 4), seed=5) * 3 + 1

    def forward(xt, w):
        return F.batch_norm(xt, None, None, w[0], w[1], training=True, eps=1e-3)

    class TrainingBN(BatchNormalization):
        def call(self, inputs, training=True, mask=None):
            return super().call(inputs, training=True, mask=mask)

    layer = testing.check_layer(
        TrainingBN, {"gamma_initializer": "random_normal", "beta_initializer": "random_normal"},
        (6, 4), input_data=x, expected_output_shape=(6, 4),
        expected_weight_shapes=[(4,), (4,), (4,), (4,)], torch_forward=forward, train_step=False)
    assert [w.name for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name for w in layer.trainable_weights] == ["gamma", "beta"]

    bn = BatchNormalization(momentum=0.9, dtype="float64")
    bn(x, training=True)
    bn(x, training=True)
    # Keras: moving = moving * momentum + batch * (1 - momentum), biased batch variance.
    expect_mean, expect_var = np.zeros(4), np.ones(4)
    for _ in range(2):
        expect_mean = expect_mean * 0.9 + x.mean(0) * 0.1
        expect_var = expect_var * 0.9 + x.var(0) * 0.1
    testing.assert_close(bn.moving_mean, expect_mean, rtol=1e-12)
    testing.assert_close(bn.moving_variance, expect_var, rtol=1e-12)


def test_batch_norm_inference_uses_moving_stats_and_leaves_them():
    x = testing.randn((5, 2, 3), seed=7)
    bn = BatchNormalization(dtype="float64")
    bn.build((5, 2, 3))
    bn.moving_mean.assign(np.array([0.5, -1.0, 2.0]))
    bn.moving_variance.assign(np.array([4.0, 1.0, 0.25]))
    bn.gamma.assign(np.array([1.0, 2.0, 3.0]))
    out = bn(x)  # training defaults to inference
    t = torch.tensor
    expected = F.batch_norm(t(x).permute(0, 2, 1), t([0.5, -1.0, 2.0], dtype=torch.float64),
                            t([4.0, 1.0, 0.25], dtype=torch.float64),
                            t([1.0, 2.0, 3.0], dtype=torch.float64),
                            torch.zeros(3, dtype=torch.float64), training=False,
                            eps=1e-3).permute(0, 2, 1)
    testing.assert_close(out, expected.numpy(), rtol=1e-10)
    testing.assert_close(bn.moving_mean, [0.5, -1.0, 2.0])
    # A frozen layer runs in inference mode even when training=True, as in Keras 3.
    bn.trainable = False
    testing.assert_close(bn(x, training=True), expected.numpy(), rtol=1e-10)
    testing.assert_close(bn.moving_mean, [0.5, -1.0, 2.0])


def test_batch_norm_channels_first_axis_and_mask():
    x = testing.randn((4, 3, 5), seed=8)
    bn = BatchNormalization(axis=1, dtype="float64", momentum=0.0)
    out = bn(x, training=True)
    ref = F.batch_norm(torch.tensor(x), None, None, training=True, eps=1e-3)
    testing.assert_close(out, ref.numpy(), rtol=1e-10)
    testing.assert_close(bn.moving_mean, x.mean(axis=(0, 2)), rtol=1e-12)
    assert bn.get_config()["axis"] == 1

    seq = testing.randn((2, 4, 3), seed=9)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool)
    bn = BatchNormalization(dtype="float64", momentum=0.0)
    bn(seq, training=True, mask=mask)
    testing.assert_close(bn.moving_mean, seq[mask].mean(0), rtol=1e-12)
    testing.assert_close(bn.moving_variance, seq[mask].var(0), rtol=1e-12)
    assert bn.compute_mask(seq, mask) is mask


def test_batch_norm_errors_name_the_layer():
    with pytest.raises(ValueError, match="momentum"):
        BatchNormalization(momentum=2)
    bn = BatchNormalization(axis=3, name="bn_x")
    with pytest.raises(ValueError, match="bn_x.*axis 3"):
        bn(np.zeros((2, 3)))


@pytest.mark.parametrize("shape,axis", [((3, 6), -1), ((2, 3, 4), -1), ((2, 3, 4), [1, 2]),
                                        ((2, 3, 4), 1)])  # the last: not trailing, composed
def test_layer_norm_matches_torch(shape, axis):
    axes = [axis] if isinstance(axis, int) else axis
    norm_shape = tuple(shape[a] for a in axes)

    def forward(x, w):
        if axes == [1]:  # F.layer_norm takes trailing axes only
            return F.layer_norm(x.transpose(1, 2), norm_shape, w[0], w[1],
                                eps=1e-3).transpose(1, 2)
        return F.layer_norm(x, norm_shape, w[0], w[1], eps=1e-3)

    testing.check_layer(LayerNormalization,
                        {"axis": axis, "gamma_initializer": "random_normal",
                         "beta_initializer": "random_normal"},
                        shape, expected_output_shape=shape,
                        expected_weight_shapes=[norm_shape, norm_shape], torch_forward=forward)


@pytest.mark.parametrize("center,scale", [(True, True), (True, False), (False, True),
                                          (False, False)])
@pytest.mark.parametrize("shape,count", [((3, 5), 1), ((2, 3, 4), 2)])
def test_fused_layer_norm_kernel_gradients(center, scale, shape, count):
    from numen.ops.normalization import layer_norm_trailing

    r = np.random.default_rng(count)
    arrays = [r.standard_normal(shape)]
    norm = shape[len(shape) - count:]
    arrays += [r.standard_normal(norm) for wanted in (scale, center) if wanted]

    def fn(x, *affine):
        affine = list(affine)
        gamma = affine.pop(0) if scale else None
        beta = affine.pop(0) if center else None
        return layer_norm_trailing(x, gamma, beta, count, 1e-3)

    testing.check_grad(fn, arrays)


def test_layer_norm_rms_scaling_and_no_affine():
    def rms(x, w):
        return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + 1e-3) * w[0]

    testing.check_layer(LayerNormalization, {"rms_scaling": True}, (3, 5),
                        expected_weight_shapes=[(5,)], torch_forward=rms)
    plain = LayerNormalization(center=False, scale=False, dtype="float64")
    x = testing.randn((2, 4))
    testing.assert_close(plain(x), F.layer_norm(torch.tensor(x), (4,), eps=1e-3).numpy())
    assert plain.weights == []


@pytest.mark.parametrize("groups", [1, 2, 4])
def test_group_norm_matches_torch(groups):
    def forward(x, w):
        # PyTorch wants channels first.
        y = F.group_norm(x.permute(0, 2, 1), groups, w[0], w[1], eps=1e-3)
        return y.permute(0, 2, 1)

    testing.check_layer(GroupNormalization,
                        {"groups": groups, "gamma_initializer": "random_normal",
                         "beta_initializer": "random_normal"},
                        (2, 3, 4), expected_output_shape=(2, 3, 4),
                        expected_weight_shapes=[(4,), (4,)], torch_forward=forward)


def test_group_norm_rejects_groups_not_dividing_channels():
    gn = GroupNormalization(groups=3, name="gn")
    with pytest.raises(ValueError, match="gn.*groups \\(3\\).*channels \\(4\\)"):
        gn(np.zeros((2, 4)))
    assert GroupNormalization().groups == 32


def test_unit_normalization():
    def forward(x, w):
        return x / torch.sqrt(torch.clamp((x * x).sum(-1, keepdim=True), min=1e-12))

    testing.check_layer(UnitNormalization, {}, (3, 4), expected_output_shape=(3, 4),
                        torch_forward=forward)
    out = UnitNormalization(dtype="float64")(np.array([[3.0, 4.0], [0.0, 0.0]]))
    testing.assert_close(out, [[0.6, 0.8], [0.0, 0.0]])


def test_exported_from_layers():
    for name in ("BatchNormalization", "LayerNormalization", "GroupNormalization",
                 "UnitNormalization"):
        assert name in layers.__all__ and hasattr(layers, name)
