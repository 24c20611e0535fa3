"""Training a two-input, two-output model: x/y as lists or dicts, per-output losses, weights,
metrics and Keras 3 log names."""

import numpy as np
import pytest

from numen import keras
from numen.keras import layers


def _model():
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    h = layers.Concatenate()([layers.Dense(8, activation="relu")(a), b])
    score = layers.Dense(1, name="score")(h)
    klass = layers.Dense(3, activation="softmax", name="klass")(h)
    return keras.Model([a, b], [score, klass])


def _data(n=64):
    rng = np.random.default_rng(0)
    xa = rng.normal(size=(n, 3)).astype("float32")
    xb = rng.normal(size=(n, 2)).astype("float32")
    score = (xa[:, :1] - xb[:, :1]).astype("float32")
    klass = (xa[:, 0] > 0).astype("int64") + (xb[:, 0] > 0).astype("int64")
    return xa, xb, score, klass


def test_fit_evaluate_predict_with_lists_and_keras_log_names():
    model = _model()
    model.compile("adam", loss=["mse", "sparse_categorical_crossentropy"],
                  metrics=[["mae"], ["accuracy"]])
    xa, xb, score, klass = _data()
    history = model.fit([xa, xb], [score, klass], epochs=8, batch_size=16, verbose=0)
    assert set(history.history) == {"loss", "score_loss", "klass_loss", "score_mae",
                                    "klass_accuracy"}
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    logs = model.evaluate([xa, xb], [score, klass], verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], logs["score_loss"] + logs["klass_loss"],
                               rtol=1e-4)
    pred = model.predict([xa, xb], verbose=0)
    assert isinstance(pred, list) and pred[0].shape == (64, 1) and pred[1].shape == (64, 3)
    np.testing.assert_allclose(pred[1].sum(-1), 1.0, rtol=1e-5)


def test_dicts_keyed_by_input_and_output_names_and_loss_weights():
    model = _model()
    model.compile("sgd", loss={"score": "mse", "klass": "sparse_categorical_crossentropy"},
                  loss_weights={"score": 2.0, "klass": 0.5},
                  metrics={"klass": ["accuracy"]})
    xa, xb, score, klass = _data()
    x = {"a": xa, "b": xb}
    y = {"klass": klass, "score": score}
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "score_loss", "klass_loss", "klass_accuracy"}
    # The total is weighted; the per-output losses are reported unweighted, as in Keras 3.
    np.testing.assert_allclose(logs["loss"], 2.0 * logs["score_loss"] + 0.5 * logs["klass_loss"],
                               rtol=1e-4)


def test_one_loss_and_metric_list_apply_to_every_output():
    a = keras.Input((4,))
    h = layers.Dense(4)(a)
    model = keras.Model(a, [layers.Dense(1, name="u")(h), layers.Dense(1, name="v")(h)])
    model.compile("sgd", loss="mse", metrics=["mae"])
    assert model.metrics_names == ["loss", "u_loss", "v_loss", "u_mae", "v_mae"]
    x = np.ones((8, 4), "float32")
    logs = model.evaluate(x, [np.zeros((8, 1)), np.ones((8, 1))], verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], logs["u_loss"] + logs["v_loss"], rtol=1e-5)


def test_same_metric_object_for_two_outputs_is_tracked_separately():
    a = keras.Input((2,))
    model = keras.Model(a, [layers.Dense(1, name="p")(a), layers.Dense(1, name="q")(a)])
    mae = keras.metrics.MeanAbsoluteError()
    model.compile("sgd", loss="mse", metrics=[[mae], [mae]])
    x = np.zeros((4, 2), "float32")
    logs = model.evaluate(x, [np.zeros((4, 1)), np.full((4, 1), 3.0)], verbose=0,
                          return_dict=True)
    assert logs["p_mean_absolute_error"] == pytest.approx(0.0, abs=1e-6)
    assert logs["q_mean_absolute_error"] == pytest.approx(3.0, rel=1e-5)


def test_bad_per_output_arguments_name_the_outputs():
    model = _model()
    with pytest.raises(ValueError, match="do not name any model output"):
        model.compile("sgd", loss={"scor": "mse", "klass": "mse"})
    with pytest.raises(ValueError, match="2 outputs"):
        model.compile("sgd", loss=["mse", "mse", "mse"])
