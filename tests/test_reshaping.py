"""Reshaping layers through check_layer, against PyTorch in float64."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from numen import layers, testing  # noqa: E402
from numen.layers import reshaping as R  # noqa: E402


def test_permute():
    testing.check_layer(R.Permute, {"dims": (3, 1, 2)}, (2, 3, 4, 5),
                        expected_output_shape=(2, 5, 3, 4),
                        torch_forward=lambda x, w: x.permute(0, 3, 1, 2))
    with pytest.raises(ValueError, match="permutation"):
        R.Permute((0, 1))
    with pytest.raises(ValueError, match="rank 3"):
        R.Permute((2, 1))(np.zeros((2, 3)))


def test_repeat_vector():
    testing.check_layer(R.RepeatVector, {"n": 3}, (2, 4), expected_output_shape=(2, 3, 4),
                        torch_forward=lambda x, w: x[:, None, :].expand(2, 3, 4))
    with pytest.raises(ValueError, match="`n`"):
        R.RepeatVector(0)


@pytest.mark.parametrize("cls,kwargs,shape,out_shape,torch_fn", [
    (R.Cropping1D, {}, (2, 5, 3), (2, 3, 3), lambda x: x[:, 1:4]),
    (R.Cropping1D, {"cropping": (2, 0)}, (2, 5, 3), (2, 3, 3), lambda x: x[:, 2:]),
    (R.Cropping2D, {"cropping": ((1, 0), (0, 2))}, (2, 4, 5, 3), (2, 3, 3, 3),
     lambda x: x[:, 1:, :3]),
    (R.Cropping2D, {"cropping": 1, "data_format": "channels_first"}, (2, 3, 4, 5),
     (2, 3, 2, 3), lambda x: x[:, :, 1:3, 1:4]),
    (R.Cropping3D, {}, (1, 3, 4, 5, 2), (1, 1, 2, 3, 2), lambda x: x[:, 1:2, 1:3, 1:4]),
])
def test_cropping(cls, kwargs, shape, out_shape, torch_fn):
    testing.check_layer(cls, kwargs, shape, expected_output_shape=out_shape,
                        torch_forward=lambda x, w: torch_fn(x))


def test_cropping_errors():
    with pytest.raises(ValueError, match="cropped|removes all"):
        R.Cropping1D((3, 3), name="crop")(np.zeros((1, 5, 2)))
    with pytest.raises(ValueError, match="cropping"):
        R.Cropping2D(cropping=(1, 2, 3))
    with pytest.raises(ValueError, match="data_format"):
        R.Cropping2D(data_format="nhwc")


@pytest.mark.parametrize("cls,kwargs,shape,torch_pad", [
    (R.ZeroPadding1D, {}, (2, 3, 4), (0, 0, 1, 1)),
    (R.ZeroPadding1D, {"padding": (2, 0)}, (2, 3, 4), (0, 0, 2, 0)),
    (R.ZeroPadding2D, {}, (2, 3, 4, 2), (0, 0, 1, 1, 1, 1)),
    (R.ZeroPadding2D, {"padding": ((1, 0), (2, 3))}, (2, 3, 4, 2), (0, 0, 2, 3, 1, 0)),
    (R.ZeroPadding2D, {"padding": (1, 2), "data_format": "channels_first"}, (1, 2, 3, 4),
     (2, 2, 1, 1)),
    (R.ZeroPadding3D, {}, (1, 2, 3, 2, 2), (0, 0, 1, 1, 1, 1, 1, 1)),
])
def test_zero_padding(cls, kwargs, shape, torch_pad):
    layer = testing.check_layer(cls, kwargs, shape, torch_forward=lambda x, w: F.pad(x, torch_pad))
    out = layer(np.ones(shape))
    assert float(np.asarray(out).sum()) == np.prod(shape)  # only zeros were added


@pytest.mark.parametrize("cls,kwargs,shape,torch_fn", [
    (R.UpSampling1D, {}, (2, 3, 4), lambda x: x.repeat_interleave(2, 1)),
    (R.UpSampling1D, {"size": 3}, (2, 3, 4), lambda x: x.repeat_interleave(3, 1)),
    (R.UpSampling2D, {"size": (2, 3)}, (2, 3, 4, 2),
     lambda x: F.interpolate(x.permute(0, 3, 1, 2), scale_factor=(2, 3),
                             mode="nearest").permute(0, 2, 3, 1)),
    (R.UpSampling2D, {"data_format": "channels_first"}, (1, 2, 3, 4),
     lambda x: F.interpolate(x, scale_factor=2, mode="nearest")),
    (R.UpSampling3D, {}, (1, 2, 2, 3, 2),
     lambda x: x.repeat_interleave(2, 1).repeat_interleave(2, 2).repeat_interleave(2, 3)),
])
def test_upsampling(cls, kwargs, shape, torch_fn):
    testing.check_layer(cls, kwargs, shape, torch_forward=lambda x, w: torch_fn(x))


def test_upsampling_rejects_other_interpolation():
    with pytest.raises(ValueError, match="interpolation"):
        R.UpSampling2D(interpolation="bilinear")
    assert R.UpSampling2D().get_config()["size"] == [2, 2]


def test_exported_from_layers():
    for name in ("Permute", "RepeatVector", "Cropping1D", "Cropping2D", "Cropping3D",
                 "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "UpSampling1D",
                 "UpSampling2D", "UpSampling3D"):
        assert getattr(layers, name) is getattr(R, name)
