"""Keras 3 interoperability: files written by Keras 3 load in numen with the same predictions,
and (when `keras` is importable) files written by numen load in Keras 3 the same way.

The fixtures come from tests/fixtures/make_keras_fixtures.py, run with a real Keras 3.
"""

import glob
import os

import numpy as np
import pytest

from fixtures import custom_objects
from numen import backend, keras
from numen.keras import layers

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "keras3")
NAMES = ["conv2d", "conv1d", "recurrent", "functional"]


def _inputs(name):
    xs = [np.load(p) for p in sorted(glob.glob(os.path.join(FIXTURES, f"{name}_x*.npy")))]
    return xs[0] if len(xs) == 1 else xs


@pytest.mark.parametrize("name", NAMES)
def test_keras3_model_file_loads_with_same_predictions(name):
    model = keras.models.load_model(os.path.join(FIXTURES, f"{name}.keras"))
    expected = np.load(os.path.join(FIXTURES, f"{name}_y.npy"))
    np.testing.assert_allclose(model.predict(_inputs(name), verbose=0), expected, rtol=1e-5,
                               atol=1e-6)
    # Compiled and trained one epoch of 2 batches in Keras: the optimizer state comes back.
    assert model.compiled and model.optimizer.iterations == 2
    assert type(model.optimizer).__name__ == "Adam"
    assert any(np.abs(a).sum() > 0 for a in model.optimizer.variables[2:])


@pytest.mark.parametrize("name", NAMES)
def test_keras3_weights_file_loads_into_rebuilt_model(name):
    source = keras.models.load_model(os.path.join(FIXTURES, f"{name}.keras"))
    fresh = keras.models.clone_model(source)
    x = _inputs(name)
    expected = np.load(os.path.join(FIXTURES, f"{name}_y.npy"))
    assert not np.allclose(fresh.predict(x, verbose=0), expected, atol=1e-4)
    fresh.load_weights(os.path.join(FIXTURES, f"{name}.weights.h5"))
    np.testing.assert_allclose(fresh.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def numen_models():
    """The same architectures as the Keras fixtures, built and trained in numen."""
    conv2d = keras.Sequential([
        keras.Input((8, 8, 2)), layers.Conv2D(4, 3, padding="same", activation="relu"),
        layers.BatchNormalization(), layers.MaxPooling2D(2), layers.Conv2D(3, 2, strides=2),
        layers.AveragePooling2D(2, padding="same"), layers.Flatten(), layers.Dropout(0.2),
        layers.Dense(3, activation="softmax")])
    conv1d = keras.Sequential([
        keras.Input((10, 3)), layers.Conv1D(4, 3, dilation_rate=2, activation="tanh"),
        layers.MaxPooling1D(2), layers.LayerNormalization(), layers.GlobalAveragePooling1D(),
        layers.Dense(2)])
    recurrent = keras.Sequential([
        keras.Input((7,), dtype="int32"), layers.Embedding(12, 5),
        layers.LSTM(6, return_sequences=True), layers.GRU(4, return_sequences=True),
        layers.Bidirectional(layers.SimpleRNN(3)), layers.Dense(1)])
    tokens = keras.Input((6,), dtype="int32", name="tokens")
    features = keras.Input((6, 8), name="features")
    e = layers.Embedding(20, 8)(tokens)
    a = layers.MultiHeadAttention(num_heads=2, key_dim=4)(e, features)
    s = layers.Add()([a, e])
    c = layers.Concatenate()([layers.LayerNormalization()(s), features])
    h = layers.Bidirectional(layers.LSTM(3))(c)
    m = layers.Multiply()([layers.Dense(4)(h), layers.Dense(4, activation="sigmoid")(h)])
    out = layers.Dense(2, name="head")(layers.Average()([m, layers.Dense(4)(h)]))
    functional = keras.Model([tokens, features], out)
    return {"conv2d": conv2d, "conv1d": conv1d, "recurrent": recurrent,
            "functional": functional}


def test_numen_file_loads_in_keras3(tmp_path):
    real_keras = pytest.importorskip("keras")
    if not hasattr(real_keras, "saving") or real_keras.__name__ != "keras":
        pytest.skip("the installed `keras` is not Keras 3")
    backend.set_random_seed(3)
    for name, model in numen_models().items():
        x = _inputs(name)
        y = np.random.default_rng(0).normal(size=(4, *model.output_shape[1:]))
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        model.fit(x, y.astype("float32"), epochs=1, batch_size=2, verbose=0)
        path = str(tmp_path / f"{name}.keras")
        model.save(path)
        loaded = real_keras.models.load_model(path)
        np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)),
                                   model.predict(x, verbose=0), rtol=1e-5, atol=1e-6,
                                   err_msg=name)
        weights = str(tmp_path / f"{name}.weights.h5")
        model.save_weights(weights)
        loaded.load_weights(weights)
        assert int(np.asarray(loaded.optimizer.iterations)) == 2, name


