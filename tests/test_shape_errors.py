"""Shape errors name the layer (or loss) and the shapes involved, eagerly, inside fit() and in
Functional model definitions; the rejected call leaves the layer or model working as before."""

import numpy as np
import pytest

from numen import keras
from numen.keras import layers

RNG = np.random.default_rng(0)


def _f32(*shape):
    return RNG.normal(size=shape).astype("float32")


def _weights(model):
    return [w.copy() for w in model.get_weights()]


def _assert_same(before, after):
    assert len(before) == len(after)
    for b, a in zip(before, after):
        np.testing.assert_array_equal(a, b)


# -- Conv2D fed a 2D input -----------------------------------------------------------------------
def test_conv2d_on_2d_input_eagerly_names_layer_and_shape_then_still_works():
    conv = layers.Conv2D(4, 3, name="conv")
    with pytest.raises(ValueError, match=r"'conv'.*rank 4.*shape \(2, 8\).*rank 2"):
        conv(_f32(2, 8))
    assert conv.get_weights() == []  # nothing was built from the rejected input
    assert conv(_f32(2, 8, 8, 1)).shape == (2, 6, 6, 4)
    with pytest.raises(ValueError, match=r"'conv'.*rank 4.*shape \(2, 8\)"):
        conv(_f32(2, 8))  # and a built layer rejects it too
    assert conv(_f32(3, 8, 8, 1)).shape == (3, 6, 6, 4)


def test_conv2d_on_2d_input_in_functional_definition():
    conv = layers.Conv2D(4, 3, name="conv")
    # The batch axis of a symbolic input is unknown; Keras writes it as None.
    with pytest.raises(ValueError, match=r"'conv'.*rank 4.*, 8\) \(rank 2\)"):
        conv(keras.Input((8,)))
    inputs = keras.Input((8, 8, 1))
    model = keras.Model(inputs, layers.GlobalAveragePooling2D()(conv(inputs)))
    assert model.predict(_f32(2, 8, 8, 1), verbose=0).shape == (2, 4)


