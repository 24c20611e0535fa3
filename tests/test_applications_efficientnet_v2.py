"""What tests/test_applications.py's Keras fixture does not reach for EfficientNetV2: the input
scaling each variant chooses (`include_preprocessing`), the stochastic-depth rates, and the
checks of the generic builder. The expected values were read off Keras 3.15.1."""

import numpy as np
import pytest

from numen import backend, layers
from numen.applications import efficientnet_v2 as effv2

SMALL = dict(weights=None, include_top=False, input_shape=(32, 32, 3))


def _of_type(model, cls):
    return [layer for layer in model.layers if isinstance(layer, cls)]


def test_b_variants_normalize_with_imagenet_statistics():
    model = effv2.EfficientNetV2B0(**SMALL)
    assert [type(layer).__name__ for layer in model.layers[1:4]] == [
        "Rescaling", "Normalization", "Conv2D"]
    head = model.layers[2]
    image = np.full((1, 1, 1, 3), 255.0, "float32") * np.array([0.2, 0.5, 0.9], "float32")
    scaled = backend.to_numpy(head(image / 255.0))
    expected = (np.array([0.2, 0.5, 0.9]) - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]
    np.testing.assert_allclose(scaled.ravel(), expected, rtol=1e-5)
    assert not head.weights  # given statistics, as in Keras: nothing in the weights files


@pytest.mark.parametrize("builder,shape", [("EfficientNetV2S", (32, 32, 3)),
                                           ("EfficientNetV2B0", (32, 32, 1))])
def test_s_variants_and_other_channel_counts_map_to_minus_one_one(builder, shape):
    model = getattr(effv2, builder)(weights=None, include_top=False, input_shape=shape)
    assert not _of_type(model, layers.Normalization)
    (rescaling,) = _of_type(model, layers.Rescaling)
    assert (rescaling.scale, rescaling.offset) == (1.0 / 128.0, -1)
    assert model.layers[2].name == "stem_conv"


def test_without_preprocessing_the_stem_comes_first():
    model = effv2.EfficientNetV2B1(include_preprocessing=False, **SMALL)
    assert [layer.name for layer in model.layers[:3]] == ["input_layer", "stem_conv", "stem_bn"]
    assert not _of_type(model, layers.Rescaling)


def test_stochastic_depth_rates_grow_with_the_block_index():
    model = effv2.EfficientNetV2B0(**SMALL)
    drops = {layer.name: layer for layer in _of_type(model, layers.Dropout)}
    assert len(drops) == 15  # every residual block but the first (rate 0)
    assert drops["block2b_drop"].rate == pytest.approx(0.2 * 2 / 21)  # the third block (b=2)
    assert drops["block6h_drop"].rate == pytest.approx(0.2 * 20 / 21)
    assert tuple(drops["block4c_drop"].noise_shape) == (None, 1, 1, 1)
    assert "block1a_drop" not in drops and "block2a_drop" not in drops


def test_fused_block_without_expansion_ends_with_its_activation():
    names = [layer.name for layer in effv2.EfficientNetV2S(**SMALL).layers]
    assert names[2:9] == ["stem_conv", "stem_bn", "stem_activation", "block1a_project_conv",
                          "block1a_project_bn", "block1a_project_activation", "block1a_add"]


def test_round_filters_and_repeats():
    assert effv2.round_filters(1280, 1.1, 8, 8) == 1408
    assert effv2.round_filters(16, 1.2, 8, 8) == 16  # 19.2 rounds down to a multiple of 8
    assert effv2.round_filters(2, 1.0, None, 8) == 8  # at least the divisor
    assert effv2.round_repeats(8, 1.4) == 12


def test_generic_builder_errors():
    with pytest.raises(ValueError, match="blocks_args='default'.*received name='mine'"):
        effv2.EfficientNetV2(1.0, 1.0, 224, name="mine", **SMALL)
    with pytest.raises(ValueError, match="weights_name.*received weights_name='x9'"):
        effv2.EfficientNetV2(1.0, 1.0, 224, name="efficientnetv2-b0", weights="imagenet",
                             weights_name="x9", include_top=False)
    stages = [dict(effv2.DEFAULT_BLOCKS_ARGS["efficientnetv2-b0"][0], num_repeat=0)]
    with pytest.raises(ValueError, match="num_repeat > 0; received num_repeat=0"):
        effv2.EfficientNetV2(1.0, 1.0, 224, blocks_args=stages, **SMALL)


def test_custom_name_keeps_the_variant():
    model = effv2.EfficientNetV2S(name="my_net", **SMALL)
    assert model.name == "my_net"
    assert not _of_type(model, layers.Normalization)  # still S's scaling
    assert effv2.preprocess_input(np.ones((1, 2, 2, 3))).sum() == 12


@pytest.mark.parametrize("weights_name,normalized", [("b0", True), ("-s", False), ("s", False)])
def test_weights_name_picks_the_scaling(weights_name, normalized):
    """The generic builder with any name: `weights_name` (also in Keras's spelling, '-s')
    says which variant's input scaling to use."""
    stages = effv2.DEFAULT_BLOCKS_ARGS["efficientnetv2-b0"][:2]
    model = effv2.EfficientNetV2(1.0, 1.0, 224, blocks_args=stages, name="mine",
                                 weights_name=weights_name, **SMALL)
    assert bool(_of_type(model, layers.Normalization)) is normalized
