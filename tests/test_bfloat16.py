"""bfloat16 through ml_dtypes: "mixed_bfloat16" keeps float32 variables and computes in
bfloat16; products run in float32 and are rounded; normalization and losses compute in
float32. Values against real Keras are in tests/golden_cases/precision_bfloat16.py."""

import numpy as np
import pytest

from numen import keras, ops
from numen.autodiff import GradientTape, Tensor

pytest.importorskip("ml_dtypes")


@pytest.fixture
def mixed_bfloat16():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    yield
    keras.mixed_precision.set_global_policy("float32")


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 6)).astype("float32")
    return x, (x[:, 0] + x[:, 1] > 0).astype("int32")


@pytest.mark.parametrize("make, shape", [
    (lambda: keras.layers.Dense(4, activation="relu"), (3, 5)),
    (lambda: keras.layers.Conv2D(2, 3, padding="same"), (2, 6, 6, 3)),
    (lambda: keras.layers.DepthwiseConv2D(3), (2, 6, 6, 3)),
    (lambda: keras.layers.Conv1DTranspose(2, 3, strides=2), (2, 5, 3)),
    (lambda: keras.layers.BatchNormalization(), (4, 5)),
    (lambda: keras.layers.LayerNormalization(), (4, 5)),
    (lambda: keras.layers.GroupNormalization(5), (4, 5)),
    (lambda: keras.layers.MaxPooling1D(), (2, 6, 3)),
    (lambda: keras.layers.AveragePooling1D(), (2, 6, 3)),
    (lambda: keras.layers.Softmax(), (4, 5)),
    (lambda: keras.layers.Activation("gelu"), (4, 5)),
    (lambda: keras.layers.GRU(3), (2, 4, 5)),
    (lambda: keras.layers.EinsumDense("abc,cd->abd", (None, 3), bias_axes="d"), (2, 4, 5)),
])
def test_layers_compute_in_bfloat16_with_float32_variables(mixed_bfloat16, make, shape):
    layer = make()
    x = Tensor(np.random.default_rng(1).standard_normal(shape).astype("float32"))
    with GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        loss = ops.sum(ops.cast(y, "float32"))
    assert str(y.dtype) == "bfloat16"
    assert all(str(w.dtype) == "float32" for w in layer.weights)
    grads = tape.gradient(loss, [x] + layer.trainable_weights)
    assert str(grads[0].dtype) == "float32"  # back through the input cast
    for g, w in zip(grads[1:], layer.trainable_weights):
        assert str(g.dtype) == "float32" and g.shape == w.shape
        assert np.isfinite(np.asarray(g.numpy(), "float32")).all()


def test_products_round_float32_results():
    import ml_dtypes

    a = np.random.default_rng(0).standard_normal((4, 8)).astype(ml_dtypes.bfloat16)
    b = np.random.default_rng(1).standard_normal((8, 3)).astype(ml_dtypes.bfloat16)
    exact = a.astype("float32") @ b.astype("float32")
    for y in (ops.matmul(a, b), ops.einsum("ij,jk->ik", a, b), ops.tensordot(a, b, 1)):
        assert str(y.dtype) == "bfloat16"
        np.testing.assert_array_equal(np.asarray(y.numpy(), "float32"),
                                      exact.astype(ml_dtypes.bfloat16).astype("float32"))


def test_fit_evaluate_predict_under_mixed_bfloat16(mixed_bfloat16):
    x, y = _data()
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(2),
                              keras.layers.Activation("softmax", dtype="float32")])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    # No loss scaling under bfloat16 (its range is float32's), as in Keras.
    assert not isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert np.isfinite(loss) and accuracy > 0.6
    out = model.predict(x[:4], verbose=0)
    assert out.dtype == np.float32 and out.shape == (4, 2)
    assert all(str(w.dtype) == "float32" for w in model.weights)


def test_bfloat16_model_output_and_save_round_trip(mixed_bfloat16, tmp_path):
    x, _ = _data(8)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3)])
    out = model.predict(x, verbose=0)
    assert str(out.dtype) == "bfloat16"
    path = tmp_path / "m.keras"
    model.save(path)
    again = keras.saving.load_model(path)
    assert again.layers[0].dtype_policy.name == "mixed_bfloat16"
    np.testing.assert_array_equal(np.asarray(again.predict(x, verbose=0), "float32"),
                                  np.asarray(out, "float32"))


def test_loss_of_a_bfloat16_prediction_is_float32():
    import ml_dtypes

    y_pred = np.full((3, 2), 0.5, ml_dtypes.bfloat16)
    loss = keras.losses.CategoricalCrossentropy()(np.eye(2)[[0, 1, 0]], y_pred)
    assert str(loss.dtype) == "float32"
    np.testing.assert_allclose(float(loss), np.log(2), rtol=1e-6)
