"""The callbacks users reach for: EarlyStopping, ReduceLROnPlateau, LearningRateScheduler,
CSVLogger, TerminateOnNaN, LambdaCallback."""

import csv

import numpy as np
import pytest

from numen import keras
from numen.callbacks.early_stopping import EarlyStopping
from numen.callbacks.learning_rate import LearningRateScheduler, ReduceLROnPlateau
from numen.callbacks.logging import CSVLogger, LambdaCallback, TerminateOnNaN


def _model(lr=0.01):
    model = keras.Sequential([keras.layers.Dense(4, activation="relu", input_shape=(3,)),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    return model


def _data(n=64):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype("float32")
    return x, x.sum(1, keepdims=True)


class _Scripted(keras.callbacks.Callback):
    """Overwrites a log with scripted values, so stopping rules can be tested exactly."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


def test_early_stopping_waits_patience_epochs():
    x, y = _data()
    model = _model()
    values = [1.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1]
    es = EarlyStopping(monitor="loss", patience=2)
    history = model.fit(x, y, epochs=8, verbose=0, callbacks=[_Scripted("loss", values), es])
    # best at epoch 1; epochs 2 and 3 fail to improve -> stop after epoch 3
    assert len(history.history["loss"]) == 4
    assert es.stopped_epoch == 3 and es.best == 0.5


def test_early_stopping_min_delta_and_max_mode():
    x, y = _data()
    model = _model()
    values = [0.5, 0.505, 0.509, 0.52, 0.6]
    es = EarlyStopping(monitor="val_accuracy", mode="auto", min_delta=0.01, patience=1)
    cb = _Scripted("val_accuracy", values)
    history = model.fit(x, y, epochs=5, verbose=0, callbacks=[cb, es])
    assert es._monitor.mode == "max"
    assert len(history.history["loss"]) == 2


def test_early_stopping_restores_best_weights():
    x, y = _data()
    model = _model()
    seen = []
    values = [3.0, 1.0, 2.0, 2.5, 3.0]
    record = LambdaCallback(on_epoch_end=lambda e, logs: seen.append(model.get_weights()))
    es = EarlyStopping(monitor="loss", patience=2, restore_best_weights=True)
    model.fit(x, y, epochs=5, verbose=0, callbacks=[_Scripted("loss", values), record, es])
    for a, b in zip(model.get_weights(), seen[1]):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_baseline_not_reached_stops():
    x, y = _data()
    model = _model()
    es = EarlyStopping(monitor="loss", baseline=0.1, patience=2)
    history = model.fit(x, y, epochs=10, verbose=0,
                        callbacks=[_Scripted("loss", [1.0, 0.9, 0.8, 0.7, 0.6, 0.5] + [0.4] * 4),
                                   es])
    # Improving on the best never resets the wait while the baseline is unmet (Keras's rule),
    # so the first non-improving epoch (7) stops training.
    assert len(history.history["loss"]) == 8


def test_early_stopping_warns_on_missing_monitor():
    x, y = _data()
    with pytest.warns(UserWarning, match="val_loss.*not available"):
        _model().fit(x, y, epochs=1, verbose=0, callbacks=[EarlyStopping()])


def test_learning_rate_scheduler_sets_and_logs_lr():
    x, y = _data()
    model = _model(lr=0.1)
    history = model.fit(x, y, epochs=3, verbose=0,
                        callbacks=[LearningRateScheduler(lambda epoch, lr: lr * 0.5)])
    np.testing.assert_allclose(history.history["learning_rate"], [0.05, 0.025, 0.0125])
    model2 = _model()
    model2.fit(x, y, epochs=2, verbose=0,
               callbacks=[LearningRateScheduler(lambda epoch: 0.001 * (epoch + 1))])
    assert model2.optimizer.learning_rate == pytest.approx(0.002)


def test_reduce_lr_on_plateau():
    x, y = _data()
    model = _model(lr=0.1)
    values = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    cb = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2, min_lr=0.02)
    history = model.fit(x, y, epochs=6, verbose=0, callbacks=[_Scripted("loss", values), cb])
    # epoch 0 sets best; epochs 1, 2 wait -> reduce after epoch 2; again after epoch 4
    np.testing.assert_allclose(history.history["learning_rate"],
                               [0.1, 0.1, 0.1, 0.05, 0.05, 0.025])
    assert model.optimizer.learning_rate == pytest.approx(0.025)
    with pytest.raises(ValueError, match="factor"):
        ReduceLROnPlateau(factor=1.5)


def test_rate_variable_follows_callbacks_and_keras_style_assign():
    # A Keras program holds the rate Variable, or assigns it from a callback of its own.
    x, y = _data()
    model = _model(lr=0.1)
    rate = model.optimizer.learning_rate

    class Halve(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                self.model.optimizer.learning_rate.assign(
                    float(self.model.optimizer.learning_rate) / 2)

    cb = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_lr=0.0)
    history = model.fit(x, y, epochs=3, verbose=0,
                        callbacks=[Halve(), _Scripted("loss", [1.0, 1.0, 1.0]), cb])
    # logged before ReduceLROnPlateau halves it at the ends of epochs 1 and 2
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.05, 0.025],
                               rtol=1e-6)
    assert rate is model.optimizer.learning_rate and float(rate) == np.float32(0.0125)


def test_learning_rates_read_back_in_floatx_as_keras_logs_them(capsys):
    # Keras (3.15, JAX) keeps the rate in a float32 variable: these are its logged values, its
    # progress line shows 1e-3 as 0.0010 and its messages print the float32-rounded rates.
    x, y = np.ones((8, 2), "float32"), np.zeros((8, 1), "float32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(learning_rate=1e-3), "mse")
    history = model.fit(x, y, epochs=1, verbose=2,
                        callbacks=[ReduceLROnPlateau("loss", patience=5)])
    assert history.history["learning_rate"] == [0.0010000000474974513]
    assert "learning_rate: 0.0010" in capsys.readouterr().out
    seen = []

    def schedule(epoch, lr):
        seen.append(lr)
        return lr * 0.1

    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[LearningRateScheduler(schedule)])
    assert seen == [0.0010000000474974513, 0.00010000000474974513, 1.0000000656873453e-05]
    assert history.history["learning_rate"] == [
        0.00010000000474974513, 1.0000000656873453e-05, 1.0000001111620804e-06]
    model.compile(keras.optimizers.SGD(learning_rate=0.3), "mse")
    history = model.fit(x, y + 5, epochs=3, verbose=0, callbacks=[
        ReduceLROnPlateau("loss", factor=0.5, patience=0, min_delta=100, verbose=1)])
    assert history.history["learning_rate"] == [
        0.30000001192092896, 0.30000001192092896, 0.15000000596046448]
    assert "reducing learning rate to 0.15000000596046448." in capsys.readouterr().out


def test_monitoring_callbacks_expose_keras_attributes_before_fit():
    # Keras (3.15): mode as given, min_delta's absolute value, and EarlyStopping's counters
    # (a program may read es.stopped_epoch or es.best after fit, or before it).
    read = ("mode", "min_delta", "wait", "best", "stopped_epoch")
    cases = [(EarlyStopping(min_delta=-0.1), ["auto", 0.1, 0, None, 0]),
             (EarlyStopping(monitor="val_acc", mode="max"), ["max", 0, 0, None, 0]),
             (ReduceLROnPlateau(min_delta=0.2), ["auto", 0.2, 0, None]),
             (ReduceLROnPlateau(mode="max"), ["max", 0.0001, 0, None])]
    for callback, expected in cases:
        assert [getattr(callback, name) for name in read if hasattr(callback, name)] == expected


def test_csv_logger_writes_and_appends(tmp_path):
    x, y = _data()
    path = tmp_path / "log.csv"
    model = _model()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=2, verbose=0, validation_split=0.25, callbacks=[CSVLogger(path)])
    model.fit(x, y, epochs=1, verbose=0, validation_split=0.25,
              callbacks=[CSVLogger(path, append=True)])
    rows = list(csv.reader(open(path)))
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "0"]
    assert all(np.isfinite(float(v)) for r in rows[1:] for v in r)


def test_terminate_on_nan_stops_training():
    x, y = _data()
    model = _model()
    seen = []

    class Poison(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)
            if batch == 1:
                logs["loss"] = float("nan")

    model.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[Poison(), TerminateOnNaN()])
    assert seen == [0, 1]


def test_lambda_callback_rejects_unknown_hook():
    with pytest.raises(TypeError, match="unknown hook"):
        LambdaCallback(on_epoch_finish=print)
