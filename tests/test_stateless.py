"""Keras 3's functional training API: `Layer.stateless_call` and `Optimizer.stateless_apply`
(values written by Keras 3.15 on JAX for the same models and inputs), and the order and content
of `Layer.losses` they return."""

import numpy as np
import pytest

from numen import keras
from numen.keras import layers


def _conv_lstm_model():
    inp = keras.Input((6, 3))
    x = layers.Conv1D(4, 3, padding="same", kernel_regularizer="l2")(inp)
    x = layers.BatchNormalization()(x)
    x = layers.LSTM(5, return_sequences=True)(x)
    x = layers.GlobalAveragePooling1D()(x)
    return keras.Model(inp, layers.Dense(2, activity_regularizer="l2")(x))


def test_stateless_call_matches_keras_and_leaves_the_variables_alone():
    model = _conv_lstm_model()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 6, 3)).astype("float32")
    trainable = [rng.normal(0, 0.3, tuple(v.shape)).astype("float32")
                 for v in model.trainable_variables]
    non_trainable = [np.asarray(v) + 0.5 for v in model.non_trainable_variables]
    before = [np.array(v) for v in model.weights]
    y, new_non_trainable, losses = model.stateless_call(trainable, non_trainable, x,
                                                        training=True, return_losses=True)
    np.testing.assert_allclose(y, [[0.33793, 0.01693], [0.33655, 0.01798], [0.34022, 0.02061],
                                   [0.34116, 0.0201]], atol=2e-5)
    np.testing.assert_allclose(new_non_trainable[0], [0.49987, 0.49477, 0.49357, 0.49656],
                               atol=2e-5)
    np.testing.assert_allclose(new_non_trainable[1], [1.48705, 1.48816, 1.49066, 1.49044],
                               atol=2e-5)
    # Keras's order: the added (activity) loss, then the weight regularizers' penalties.
    np.testing.assert_allclose([float(v) for v in losses], [0.0011526, 0.0242916], rtol=1e-4)
    for value, variable in zip(before, model.weights):
        np.testing.assert_array_equal(np.asarray(variable), value)
    # In inference the non-trainable values come back unchanged; a stateful call after
    # assigning the same values gives the same outputs.
    y, same = model.stateless_call(trainable, non_trainable, x)
    for a, b in zip(same, non_trainable):
        np.testing.assert_allclose(a, b)
    for variable, value in zip(model.trainable_variables + model.non_trainable_variables,
                               trainable + non_trainable):
        variable.assign(value)
    np.testing.assert_allclose(model(x), y, rtol=1e-6)


def test_stateless_call_differentiates_at_the_given_values():
    dense = layers.Dense(1, kernel_initializer="ones", use_bias=False)
    x = np.array([[1.0, 2.0]], "float32")
    dense(x)
    kernel = np.array([[3.0], [4.0]], "float32")
    with keras.GradientTape() as tape:
        y, _ = dense.stateless_call([kernel], [], x)
        loss = (y ** 2).sum()
    (grad,) = tape.gradient(loss, dense.trainable_variables)
    np.testing.assert_allclose(grad, 2 * 11.0 * x.T)  # y = 11 at the given kernel, not 3
    np.testing.assert_array_equal(dense.kernel, 1.0)


def test_stateless_call_errors_as_in_keras():
    model = _conv_lstm_model()
    x = np.zeros((1, 6, 3), "float32")
    with pytest.raises(ValueError, match=r"`trainable_variables` must be a list of tensors "
                                         r"corresponding 1:1 .* length 1, but expected 9"):
        model.stateless_call(model.trainable_variables[:1], model.non_trainable_variables, x)
    with pytest.raises(ValueError, match="`non_trainable_variables` .* expected 2 variables"):
        model.stateless_call(model.trainable_variables, [], x)
    with pytest.raises(ValueError, match="To call stateless_call, Dense must be built"):
        layers.Dense(2).stateless_call([], [], x)


