"""fit / evaluate / predict with Keras 3's arguments and defaults, History, and callback hooks
fired in Keras's order with Keras's logs."""

import numpy as np
import pytest

from numen import keras, ops
from numen.keras import layers


def _data(n=100, seed=0, classes=2):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") if classes == 2 else rng.integers(0, classes, n)
    return x, y


def _model(metrics=("accuracy",), units=2, dropout=0.0, loss="sparse_categorical_crossentropy"):
    stack = [layers.Dense(8, activation="relu", input_shape=[4])]
    if dropout:
        stack.append(layers.Dropout(dropout))
    stack.append(layers.Dense(units, activation="softmax"))
    model = keras.Sequential(stack)
    model.compile(optimizer="adam", loss=loss, metrics=list(metrics))
    return model


class Recorder(keras.callbacks.Callback):
    """Records every hook with a copy of its logs."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def _log(self, name, *args):
        logs = args[-1]
        self.calls.append((name, *args[:-1], None if logs is None else dict(logs)))


for _hook in ["on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
              "on_predict_begin", "on_predict_end"]:
    setattr(Recorder, _hook, lambda self, logs=None, _n=_hook: self._log(_n, logs))
for _hook in ["on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end",
              "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin",
              "on_predict_batch_end"]:
    setattr(Recorder, _hook, lambda self, i, logs=None, _n=_hook: self._log(_n, i, logs))


def _names(calls):
    return [c[0] for c in calls]


# -- defaults and return values ---------------------------------------------------------------
def test_batch_size_defaults_to_32():
    x, y = _data(n=100)
    rec = Recorder()
    history = _model().fit(x, y, epochs=1, verbose=0, callbacks=[rec])
    assert _names(rec.calls).count("on_train_batch_end") == 4  # ceil(100 / 32)
    assert history.params == {"verbose": 0, "epochs": 1, "steps": 4}


def test_history_keys_epochs_and_model_attribute():
    x, y = _data()
    model = _model()
    history = model.fit(x, y, epochs=3, validation_split=0.2, verbose=0)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.epoch == [0, 1, 2]
    assert all(len(v) == 3 for v in history.history.values())
    assert all(isinstance(v, float) for v in history.history["loss"])
    assert model.history is history


def test_evaluate_scalar_without_metrics_list_with_metrics_and_dict():
    x, y = _data()
    plain = _model(metrics=())
    plain.fit(x, y, verbose=0)
    loss = plain.evaluate(x, y, verbose=0)
    assert isinstance(loss, float)
    model = _model()
    model.fit(x, y, verbose=0)
    loss, acc = model.evaluate(x, y, verbose=0)
    assert 0 <= acc <= 1 and loss > 0
    d = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(d) == ["accuracy", "loss"]
    assert d["loss"] == pytest.approx(loss) and d["accuracy"] == pytest.approx(acc)


def test_evaluate_is_sample_weighted_mean_over_batches():
    x, y = _data(n=70)
    model = _model(metrics=())
    full = model.evaluate(x, y, batch_size=70, verbose=0)
    assert model.evaluate(x, y, batch_size=16, verbose=0) == pytest.approx(full, rel=1e-5)
    assert model.evaluate(x, y, batch_size=16, steps=1, verbose=0) == pytest.approx(
        model.evaluate(x[:16], y[:16], verbose=0), rel=1e-6)


def test_predict_returns_float32_numpy_in_order():
    x, _ = _data(n=70)
    model = _model()
    out = model.predict(x, batch_size=16, verbose=0)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32 and out.shape == (70, 2)
    np.testing.assert_allclose(out, model.predict_on_batch(x), rtol=1e-6)
    np.testing.assert_allclose(out[:16], model.predict(x, batch_size=16, steps=1, verbose=0))


def test_on_batch_methods_report_the_batch_alone_like_keras3():
    x, y = _data(n=32)
    model = _model()
    before = [w.copy() for w in model.get_weights()]
    loss, acc = model.train_on_batch(x, y)
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    logs = model.test_on_batch(x, y, return_dict=True)
    assert set(logs) == {"accuracy", "loss"}
    model.test_on_batch(x[:8], 1 - y[:8])  # another batch first: it must not count below
    single = model.test_on_batch(x, y)
    assert single[0] == pytest.approx(model.evaluate(x, y, verbose=0)[0], rel=1e-5)
    assert model.predict_on_batch(x).dtype == np.float32


def test_on_batch_values_match_real_keras():
    # Printed by Keras 3.15.1 (JAX) for this model: per-batch values, no accumulation.
    model = keras.Sequential([keras.Input((2,)),
                              keras.layers.Dense(1, kernel_initializer="ones")])
    model.compile("sgd", "mse", metrics=["mae"])
    x = np.ones((4, 2), "float32")
    trained = [model.train_on_batch(x, np.full((4, 1), v, "float32"), return_dict=True)["mae"]
               for v in (0, 10, 0)]
    np.testing.assert_allclose(trained, [2.0, 8.12, 2.3672], rtol=1e-4)
    tested = [model.test_on_batch(x, np.full((4, 1), v, "float32"), return_dict=True)["mae"]
              for v in (0, 10, 0)]
    np.testing.assert_allclose(tested, [2.225168, 7.774832, 2.225168], rtol=1e-4)


# -- fit arguments ----------------------------------------------------------------------------
def test_validation_split_takes_last_samples_before_shuffling():
    x, y = _data(n=100)
    model = _model()
    history = model.fit(x, y, epochs=1, validation_split=0.25, shuffle=True, verbose=0)
    expected = model.evaluate(x[75:], y[75:], verbose=0, return_dict=True)
    assert history.history["val_loss"][0] == pytest.approx(expected["loss"], rel=1e-5)
    assert history.params["steps"] == 3  # ceil(75 / 32)


@pytest.mark.parametrize("with_weights", [False, True])
def test_validation_data_two_and_three_tuples(with_weights):
    x, y = _data(n=60)
    vx, vy = x[:20], y[:20]
    w = np.where(vy == 1, 2.0, 0.5).astype("float32")
    val = (vx, vy, w) if with_weights else (vx, vy)
    model = _model()
    history = model.fit(x, y, epochs=1, validation_data=val, validation_split=0.5, verbose=0)
    expected = model.evaluate(vx, vy, sample_weight=w if with_weights else None, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(expected[0], rel=1e-5)
    assert history.params["steps"] == 2  # validation_data wins over validation_split


@pytest.mark.parametrize("as_tuple", [True, False])
def test_validation_data_without_targets_for_a_model_whose_loss_is_added(as_tuple):
    # Keras takes validation_data as x alone or (x,) (keras.io's captcha OCR passes its dict
    # of image and label inputs so): the model's add_loss is the validation loss.
    class AddedLoss(layers.Layer):
        def call(self, inputs):
            self.add_loss(ops.mean(ops.square(inputs[0] - inputs[1])))
            return inputs[0]

    a, b = keras.Input((4,), name="a"), keras.Input((2,), name="b")
    model = keras.Model([a, b], AddedLoss()([layers.Dense(2)(a), b]))
    model.compile(optimizer="sgd")
    x, _ = _data(n=40)
    data = {"a": x, "b": x[:, :2] * 2}
    history = model.fit(data, epochs=1, validation_data=(data,) if as_tuple else data,
                        verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(data, verbose=0),
                                                           rel=1e-5)


def test_validation_data_without_targets_is_refused_when_the_compiled_loss_needs_them():
    x, y = _data(n=20)
    with pytest.raises(ValueError, match=r"compiled with a loss, which needs the targets"):
        _model().fit(x, y, validation_data=x, verbose=0)


def test_shuffle_false_keeps_batch_order_and_true_changes_it():
    x, y = _data(n=64)

    def first_batch_rows(shuffle):
        seen = []
        model = _model()
        original = model.train_step

        def spy(data):
            seen.append(np.asarray(data[0])[:, 0].copy())
            return original(data)

        model.train_step = spy
        model.fit(x, y, batch_size=16, epochs=2, shuffle=shuffle, verbose=0)
        return seen

    ordered = first_batch_rows(False)
    np.testing.assert_array_equal(np.concatenate(ordered[:4]), x[:, 0])
    np.testing.assert_array_equal(np.concatenate(ordered[4:]), x[:, 0])
    shuffled = first_batch_rows(True)
    assert not np.array_equal(np.concatenate(shuffled[:4]), x[:, 0])
    np.testing.assert_array_equal(np.sort(np.concatenate(shuffled[:4])), np.sort(x[:, 0]))


def test_class_weight_and_sample_weight_scale_the_loss():
    x, y = _data(n=40)
    model = _model(metrics=())
    base = model.test_on_batch(x, y)
    model.reset_metrics()
    weighted = model.evaluate(x, y, sample_weight=np.full(40, 3.0, "float32"), verbose=0)
    assert weighted == pytest.approx(3 * base, rel=1e-5)
    h = model.fit(x, y, class_weight={0: 0.0, 1: 0.0}, epochs=1, shuffle=False, verbose=0)
    assert h.history["loss"][0] == 0.0
    with pytest.raises(ValueError, match="class_weight.*sample_weight"):
        model.fit(x, y, class_weight={0: 1, 1: 1}, sample_weight=np.ones(40), verbose=0)
    with pytest.raises(ValueError, match="class_weight has no entry"):
        model.fit(x, y, class_weight={0: 1.0}, verbose=0)


def test_initial_epoch_and_epochs_count_from_initial():
    x, y = _data()
    rec = Recorder()
    history = _model().fit(x, y, epochs=5, initial_epoch=3, verbose=0, callbacks=[rec])
    assert history.epoch == [3, 4]
    assert [c[1] for c in rec.calls if c[0] == "on_epoch_begin"] == [3, 4]


def test_steps_per_epoch_and_validation_steps_and_batch_size():
    x, y = _data(n=100)
    rec = Recorder()
    _model().fit(x, y, epochs=2, steps_per_epoch=2, validation_data=(x, y),
                 validation_steps=1, validation_batch_size=10, verbose=0, callbacks=[rec])
    names = _names(rec.calls)
    assert names.count("on_train_batch_end") == 4
    assert names.count("on_test_batch_end") == 2
    rec2 = Recorder()
    _model().fit(x, y, epochs=1, validation_data=(x, y), validation_batch_size=25, verbose=0,
                 callbacks=[rec2])
    assert _names(rec2.calls).count("on_test_batch_end") == 4


@pytest.mark.parametrize("freq,validated", [(2, [1, 3]), ([1, 4], [0, 3]), (1, [0, 1, 2, 3])])
def test_validation_freq(freq, validated):
    x, y = _data(n=40)
    rec = Recorder()
    _model().fit(x, y, epochs=4, validation_split=0.5, validation_freq=freq, verbose=0,
                 callbacks=[rec])
    ends = [c for c in rec.calls if c[0] == "on_epoch_end"]
    assert [c[1] for c in ends if "val_loss" in c[2]] == validated


# -- callbacks --------------------------------------------------------------------------------
def test_hooks_fire_in_keras_order_with_keras_logs():
    x, y = _data(n=50)
    rec = Recorder()
    _model().fit(x, y, epochs=2, batch_size=32, validation_data=(x[:10], y[:10]), verbose=0,
                 callbacks=[rec])
    epoch = ["on_epoch_begin",
             "on_train_batch_begin", "on_train_batch_end",
             "on_train_batch_begin", "on_train_batch_end",
             "on_test_begin", "on_test_batch_begin", "on_test_batch_end", "on_test_end",
             "on_epoch_end"]
    assert _names(rec.calls) == ["on_train_begin", *epoch, *epoch, "on_train_end"]
    by_name = {}
    for call in rec.calls:
        by_name.setdefault(call[0], []).append(call)
    # Keras 3 passes an empty dict to the begin hooks (tests/test_keras_behaviour.py).
    assert by_name["on_train_begin"][0][-1] == {}
    assert by_name["on_epoch_begin"][0][-1] == {}
    assert by_name["on_train_batch_begin"][0][-1] == {}
    assert set(by_name["on_train_batch_end"][0][-1]) == {"accuracy", "loss"}
    assert set(by_name["on_test_end"][0][-1]) == {"accuracy", "loss"}
    last_epoch_logs = by_name["on_epoch_end"][-1][-1]
    assert list(last_epoch_logs) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert by_name["on_train_end"][0][-1] == last_epoch_logs


def test_evaluate_and_predict_hooks():
    x, y = _data(n=40)
    model = _model()
    rec = Recorder()
    model.evaluate(x, y, batch_size=20, verbose=0, callbacks=[rec])
    assert _names(rec.calls) == ["on_test_begin", "on_test_batch_begin", "on_test_batch_end",
                                 "on_test_batch_begin", "on_test_batch_end", "on_test_end"]
    rec = Recorder()
    model.predict(x, batch_size=30, verbose=0, callbacks=[rec])
    assert _names(rec.calls) == ["on_predict_begin", "on_predict_batch_begin",
                                 "on_predict_batch_end", "on_predict_batch_begin",
                                 "on_predict_batch_end", "on_predict_end"]
    assert rec.calls[2][-1]["outputs"].shape == (30, 2)


def test_stop_training_in_batch_hook_stops_after_that_batch_and_epoch():
    x, y = _data(n=100)

    class StopAt(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    rec = Recorder()
    history = _model().fit(x, y, epochs=5, validation_split=0.2, verbose=0,
                           callbacks=[StopAt(), rec])
    names = _names(rec.calls)
    assert names.count("on_train_batch_end") == 2
    assert names.count("on_epoch_end") == 1 and names[-1] == "on_train_end"
    assert "val_loss" in history.history and history.epoch == [0]


def test_stop_training_in_epoch_hook_finishes_that_epoch():
    x, y = _data()

    class StopAfter(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                self.model.stop_training = True

    history = _model().fit(x, y, epochs=10, verbose=0, callbacks=[StopAfter()])
    assert history.epoch == [0, 1, 2]


def test_old_batch_hook_names_are_called_during_training():
    x, y = _data(n=64)

    class Old(keras.callbacks.Callback):
        count = 0

        def on_batch_end(self, batch, logs=None):
            Old.count += 1

    _model().fit(x, y, epochs=1, verbose=0, callbacks=[Old()])
    assert Old.count == 2


def test_callbacks_get_model_and_params():
    x, y = _data()
    rec = Recorder()
    model = _model()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[rec])
    assert rec.model is model
    assert rec.params == {"verbose": 0, "epochs": 2, "steps": 4}
    with pytest.raises(TypeError, match="Callback instances"):
        model.fit(x, y, verbose=0, callbacks=[print])


def test_seeded_fit_repeatable_with_shuffle_dropout_and_validation_split():
    x, y = _data(n=120)

    def run():
        keras.utils.set_random_seed(11)
        model = _model(dropout=0.4)
        h = model.fit(x, y, epochs=3, batch_size=16, shuffle=True, validation_split=0.25,
                      verbose=0)
        return model.get_weights(), h.history

    (wa, ha), (wb, hb) = run(), run()
    assert all(a.tobytes() == b.tobytes() for a, b in zip(wa, wb))
    assert ha == hb
    keras.utils.set_random_seed(12)
    other = _model(dropout=0.4)
    other.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0)
    assert any(a.tobytes() != b.tobytes() for a, b in zip(wa, other.get_weights()))


# -- keras.utils ------------------------------------------------------------------------------
def test_to_categorical_edge_cases():
    to_cat = keras.utils.to_categorical
    np.testing.assert_array_equal(to_cat([0, 2], 3), [[1, 0, 0], [0, 0, 1]])
    assert to_cat([0, 2], 3).dtype == np.float32
    np.testing.assert_array_equal(to_cat([1, 0]), [[0, 1], [1, 0]])  # classes inferred
    assert to_cat(np.array([[1], [2]]), 4).shape == (2, 4)  # trailing 1 axis dropped
    assert to_cat(np.array([[0, 1], [1, 0]]), 2).shape == (2, 2, 2)
    np.testing.assert_array_equal(to_cat(np.array([1.0, 0.0]), 2), [[0, 1], [1, 0]])
    assert to_cat(np.array([], dtype=int), 3).shape == (0, 3)
    with pytest.raises(ValueError, match="out of range for num_classes=2"):
        to_cat([0, 2], 2)
    with pytest.raises(ValueError, match=">= 0"):
        to_cat([-1, 0], 2)
    with pytest.raises(ValueError, match="whole numbers"):
        to_cat([0.5], 2)


def test_normalize_rows_to_unit_norm():
    out = keras.utils.normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])


def test_plain_python_lists_are_accepted():
    model = _model()
    history = model.fit([[0.1, 0.2, 0.3, 0.4]] * 4, [0, 1, 0, 1], verbose=0)
    assert len(history.history["loss"]) == 1
    assert model.predict([[0.1, 0.2, 0.3, 0.4]], verbose=0).shape == (1, 2)
