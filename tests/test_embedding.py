"""Embedding and Masking: PyTorch agreement, masks, initializer defaults and errors."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numen import initializers, layers, testing  # noqa: E402
from numen.layers.embedding import Embedding, Masking  # noqa: E402


def test_embedding_matches_torch():
    ids = np.array([[1, 2, 0, 7], [7, 7, 3, 0]])

    def forward(x, w):
        return torch.nn.functional.embedding(x, w[0])

    layer = testing.check_layer(Embedding, {"input_dim": 8, "output_dim": 3}, ids.shape,
                                input_data=ids, expected_output_shape=(2, 4, 3),
                                expected_weight_shapes=[(8, 3)], torch_forward=forward)
    assert layer.weights[0].name == "embeddings"
    assert layer.weights[0].path.endswith("/embeddings")


def test_embedding_default_initializer_is_uniform_005():
    layer = Embedding(500, 40)
    layer.build(None)
    values = layer.embeddings.numpy()
    assert values.dtype == np.float32
    assert values.min() >= -0.05 and values.max() <= 0.05
    assert values.std() > 0.02  # spread over the interval, not all zeros
    config = layer.get_config()
    assert config["embeddings_initializer"]["class_name"] == "RandomUniform"
    assert config["embeddings_initializer"]["config"]["minval"] == -0.05
    assert isinstance(Embedding.from_config(config).embeddings_initializer,
                      initializers.RandomUniform)


def test_embedding_mask_zero_and_float_ids():
    layer = Embedding(5, 2, mask_zero=True)
    ids = np.array([[3, 0, 1], [0, 0, 4]])
    mask = layer.compute_mask(ids)
    np.testing.assert_array_equal(np.asarray(mask), ids != 0)
    assert Embedding(5, 2).compute_mask(ids) is None
    # Integral float ids (e.g. from a DataFrame) are accepted.
    testing.assert_close(layer(ids.astype("float32")), layer(ids))


def test_embedding_initial_weights():
    table = np.arange(6, dtype="float32").reshape(3, 2)
    layer = Embedding(3, 2, weights=[table])
    testing.assert_close(layer(np.array([2, 0])), [[4, 5], [0, 1]])


def test_embedding_out_of_range_error_names_layer_max_id_and_input_dim():
    layer = Embedding(10, 4, name="tokens")
    with pytest.raises(ValueError, match=r"'tokens'.*\[0, 10\).*largest id received was 12"):
        layer(np.array([[1, 12, 3]]))
    with pytest.raises(ValueError, match="tokens.*-1"):
        layer(np.array([[-1, 2]]))
    with pytest.raises(ValueError, match="tokens.*integer"):
        layer(np.array([[0.5, 1.0]]))
    with pytest.raises(ValueError, match="input_dim"):
        Embedding(0, 4)


def test_masking_zeroes_masked_steps_and_computes_mask():
    x = testing.randn((2, 4, 3))
    x[0, 1] = 0.0
    x[1, 3] = 0.0
    expected_mask = np.array([[True, False, True, True], [True, True, True, False]])

    def forward(xt, w):
        keep = (xt != 0).any(-1, keepdim=True)
        return xt * keep

    layer = testing.check_layer(Masking, {}, x.shape, input_data=x, torch_forward=forward)
    np.testing.assert_array_equal(np.asarray(layer.compute_mask(x)), expected_mask)
    out = np.asarray(layer(x))
    assert (out[0, 1] == 0).all() and (out[0, 0] == x[0, 0]).all()

    custom = Masking(mask_value=-1.0)
    y = np.full((1, 2, 2), -1.0)
    y[0, 1, 0] = 5.0
    np.testing.assert_array_equal(np.asarray(custom.compute_mask(y)), [[False, True]])
    assert custom.get_config()["mask_value"] == -1.0


def test_exported_from_layers():
    assert layers.Embedding is Embedding and layers.Masking is Masking