@pytest.mark.parametrize("make, expected", [
    (lambda: keras.optimizers.SGD(0.1, momentum=0.9),
     [[[1.15406, 1.30786], [0.9037, 0.85947], [1.59978, 0.80693]], [-0.05014, -0.15268]]),
    (lambda: keras.optimizers.Adam(0.1),
     [[[1.03799, 1.25712], [0.8799, 0.73943], [1.25857, 0.8159]], [-0.07273, -0.13102]]),
])
def test_stateless_apply_matches_keras_and_changes_nothing(make, expected):
    optimizer = make()
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, kernel_initializer="ones")])
    optimizer.build(model.trainable_variables)
    weights = [np.asarray(v) for v in model.trainable_variables]
    state = [np.asarray(v) for v in optimizer.variables]
    before = [np.array(v) for v in model.trainable_variables + optimizer.variables]
    rng = np.random.default_rng(0)
    for _ in range(3):
        grads = [rng.normal(size=w.shape).astype("float32") for w in weights]
        weights, state = optimizer.stateless_apply(state, grads, weights)
    for value, want in zip(weights, expected):
        np.testing.assert_allclose(value, want, atol=2e-5)
    assert int(np.asarray(state[0])) == 3
    for value, variable in zip(before, model.trainable_variables + optimizer.variables):
        np.testing.assert_array_equal(np.asarray(variable), value)
    # Applied statefully, the same three steps reach the same values.
    rng = np.random.default_rng(0)
    for _ in range(3):
        optimizer.apply([rng.normal(size=tuple(v.shape)).astype("float32")
                         for v in model.trainable_variables])
    for value, variable in zip(weights, model.trainable_variables):
        np.testing.assert_allclose(np.asarray(variable), value, rtol=1e-6)


def test_stateless_apply_errors_as_in_keras():
    with pytest.raises(ValueError, match="To call `stateless_apply`, Adam must be built"):
        keras.optimizers.Adam().stateless_apply([], [], [])
    optimizer = keras.optimizers.RMSprop()
    weights = [keras.Variable(np.zeros(2, "float32"))]
    optimizer.build(weights)
    with pytest.raises(ValueError, match=r"RMSprop\(\).variables. Received list with length "
                                         r"1, but expected 3"):
        optimizer.stateless_apply([0], [np.ones(2)], weights)
    with pytest.raises(ValueError, match=r"len\(trainable_variables\) == 0 whereas the "
                                         r"optimizer was built with 1"):
        optimizer.stateless_apply(optimizer.variables, [], [])


def test_losses_lists_added_losses_first_and_skips_frozen_regularizers():
    # Keras 3.15: [every add_loss / activity loss, then each trainable weight's penalty].
    inp = keras.Input((3,))
    x = layers.Dense(4, kernel_regularizer="l2", activity_regularizer="l1",
                     kernel_initializer="ones")(inp)
    x = layers.Dense(4, activity_regularizer="l2", bias_regularizer="l1",
                     bias_initializer="ones", kernel_initializer="zeros")(x)
    out = layers.Dense(2, kernel_regularizer="l1", kernel_initializer="ones")(x)
    model = keras.Model(inp, out)
    model(np.ones((2, 3), "float32"))
    np.testing.assert_allclose([float(v) for v in model.losses], [0.12, 0.04, 0.12, 0.04, 0.08],
                               rtol=1e-6)
    # A frozen layer's weights add no penalty, to `losses` or to the training loss.
    frozen = layers.Dense(2, kernel_regularizer="l2", kernel_initializer="ones")
    model = keras.Sequential([keras.Input((3,)), frozen,
                              layers.Dense(1, kernel_regularizer="l1", kernel_initializer="ones")])
    frozen.trainable = False
    assert frozen.losses == []
    np.testing.assert_allclose([float(v) for v in model.losses], [0.02], rtol=1e-6)
    model.compile("sgd", "mse")
    np.testing.assert_allclose(model.evaluate(np.ones((2, 3)), np.zeros((2, 1)), verbose=0),
                               36.02, rtol=1e-6)
    model.trainable = False
    assert model.losses == []
