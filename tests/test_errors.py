"""Rejected calls raise a clear ValueError/TypeError (naming the argument, what was received and
what was expected) and leave the model, its weights and optimizer exactly as they were."""

import numpy as np
import pytest

from numen import keras
from numen.keras import layers


def _data(n=64, features=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64")


def _model(units=3):
    model = keras.Sequential([layers.Dense(8, activation="relu", input_shape=[4]),
                              layers.Dense(units, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _snapshot(model):
    return [w.tobytes() for w in model.get_weights()], \
        [np.asarray(v).tobytes() for v in model.optimizer.variables]


def _with_nan(a, value=np.nan):
    a = a.astype("float32").copy()
    a.flat[37] = value
    return a


x, y = _data()
BAD_FIT_CALLS = {
    "too few features": (lambda m: m.fit(x[:, :3], y, verbose=0),
                         ValueError, r"shape \(None, 3\).*expects shape \(None, 4\)"),
    "too many features": (lambda m: m.fit(np.hstack([x, x]), y, verbose=0),
                          ValueError, r"\(None, 8\).*\(None, 4\)"),
    "x/y length mismatch": (lambda m: m.fit(x, y[:50], verbose=0),
                            ValueError, "x has 64, y has 50"),
    "sample_weight length": (lambda m: m.fit(x, y, sample_weight=np.ones(3), verbose=0),
                             ValueError, "sample_weight has 3"),
    "NaN in x": (lambda m: m.fit(_with_nan(x), y, verbose=0), ValueError, "x contains 1 NaN"),
    "inf in x": (lambda m: m.fit(_with_nan(x, np.inf), y, verbose=0), ValueError,
                 "x contains 1 NaN or infinite"),
    "NaN in y": (lambda m: m.fit(x, _with_nan(y), verbose=0), ValueError, "y contains 1 NaN"),
    "label too large (last sample)": (
        lambda m: m.fit(x, np.r_[y[:-1], 3], verbose=0), ValueError,
        r"labels must lie in \[0, 2\] for 3 classes.*e\.g\. 3"),
    "negative label": (lambda m: m.fit(x, np.r_[-1, y[1:]], verbose=0), ValueError,
                       r"labels must lie in \[0, 2\].*e\.g\. -1"),
    "fractional label": (lambda m: m.fit(x, np.r_[0.5, y[1:]], verbose=0), ValueError,
                         "whole numbers"),
    "bad validation label": (lambda m: m.fit(x, y, validation_data=(x, y + 5), verbose=0),
                             ValueError, "labels must lie"),
    "bad validation features": (lambda m: m.fit(x, y, validation_data=(x[:, :2], y),
                                                verbose=0), ValueError, r"\(None, 2\)"),
    "string x": (lambda m: m.fit(x.astype(str), y, verbose=0), TypeError,
                 "x: expected numeric data, received an array of dtype <U"),
    "object y": (lambda m: m.fit(x, y.astype(object), verbose=0), TypeError,
                 "y: expected numeric data.*dtype object"),
    "ragged x": (lambda m: m.fit([[1.0, 2.0], [1.0]], y[:2], verbose=0), ValueError,
                 "x: could not convert"),
    "batch_size 0": (lambda m: m.fit(x, y, batch_size=0, verbose=0), ValueError,
                     "batch_size must be a positive integer, received 0"),
    "epochs -1": (lambda m: m.fit(x, y, epochs=-1, verbose=0), ValueError,
                  "epochs must be a non-negative integer, received -1"),
    "verbose 3": (lambda m: m.fit(x, y, verbose=3), ValueError,
                  "verbose must be 0, 1, 2 or 'auto', received 3"),
    "validation_split 1.5": (lambda m: m.fit(x, y, validation_split=1.5, verbose=0),
                             ValueError, r"validation_split must be in \(0, 1\)"),
    "validation_data 1-tuple": (lambda m: m.fit(x, y, validation_data=(x,), verbose=0),
                                ValueError, "validation_data must be a tuple.*length 1"),
    "validation_freq 0": (lambda m: m.fit(x, y, validation_freq=0, verbose=0), ValueError,
                          "validation_freq must be"),
    "class and sample weights": (
        lambda m: m.fit(x, y, class_weight={0: 1, 1: 1}, sample_weight=np.ones(64),
                        verbose=0), ValueError, "either `class_weight` or `sample_weight`"),
    "callback not a Callback": (lambda m: m.fit(x, y, callbacks=[len], verbose=0), TypeError,
                                "expected Callback instances"),
}


@pytest.mark.parametrize("case", list(BAD_FIT_CALLS))
def test_rejected_fit_leaves_model_untouched_and_usable(case):
    call, error, message = BAD_FIT_CALLS[case]
    model = _model()
    model.fit(x, y, epochs=1, verbose=0)  # optimizer state exists too
    before = _snapshot(model)
    with pytest.raises(error, match=message):
        call(model)
    assert _snapshot(model) == before
    history = model.fit(x, y, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert _snapshot(model) != before


@pytest.mark.parametrize("method", ["evaluate", "predict", "train_on_batch", "test_on_batch",
                                    "predict_on_batch"])
def test_wrong_feature_count_everywhere(method):
    model = _model()
    before = _snapshot(model)
    args = (x[:, :3],) if "predict" in method else (x[:, :3], y)
    with pytest.raises(ValueError, match=r"model 'sequential' has shape \(None, 3\), but the "
                                         r"model expects shape \(None, 4\)"):
        getattr(model, method)(*args)
    assert _snapshot(model) == before


def test_bad_labels_in_evaluate_and_train_on_batch():
    model = _model()
    before = _snapshot(model)
    with pytest.raises(ValueError, match="labels must lie"):
        model.evaluate(x, y + 3, verbose=0)
    with pytest.raises(ValueError, match="labels must lie"):
        model.train_on_batch(x, y + 3)
    assert _snapshot(model) == before


def test_labels_out_of_range_on_unbuilt_model_are_caught_before_training():
    model = keras.Sequential([layers.Dense(4, activation="relu"),
                              layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    labels = y.copy()
    labels[-1] = 2
    with pytest.raises(ValueError, match=r"\[0, 1\] for 2 classes"):
        model.fit(x, labels, verbose=0)
    assert model.optimizer.iterations == 0


def test_fit_evaluate_before_compile():
    model = keras.Sequential([layers.Dense(1, input_shape=[4])])
    for method in ("fit", "evaluate", "train_on_batch", "test_on_batch"):
        with pytest.raises(ValueError, match=f"must call `compile\\(\\)` before `{method}"):
            getattr(model, method)(x, y)
    assert model.predict(x, verbose=0).shape == (64, 1)  # predict needs no compile


@pytest.mark.parametrize("kwargs,message", [
    ({"optimizer": "adamm"}, "Unknown optimizer 'adamm'"),
    ({"loss": "mean_squared_errr"}, "Unknown loss 'mean_squared_errr'"),
    ({"metrics": ["acuracy"]}, "Unknown metric 'acuracy'"),
])
def test_unknown_names_in_compile_keep_the_previous_configuration(kwargs, message):
    model = _model()
    model.fit(x, y, verbose=0)
    optimizer = model.optimizer
    arguments = {"optimizer": "sgd", "loss": "mse", **kwargs}
    with pytest.raises(ValueError, match=message):
        model.compile(**arguments)
    assert model.optimizer is optimizer and model.metrics_names == ["loss", "accuracy"]
    assert len(model.evaluate(x, y, verbose=0)) == 2


def test_layer_argument_errors():
    with pytest.raises(ValueError, match="Unknown activation 'rleu'"):
        layers.Dense(4, activation="rleu")
    for units in (0, -3):
        with pytest.raises(ValueError, match=f"units.*positive integer, received {units}"):
            layers.Dense(units)


def test_predict_rejects_nan_and_strings():
    model = _model()
    with pytest.raises(ValueError, match="x contains 1 NaN"):
        model.predict(_with_nan(x), verbose=0)
    with pytest.raises(TypeError, match="expected numeric data"):
        model.predict(np.array([["a"] * 4]), verbose=0)


def test_stateful_model_with_sparse_labels_trains_and_still_checks_its_labels():
    # the class count comes from the symbolic output: a probe on one sample would have hit
    # the stateful LSTM's fixed batch size (and moved its states)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5, 3), batch_size=4),
                              keras.layers.LSTM(6, stateful=True),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    x = np.random.default_rng(0).random((8, 5, 3), dtype=np.float32)
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    before = model.get_weights()
    with pytest.raises(ValueError, match="labels must lie in"):
        model.fit(x, y + 3, batch_size=4, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
    assert len(history.history["loss"]) == 2