def test_keras3_custom_objects_load_registered_or_scoped():
    """A Keras 3 file with a registered custom layer (`numen_test>ScaledDense`) and an
    unregistered one (`Shift`): numen loads it with the same predictions once ScaledDense is
    registered and Shift is given in custom_object_scope (or custom_objects=)."""
    scaled_dense, shift = custom_objects.define(keras)
    path = os.path.join(FIXTURES, "custom.keras")
    expected = np.load(os.path.join(FIXTURES, "custom_y.npy"))
    with pytest.raises(ValueError, match="Shift"):
        keras.models.load_model(path)
    with keras.saving.custom_object_scope({"Shift": shift}):
        model = keras.models.load_model(path)
    assert isinstance(model.layers[0], scaled_dense) and model.layers[0].scale == 0.5
    assert isinstance(model.layers[1], shift)
    np.testing.assert_allclose(model.predict(_inputs("custom"), verbose=0), expected,
                               rtol=1e-5, atol=1e-6)
    model = keras.models.load_model(path, custom_objects={"Shift": shift})
    np.testing.assert_allclose(model.predict(_inputs("custom"), verbose=0), expected,
                               rtol=1e-5, atol=1e-6)
    assert model.compiled and model.optimizer.iterations == 2


def test_numen_custom_objects_load_in_keras3(tmp_path):
    real_keras = pytest.importorskip("keras")
    if not hasattr(real_keras, "saving") or real_keras.__name__ != "keras":
        pytest.skip("the installed `keras` is not Keras 3")
    backend.set_random_seed(4)
    model = custom_objects.model(keras)
    x = _inputs("custom")
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, np.ones((4, 2), "float32"), epochs=1, batch_size=2, verbose=0)
    path = str(tmp_path / "custom.keras")
    model.save(path)
    real_scaled_dense, real_shift = custom_objects.define(real_keras)  # registers in Keras
    with real_keras.saving.custom_object_scope({"Shift": real_shift}):
        loaded = real_keras.models.load_model(path)
    assert isinstance(loaded.layers[0], real_scaled_dense)
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)),
                               model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_numen_file_editor_output_loads_in_keras3(tmp_path):
    real_keras = pytest.importorskip("keras")
    if not hasattr(real_keras, "saving") or real_keras.__name__ != "keras":
        pytest.skip("the installed `keras` is not Keras 3")
    editor = keras.saving.KerasFileEditor(os.path.join(FIXTURES, "custom.keras"))
    editor.delete_object("layers/shift")
    editor.delete_object("optimizer")
    path = str(tmp_path / "edited.weights.h5")
    editor.save(path)
    real_scaled_dense, _ = custom_objects.define(real_keras)
    smaller = real_keras.Sequential([real_keras.Input((4,)), real_scaled_dense(3, scale=0.5),
                                     real_keras.layers.Dense(2)])
    smaller.load_weights(path)
    np.testing.assert_array_equal(np.asarray(smaller.layers[1].kernel),
                                  editor.weights_dict["layers"]["dense"]["0"])


def test_optimizer_rate_and_iterations_round_trip_with_keras3(tmp_path):
    real_keras = pytest.importorskip("keras")
    if not hasattr(real_keras, "saving") or real_keras.__name__ != "keras":
        pytest.skip("the installed `keras` is not Keras 3")
    x = np.ones((8, 3), "float32")
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    model.fit(x, x[:, :2], batch_size=4, verbose=0)
    model.optimizer.learning_rate.assign(0.003)
    path = str(tmp_path / "ours.keras")
    model.save(path)
    theirs = real_keras.models.load_model(path)
    assert float(theirs.optimizer.learning_rate) == float(model.optimizer.learning_rate)
    assert int(theirs.optimizer.iterations) == int(model.optimizer.iterations) == 2
    theirs.optimizer.learning_rate.assign(0.007)
    theirs.fit(x, x[:, :2], batch_size=4, verbose=0)
    back = str(tmp_path / "theirs.keras")
    theirs.save(back)
    ours = keras.models.load_model(back)
    assert float(ours.optimizer.learning_rate) == float(theirs.optimizer.learning_rate)
    assert int(ours.optimizer.iterations) == int(theirs.optimizer.iterations) == 4
    assert [v.path for v in ours.optimizer.variables[:2]] == \
        [v.path for v in theirs.optimizer.variables[:2]]


def test_keras3_file_of_a_subclassed_model_with_a_variable_attribute():
    """Keras 3 tracks a keras.Variable kept in an attribute as a weight (saved first, being
    made first; trained, with its optimizer state) and records a subclassed model's first
    call as build_config: numen loads both, optimizer state included."""
    held_variable, subclassed = custom_objects.define_saving(keras)
    model = keras.models.load_model(os.path.join(FIXTURES, "custom_saving.keras"))
    assert isinstance(model, subclassed) and isinstance(model.held, held_variable)
    assert [w.name for w in model.held.weights] == ["held_bias", "kernel"]
    expected = np.load(os.path.join(FIXTURES, "custom_saving_y.npy"))
    x = _inputs("custom_saving")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    # One epoch of 2 Adam steps moved the held bias off its linspace start.
    assert not np.allclose(model.held.held_bias.numpy(), np.linspace(-1, 1, 3))
    assert model.optimizer.iterations == 2
    fresh = subclassed()
    fresh(x)
    fresh.load_weights(os.path.join(FIXTURES, "custom_saving.weights.h5"))
    np.testing.assert_allclose(fresh.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