def _conv_classifier(*first):
    model = keras.Sequential([*first, layers.Conv2D(4, 3, name="conv"), layers.Flatten(),
                              layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def test_conv2d_on_2d_input_inside_fit_names_the_layer():
    model = _conv_classifier()  # no Input: the first batch builds the model
    with pytest.raises(ValueError, match=r"'conv'.*rank 4.*\(rank 2\)"):
        model.fit(_f32(16, 8), RNG.integers(0, 2, 16), verbose=0)


def test_conv2d_model_with_input_rejects_2d_data_in_fit_then_fits_images():
    model = _conv_classifier(keras.Input((8, 8, 1)))
    y = RNG.integers(0, 2, 16)
    before = _weights(model)
    with pytest.raises(ValueError, match=r"\(None, 8\).*expects shape \(None, 8, 8, 1\)"):
        model.fit(_f32(16, 8), y, verbose=0)
    _assert_same(before, _weights(model))
    history = model.fit(_f32(16, 8, 8, 1), y, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()


def test_sequential_without_input_recovers_from_a_rejected_first_build():
    model = _conv_classifier()
    y = RNG.integers(0, 2, 16)
    with pytest.raises(ValueError, match="'conv'"):
        model.fit(_f32(16, 8), y, verbose=0)
    history = model.fit(_f32(16, 8, 8, 1), y, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


# -- LSTM fed a 2D input -------------------------------------------------------------------------
def test_lstm_on_2d_input_eagerly_names_layer_and_shape_then_still_works():
    lstm = layers.LSTM(5, name="rnn")
    with pytest.raises(ValueError, match=r"'rnn'.*rank 3.*shape \(4, 6\).*rank 2"):
        lstm(_f32(4, 6))
    assert lstm(_f32(4, 7, 6)).shape == (4, 5)
    weights = _weights_of(lstm)
    with pytest.raises(ValueError, match=r"'rnn'.*rank 3.*shape \(4, 6\)"):
        lstm(_f32(4, 6))
    _assert_same(weights, _weights_of(lstm))
    assert lstm(_f32(2, 3, 6)).shape == (2, 5)


def _weights_of(layer):
    return [w.copy() for w in layer.get_weights()]


def test_lstm_on_2d_input_in_functional_definition():
    lstm = layers.LSTM(5, name="rnn")
    with pytest.raises(ValueError, match=r"'rnn'.*rank 3.*, 6\) \(rank 2\)"):
        lstm(keras.Input((6,)))
    inputs = keras.Input((7, 6))
    model = keras.Model(inputs, lstm(inputs))
    assert model.predict(_f32(3, 7, 6), verbose=0).shape == (3, 5)


def test_lstm_on_2d_input_inside_fit_names_the_layer():
    model = keras.Sequential([layers.LSTM(4, name="rnn"), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match=r"'rnn'.*rank 3.*\(rank 2\)"):
        model.fit(_f32(16, 6), _f32(16), verbose=0)


def test_lstm_model_with_input_rejects_2d_data_in_fit_then_fits_sequences():
    model = keras.Sequential([keras.Input((None, 6)), layers.LSTM(4, name="rnn"),
                              layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    before = _weights(model)
    with pytest.raises(ValueError, match=r"\(None, 6\).*expects shape \(None, None, 6\)"):
        model.fit(_f32(16, 6), _f32(16), verbose=0)
    _assert_same(before, _weights(model))
    history = model.fit(_f32(16, 5, 6), _f32(16), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


# -- Concatenate of incompatible shapes ----------------------------------------------------------
def test_concatenate_incompatible_shapes_eagerly_names_layer_and_shapes():
    concat = layers.Concatenate(name="join")
    with pytest.raises(ValueError, match=r"'join'.*axis -1.*\(2, 3, 4\), \(2, 5, 4\)"):
        concat([_f32(2, 3, 4), _f32(2, 5, 4)])
    assert concat([_f32(2, 3, 4), _f32(2, 3, 2)]).shape == (2, 3, 6)
    with pytest.raises(ValueError, match=r"'join'.*\(2, 3, 4\), \(2, 3\)"):
        concat([_f32(2, 3, 4), _f32(2, 3)])  # unequal ranks


def test_concatenate_incompatible_shapes_in_functional_definition():
    a, b = keras.Input((3, 4), name="a"), keras.Input((5, 4), name="b")
    with pytest.raises(ValueError, match=r"Concatenate.*axis -1.*3, 4\), \(\w+, 5, 4\)"):
        layers.Concatenate(name="join")([a, b])
    joined = layers.Concatenate(axis=1)([a, b])  # along the axis where they differ: fine
    model = keras.Model([a, b], joined)
    assert model.predict([_f32(2, 3, 4), _f32(2, 5, 4)], verbose=0).shape == (2, 8, 4)


def test_concatenate_mismatch_inside_fit_names_layer_then_fits():
    a, b = keras.Input((None, 4)), keras.Input((None, 4))
    model = keras.Model([a, b], layers.Dense(1)(layers.GlobalAveragePooling1D()(
        layers.Concatenate(name="join")([a, b]))))
    model.compile(optimizer="adam", loss="mse")
    y = _f32(8)
    with pytest.raises(ValueError, match=r"'join'.*\(8, 3, 4\), \(8, 5, 4\)"):
        model.fit([_f32(8, 3, 4), _f32(8, 5, 4)], y, verbose=0)
    history = model.fit([_f32(8, 3, 4), _f32(8, 3, 4)], y, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


# -- Dense after a Conv without Flatten, trained against per-sample labels -------------------------
def _conv_dense(loss):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(4, 3, name="conv"),
                              layers.Dense(10, activation="softmax", name="head")])
    model.compile(optimizer="adam", loss=loss)
    return model


@pytest.mark.parametrize("labels", [(16,), (16, 1)], ids=["(N,)", "(N,1)"])
@pytest.mark.parametrize("loss, message", [
    ("sparse_categorical_crossentropy",
     r"sparse_categorical_crossentropy: y_true has shape \(16,( 1)?\) but y_pred has shape "
     r"\(16, 6, 6, 10\).*Flatten"),
    ("mse", r"mse: y_true has shape \(16,( 1)?\) but y_pred has shape \(16, 6, 6, 10\).*"
            r"do not broadcast.*Flatten"),
    ("binary_crossentropy", r"binary_crossentropy: .*\(16,( 1)?\).*\(16, 6, 6, 10\).*Flatten"),
    ("categorical_crossentropy", r"categorical_crossentropy: .*\(16,( 1)?\).*\(16, 6, 6, 10\)"
                                 r".*Flatten"),
])
def test_dense_after_conv_without_flatten_fails_in_fit_with_shapes_and_hint(loss, message,
                                                                           labels):
    model = _conv_dense(loss)
    assert model.output_shape == (None, 6, 6, 10)  # Dense acts on the last axis: it builds
    y = RNG.integers(0, 10, labels)
    before = _weights(model)
    with pytest.raises(ValueError, match=message):
        model.fit(_f32(16, 8, 8, 1), y, batch_size=16, verbose=0)
    _assert_same(before, _weights(model))
    assert model.optimizer.iterations == 0
    # The same model trains on targets that match its output: one label per position.
    history = model.fit(_f32(16, 8, 8, 1), RNG.integers(0, 10, (16, 6, 6)) if "sparse" in loss
                        else RNG.random((16, 6, 6, 10)).astype("float32"),
                        batch_size=16, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert model.optimizer.iterations == 2


@pytest.mark.parametrize("loss", [keras.losses.SparseCategoricalCrossentropy(),
                                  keras.losses.MeanSquaredError(),
                                  keras.losses.BinaryCrossentropy()])
def test_dense_after_conv_without_flatten_fails_eagerly_in_the_loss(loss):
    model = _conv_dense("mse")
    y_pred = model(_f32(5, 8, 8, 1))
    y_true = RNG.integers(0, 10, 5).astype("float32")
    with pytest.raises(ValueError, match=rf"{loss.name}: y_true has shape \(5,\) but y_pred "
                                         r"has shape \(5, 6, 6, 10\).*Flatten"):
        loss(y_true, y_pred)
    with pytest.raises(ValueError, match=r"\(5, 6, 6, 10\).*Flatten"):
        keras.losses.get(loss.name)(y_true, y_pred)  # the plain function too


def test_dense_after_conv_without_flatten_in_functional_model_then_flatten_fixes_it():
    inputs = keras.Input((8, 8, 1))
    features = layers.Conv2D(4, 3, name="conv")(inputs)
    model = keras.Model(inputs, layers.Dense(10, activation="softmax")(features))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x, y = _f32(16, 8, 8, 1), RNG.integers(0, 10, 16)
    with pytest.raises(ValueError, match=r"\(16,\).*\(16, 6, 6, 10\).*Flatten"):
        model.fit(x, y, verbose=0)
    with pytest.raises(ValueError, match=r"\(16,\).*\(16, 6, 6, 10\).*Flatten"):
        model.evaluate(x, y, verbose=0)
    fixed = keras.Model(inputs, layers.Dense(10, activation="softmax")(
        layers.Flatten()(features)))
    fixed.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    assert np.isfinite(fixed.fit(x, y, epochs=1, verbose=0).history["loss"]).all()


def test_broadcastable_targets_keep_working():
    # Only shapes that cannot meet are rejected: Keras's broadcasting cases still compute.
    mse = keras.losses.MeanSquaredError()
    np.testing.assert_allclose(float(mse(np.zeros((4, 1)), np.ones((4, 3)))), 1.0)
    np.testing.assert_allclose(float(mse(np.zeros(4), np.ones((4, 1)))), 1.0)
    np.testing.assert_allclose(float(mse(np.zeros((4, 3)), np.ones(3))), 1.0)


def test_a_layer_made_for_one_batch_size_is_told_how_to_get_it():
    """numen finds shapes by running layers on stand-in rows; a layer that reshapes to a fixed
    number of tokens per batch (the Switch Transformer example) fails on them, and the error
    says why and what to declare. With the batch size declared, the model builds."""

    class FixedBatch(keras.layers.Layer):
        def call(self, x):
            return keras.ops.reshape(x, (8 * 3, 4))

    with pytest.raises(ValueError, match=r"stand-in zeros.*keras.Input\(\.\.\., batch_size=N\)"):
        FixedBatch()(keras.Input((3, 4)))
    out = FixedBatch()(keras.Input((3, 4), batch_size=8))
    assert out.shape == (24, 4)
