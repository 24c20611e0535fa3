"""Metrics written for Keras: state in `add_variable` variables, reset by the base class."""

import numpy as np

from numen import keras
from numen.keras import ops


class TruePositives(keras.metrics.Metric):
    def __init__(self, name="tp", **kwargs):
        super().__init__(name=name, **kwargs)
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")
        self.seen = self.add_weight(shape=(2,), initializer="ones", name="seen")

    def update_state(self, y_true, y_pred, sample_weight=None):
        hits = ops.cast(ops.equal(ops.argmax(y_pred, axis=1), ops.cast(y_true, "int64")),
                        "float32")
        self.count.assign_add(ops.sum(hits))
        self.seen.assign_add(ops.ones((2,)))

    def result(self):
        return self.count.value


def test_add_variable_state_is_updated_listed_and_reset_to_its_first_value():
    metric = TruePositives()
    assert [v.name for v in metric.variables] == ["count", "seen"]
    metric.update_state(np.array([0, 1, 1]), np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3]]))
    assert float(metric.result()) == 2.0
    np.testing.assert_array_equal(np.asarray(metric.seen), [2.0, 2.0])
    metric.reset_state()
    assert float(metric.result()) == 0.0
    np.testing.assert_array_equal(np.asarray(metric.seen), [1.0, 1.0])


def test_a_keras_style_metric_reports_in_fit_and_resets_each_epoch():
    x = np.eye(4, dtype="float32")[np.arange(32) % 4]
    y = np.arange(32) % 2
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=[TruePositives()])
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    counts = history.history["tp"]
    assert len(counts) == 2 and all(0 <= c <= 32 for c in counts)
