"""Core layers through the check_layer harness, against PyTorch in float64."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from numen import layers, testing  # noqa: E402


@pytest.mark.parametrize("activation", [None, "relu", "sigmoid", "tanh", "softmax", "elu",
                                        "selu", "gelu", "silu", "softplus", "softsign",
                                        "leaky_relu", "relu6", "mish", "exponential",
                                        "hard_sigmoid", "log_softmax", "linear"])
def test_dense_with_activation_matches_torch(activation):
    fns = {
        None: lambda y: y, "linear": lambda y: y, "relu": torch.relu,
        "sigmoid": torch.sigmoid, "tanh": torch.tanh, "softmax": lambda y: torch.softmax(y, -1),
        "elu": torch.nn.functional.elu, "selu": torch.selu,
        "gelu": lambda y: torch.nn.functional.gelu(y),
        "silu": torch.nn.functional.silu, "softplus": torch.nn.functional.softplus,
        "softsign": torch.nn.functional.softsign,
        "leaky_relu": lambda y: torch.nn.functional.leaky_relu(y, 0.2),
        "relu6": torch.nn.functional.relu6, "mish": torch.nn.functional.mish,
        "exponential": torch.exp,
        "hard_sigmoid": lambda y: torch.nn.functional.relu6(y + 3) / 6,
        "log_softmax": lambda y: torch.log_softmax(y, -1),
    }

    def forward(x, w):
        return fns[activation](x @ w[0] + w[1])

    testing.check_layer(layers.Dense, {"units": 4, "activation": activation}, (3, 5),
                        expected_output_shape=(3, 4), expected_weight_shapes=[(5, 4), (4,)],
                        torch_forward=forward)


def test_dense_without_bias_on_3d_input():
    testing.check_layer(layers.Dense, {"units": 3, "use_bias": False}, (2, 4, 5),
                        expected_output_shape=(2, 4, 3), expected_weight_shapes=[(5, 3)],
                        torch_forward=lambda x, w: x @ w[0])


def test_dense_rejects_bad_units():
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0)
    with pytest.raises(ValueError, match="units"):
        layers.Dense(-3)


def test_dense_wrong_feature_count_names_layer():
    d = layers.Dense(2, name="head")
    d(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="head.*axis -1.*size 3.*shape \\(1, 4\\)"):
        d(np.zeros((1, 4)))


def test_only_models_and_pipelines_have_a_layers_list():
    # As in Keras: `hasattr(layer, "layers")` tells a container from a plain layer (keras.io's
    # functional-subclassing example walks a model's graph that way).
    from numen import keras

    for layer in (layers.Dense(2), keras.layers.MultiHeadAttention(2, 2),
                  keras.layers.Bidirectional(keras.layers.LSTM(2))):
        assert not hasattr(layer, "layers")
    inner = keras.Sequential([keras.Input((3,)), layers.Dense(2, name="d")], name="inner")
    inp = keras.Input((3,))
    model = keras.Model(inp, layers.Dense(1, name="head")(inner(inp)))
    assert [layer.name for layer in model.layers[1].layers] == ["d"]
    assert keras.layers.Pipeline([layers.Dense(2)]).layers[0].units == 2


def test_overriding_trainable_weights_changes_neither_variables_nor_training():
    # Keras 3.15 computes `trainable_variables` (what the optimizer trains) and the
    # non-trainable lists on their own, so an override of `trainable_weights` (as in keras.io's
    # mixture-density example) is only what that property answers.
    from numen import keras

    class OnlyA(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.a, self.b = layers.Dense(2, name="a"), layers.Dense(2, name="b")

        @property
        def trainable_weights(self):
            return self.a.trainable_weights

        def call(self, x):
            return keras.layers.concatenate([self.a(x), self.b(x)])

    layer = OnlyA()
    model = keras.Sequential([keras.Input((3,)), layer])
    assert len(layer.trainable_weights) == 2
    assert (len(layer.trainable_variables), len(layer.non_trainable_weights),
            len(layer.non_trainable_variables)) == (4, 0, 0)
    assert len(model.trainable_variables) == 4 and model.non_trainable_weights == []
    before = layer.b.get_weights()[0].copy()
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 3)), np.zeros((4, 4)), verbose=0)
    assert not np.allclose(layer.b.get_weights()[0], before)
