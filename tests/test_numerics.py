"""Numerical robustness: losses, activations and their gradients stay finite at extreme
inputs; float16 works and bfloat16 is refused clearly; a diverging run is never silent."""

import sys
import warnings

import numpy as np
import pytest

from numen import backend, keras, ops
from numen.autodiff import GradientTape, Tensor
from numen.keras import layers

LOGITS = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0]], "float32")
ONE_HOT = np.array([[1, 0, 0], [0, 0, 1]], "float32")
# Probabilities of exactly 0 and 1, placed so the true class gets probability 0.
HARD_PROBS = np.array([[0, 1, 0], [1, 0, 0]], "float32")


def value_and_grad(fn, x):
    """fn(x) reduced to a scalar, and its gradient, with NumPy warnings turned into errors
    (an overflow, a division by zero or an invalid value inside an op is a failure even when the
    result happens to be finite; underflow to 0 is fine)."""
    t = Tensor(np.array(x), requires_grad=True)
    with np.errstate(over="raise", divide="raise", invalid="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        with GradientTape() as tape:
            tape.watch(t)
            out = ops.mean(fn(t))
        grad = tape.gradient(out, t)
    return float(np.asarray(out)), np.asarray(grad)


def assert_finite(value, grad):
    assert np.isfinite(value), value
    assert np.isfinite(grad).all(), grad


ACTIVATIONS = ["softmax", "log_softmax", "sigmoid", "tanh", "relu", "elu", "selu", "softplus",
               "softsign", "swish", "silu", "gelu", "mish", "hard_sigmoid", "leaky_relu",
               "relu6", "linear"]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activations_finite_at_extreme_logits(name):
    fn = keras.activations.get(name)
    assert_finite(*value_and_grad(fn, LOGITS))
    assert_finite(*value_and_grad(fn, LOGITS[:1, :1]))  # a batch of one, one unit


def test_exponential_overflows_like_the_math_says():
    # exp(1e4) is not a float32: inf is the honest answer (Keras gives the same).
    out = np.asarray(keras.activations.get("exponential")(np.array([1e4], "float32")))
    assert np.isinf(out).all()


PROB_LOSSES = ["categorical_crossentropy", "binary_crossentropy", "kl_divergence", "poisson",
               "mean_squared_logarithmic_error"]


@pytest.mark.parametrize("name", PROB_LOSSES)
def test_probability_losses_finite_at_exact_zero_and_one(name):
    fn = keras.losses.get(name)
    value, grad = value_and_grad(lambda p: fn(ONE_HOT, p), HARD_PROBS)
    assert_finite(value, grad)
    if name in ("categorical_crossentropy", "binary_crossentropy", "kl_divergence"):
        assert value > 5  # clipped at epsilon, not silently zero
    # And a perfect prediction gives (about) zero loss with a finite gradient.
    value, grad = value_and_grad(lambda p: fn(ONE_HOT, p), ONE_HOT)
    assert_finite(value, grad)


def test_sparse_crossentropy_finite_at_exact_zero():
    fn = keras.losses.get("sparse_categorical_crossentropy")
    assert_finite(*value_and_grad(lambda p: fn(np.array([0, 2]), p), HARD_PROBS))


@pytest.mark.parametrize("loss", [keras.losses.CategoricalCrossentropy(from_logits=True),
                                  keras.losses.BinaryCrossentropy(from_logits=True)],
                         ids=["categorical", "binary"])
def test_crossentropy_from_logits_finite_and_exact_at_1e4(loss):
    value, grad = value_and_grad(lambda z: loss(ONE_HOT, z), LOGITS)
    assert_finite(value, grad)
    assert value > 1000  # the wrong class is 1e4 ahead: the loss says so, it is not clipped


def test_sparse_crossentropy_from_logits_finite_at_1e4():
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    value, grad = value_and_grad(lambda z: loss(np.array([0, 2]), z), LOGITS)
    assert_finite(value, grad)
    assert abs(value - (0 + (1e4 - 3)) / 2) < 1  # log-sum-exp, exact to float32


@pytest.mark.parametrize("name", ["mse", "mae", "huber", "log_cosh", "hinge", "squared_hinge",
                                  "categorical_hinge", "cosine_similarity"])
def test_regression_losses_finite_at_1e4(name):
    fn = keras.losses.get(name)
    assert_finite(*value_and_grad(lambda z: fn(ONE_HOT, z), LOGITS))
    assert_finite(*value_and_grad(lambda z: fn(ONE_HOT, z), np.zeros((2, 3), "float32")))


def test_batch_of_one_through_normalization_and_training():
    x = np.full((1, 4), 3.0, "float32")
    model = keras.Sequential([keras.Input((4,)), layers.BatchNormalization(),
                              layers.LayerNormalization(), layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    history = model.fit(x, np.array([1]), epochs=3, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert np.isfinite(model.predict(x, verbose=0)).all()


def data(n=64, scale=1.0, dtype="float32"):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype(dtype)
    return x, (x.sum(1, keepdims=True) * scale).astype(dtype)


def small_model(lr=0.01, optimizer="sgd"):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8), layers.Dense(1)])
    opt = keras.optimizers.get({"class_name": optimizer, "config": {"learning_rate": lr}})
    model.compile(opt, "mse")
    return model


def test_float16_inputs_are_cast_to_the_model_dtype():
    x, y = data(dtype="float16")
    model = small_model()
    history = model.fit(x, y, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert model.predict(x, verbose=0).dtype == np.float32


def test_float16_models_train_and_predict_in_float16():
    backend.set_floatx("float16")
    x, y = data()
    model = small_model(optimizer="adam")
    assert all(w.dtype == np.float16 for w in model.get_weights())
    history = model.fit(x, y, epochs=3, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert history.history["loss"][-1] < history.history["loss"][0]
    out = model.predict(x, verbose=0)
    assert out.dtype == np.float16 and np.isfinite(out).all()


def test_bfloat16_computes_and_needs_ml_dtypes(monkeypatch):
    layer = layers.Dense(3, dtype="bfloat16")
    assert str(layer(np.ones((2, 4), "float32")).dtype) == "bfloat16"
    monkeypatch.setitem(sys.modules, "ml_dtypes", None)  # as if not installed
    with pytest.raises(TypeError, match=r"ml_dtypes.*numen\[bfloat16\]"):
        keras.config.set_floatx("bfloat16")
    with pytest.raises(ValueError, match="ml_dtypes"):
        layers.Dense(3, dtype="bfloat16")
    assert keras.config.floatx() == "float32"


def test_diverging_run_stops_with_terminate_on_nan(capsys):
    x, y = data(scale=100.0)
    model = small_model(lr=1e3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # TerminateOnNaN has spoken: no second warning
        history = model.fit(x, y, epochs=20, batch_size=16, verbose=0,
                            callbacks=[keras.callbacks.TerminateOnNaN()])
    assert "Invalid loss, terminating training" in capsys.readouterr().out
    assert len(history.history["loss"]) < 20
    assert not np.isfinite(history.history["loss"][-1])
    assert model.optimizer.iterations < 20 * 4


def test_diverging_run_without_terminate_on_nan_warns_once():
    """The documented choice (RELIABILITY.md): like Keras, fit goes on, the history shows the
    NaN/inf, and numen adds one RuntimeWarning per fit that says what to do."""
    x, y = data(scale=100.0)
    model = small_model(lr=1e3)
    with pytest.warns(RuntimeWarning, match="training loss is (nan|inf) at epoch") as record:
        history = model.fit(x, y, epochs=6, batch_size=16, verbose=0)
    ours = [w for w in record if "training loss is" in str(w.message)]
    assert len(ours) == 1
    assert "TerminateOnNaN" in str(ours[0].message)
    assert not np.isfinite(history.history["loss"][-1])


def test_healthy_run_emits_no_warning():
    x, y = data()
    model = small_model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(x, y, epochs=2, verbose=0)


def test_nan_in_training_data_is_rejected_before_any_update():
    x, y = data()
    x[5, 2] = np.nan
    model = small_model()
    before = model.get_weights()
    with pytest.raises(ValueError, match="NaN or infinite"):
        model.fit(x, y, epochs=1, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
