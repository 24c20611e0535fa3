"""Noise and penalty layers: identity in inference, the right noise statistics in training."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numen import backend, layers, testing  # noqa: E402
from numen.autodiff import Tensor, gradients  # noqa: E402
from numen.layers import regularization as Reg  # noqa: E402


@pytest.mark.parametrize("cls,kwargs,shape", [
    (Reg.SpatialDropout1D, {"rate": 0.5}, (2, 3, 4)),
    (Reg.SpatialDropout2D, {"rate": 0.5}, (2, 3, 3, 4)),
    (Reg.SpatialDropout3D, {"rate": 0.5}, (1, 2, 2, 2, 3)),
    (Reg.GaussianNoise, {"stddev": 0.3}, (3, 4)),
    (Reg.GaussianDropout, {"rate": 0.3}, (3, 4)),
    (Reg.AlphaDropout, {"rate": 0.2}, (3, 4)),
    (Reg.ActivityRegularization, {"l1": 0.1, "l2": 0.2}, (3, 4)),
])
def test_identity_at_inference_through_harness(cls, kwargs, shape):
    testing.check_layer(cls, kwargs, shape, expected_output_shape=shape,
                        torch_forward=lambda x, w: x.clone())


@pytest.mark.parametrize("cls,shape,channels_axis", [
    (Reg.SpatialDropout1D, (200, 5, 8), 2),
    (Reg.SpatialDropout2D, (100, 3, 4, 8), 3),
])
def test_spatial_dropout_drops_whole_channels(cls, shape, channels_axis):
    x = np.ones(shape)
    out = np.asarray(cls(0.4, dtype="float64")(x, training=True))
    spatial = tuple(a for a in range(1, len(shape)) if a != channels_axis)
    # Each (sample, channel) is entirely kept (scaled by 1/(1-rate)) or entirely dropped.
    per_map = out.max(axis=spatial)
    np.testing.assert_array_equal(out.min(axis=spatial), per_map)
    assert set(np.unique(np.round(per_map, 6))) == {0.0, round(1 / 0.6, 6)}
    assert abs((per_map == 0).mean() - 0.4) < 0.1


def test_spatial_dropout_2d_channels_first_and_gradient():
    x = Tensor(np.ones((50, 6, 3, 3)), requires_grad=True)
    layer = Reg.SpatialDropout2D(0.5, data_format="channels_first", dtype="float64")
    out = layer(x, training=True)
    maps = np.asarray(out).reshape(50, 6, 9)
    np.testing.assert_array_equal(maps.min(-1), maps.max(-1))
    (g,) = gradients(out, [x])
    np.testing.assert_array_equal(g, np.asarray(out))  # d(x*mask)/dx = mask, x = 1
    assert layer.get_config()["data_format"] == "channels_first"
    with pytest.raises(ValueError, match="rate"):
        Reg.SpatialDropout1D(1.5)


def test_gaussian_noise_statistics_and_seed():
    x = np.zeros((400, 50))
    out = np.asarray(Reg.GaussianNoise(0.5, dtype="float64")(x, training=True))
    assert abs(out.mean()) < 0.01 and abs(out.std() - 0.5) < 0.01
    a = Reg.GaussianNoise(1.0, seed=3)(np.zeros((2, 3)), training=True)
    b = Reg.GaussianNoise(1.0, seed=3)(np.zeros((2, 3)), training=True)
    testing.assert_close(a, b)
    backend.set_random_seed(7)
    c = Reg.GaussianNoise(1.0)(np.zeros((2, 3)), training=True)
    backend.set_random_seed(7)
    d = Reg.GaussianNoise(1.0)(np.zeros((2, 3)), training=True)
    testing.assert_close(c, d)
    with pytest.raises(ValueError, match="stddev"):
        Reg.GaussianNoise(-1)


def test_gaussian_dropout_statistics():
    rate = 0.2
    out = np.asarray(Reg.GaussianDropout(rate, dtype="float64")(np.ones((400, 50)),
                                                                   training=True))
    assert abs(out.mean() - 1) < 0.01
    assert abs(out.std() - np.sqrt(rate / (1 - rate))) < 0.01


def test_alpha_dropout_keeps_mean_and_variance_of_standard_inputs():
    x = testing.randn((400, 100), seed=3)
    out = np.asarray(Reg.AlphaDropout(0.1, dtype="float64")(x, training=True))
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02
    assert not np.allclose(out, x)


def test_activity_regularization_adds_keras3_penalty_per_sample():
    # Keras 3.15 divides every activity penalty by the batch size (the output's first dim).
    x = testing.randn((4, 3))
    layer = Reg.ActivityRegularization(l1=0.1, l2=0.2, dtype="float64")
    testing.assert_close(layer(x), x)
    (loss,) = layer.losses
    expected = (0.1 * np.abs(x).sum() + 0.2 * (x**2).sum()) / 4
    testing.assert_close(loss, expected, rtol=1e-12)
    config = layer.get_config()
    assert config["l1"] == 0.1 and config["l2"] == 0.2 and "activity_regularizer" not in config


def test_activity_regularizer_is_divided_by_batch_size_for_each_output():
    # Values written by Keras 3.15 (JAX) for the same layers and inputs.
    x = (np.arange(24, dtype="float32").reshape(2, 4, 3) - 10) / 10
    lstm = layers.LSTM(2, return_state=True, activity_regularizer="l2",
                       kernel_initializer="ones", recurrent_initializer="ones")
    lstm(x)  # output, state h, state c: one penalty each
    testing.assert_close([float(v) for v in lstm.losses],
                         [0.010024012997746468, 0.010024012997746468, 0.11464472860097885],
                         rtol=1e-6)
    activity = layers.ActivityRegularization(l1=0.1, l2=0.2)
    activity(x)
    testing.assert_close(float(activity.losses[0]), 1.9340001344680786, rtol=1e-6)
    dense = layers.Dense(2, activity_regularizer="l2", kernel_initializer="ones")
    dense(x[:, 0, :2][:0])  # an empty batch adds 0, not nan
    assert float(dense.losses[0]) == 0.0


def test_exported_from_layers():
    for name in ("SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
                 "GaussianDropout", "AlphaDropout", "ActivityRegularization"):
        assert getattr(layers, name) is getattr(Reg, name)
