"""Metric state as Keras shows it: `variables` of the built-in metrics (live views of their
running state) and the stateless API of custom training loops."""

import numpy as np
import pytest

from numen import keras
from numen.keras import ops


def test_state_variables_are_live_and_assign_writes_the_running_state():
    metric = keras.metrics.Mean()
    total, count = metric.variables
    assert (total.name, total.path, total.shape, total.dtype) == ("total", "mean/total", (),
                                                                  "float32")
    metric.update_state(ops.convert_to_tensor(3.0), 2.0)
    assert (float(total.numpy()), float(count.numpy())) == (6.0, 2.0)
    count.assign(4.0)
    total.assign_add(2.0)
    assert float(metric.result()) == 2.0
    assert type(metric.total) is float and type(metric.count) is float  # the fast path's types
    metric.reset_state()
    assert float(total.numpy()) == 0.0 and metric.variables[0] is total


def test_assign_of_the_wrong_shape_names_the_variable():
    metric = keras.metrics.Precision(thresholds=[0.3, 0.6])
    with pytest.raises(ValueError, match=r"precision/true_positives.*\(3,\).*\(2,\)"):
        metric.variables[0].assign(np.zeros(3))


def test_stateless_api_matches_update_state_and_leaves_the_metric_alone():
    rng = np.random.default_rng(0)
    batches = [(rng.integers(0, 2, 6).astype("float32"), rng.random(6).astype("float32"))
               for _ in range(3)]
    stateful, stateless = keras.metrics.AUC(num_thresholds=7), keras.metrics.AUC(num_thresholds=7)
    values = stateless.stateless_reset_state()
    for y, p in batches:
        stateful.update_state(y, p)
        values = stateless.stateless_update_state(values, y, p)
    np.testing.assert_allclose(stateless.stateless_result(values), stateful.result(), rtol=1e-6)
    for value, variable in zip(values, stateful.variables):
        np.testing.assert_allclose(value.numpy(), variable.numpy())
    assert float(stateless.result()) == 0.0
    assert all(not v.numpy().any() for v in stateless.variables)


def test_a_jax_style_loop_tracks_the_loss_with_stateless_calls():
    tracker = keras.metrics.Mean()
    values = [v.numpy() for v in tracker.variables]
    for loss in (0.5, 0.25, 0.75):
        values = tracker.stateless_update_state(values, ops.convert_to_tensor(loss), 32.0)
    assert float(tracker.stateless_result(values)) == pytest.approx(0.5)
    assert tracker.total == 0.0 and type(tracker.total) is float


def test_stateless_calls_check_the_number_of_values():
    metric = keras.metrics.Mean()
    for call in (lambda: metric.stateless_update_state([0.0], 1.0),
                 lambda: metric.stateless_result([0.0, 1.0, 2.0])):
        with pytest.raises(ValueError, match=r"1:1 to Mean\(\)\.variables.*length \d, but "
                                             r"expected 2"):
            call()


def test_state_sized_on_the_first_update_keeps_its_variables_on_reset():
    metric = keras.metrics.R2Score()
    assert [v.name for v in metric.variables] == ["num_samples"]
    metric.update_state(np.ones((4, 3)), np.zeros((4, 3)))
    metric.reset_state()
    assert [(v.name, v.shape) for v in metric.variables] == [
        ("num_samples", ()), ("squared_sum", (3,)), ("sum", (3,)), ("residual", (3,)),
        ("count", (3,))]
    assert all(not v.numpy().any() for v in metric.variables)


class Hits(keras.metrics.Metric):
    """Written for Keras: add_variable in __init__, assign in update_state."""

    def __init__(self, name="hits", **kwargs):
        super().__init__(name=name, **kwargs)
        self.hits = self.add_variable(shape=(), initializer="zeros", name="hits")

    def update_state(self, y_true, y_pred, sample_weight=None):
        right = ops.cast(ops.equal(ops.cast(y_pred > 0.5, "float32"), y_true), "float32")
        self.hits.assign(self.hits + ops.sum(right))

    def result(self):
        return self.hits.value


def test_a_keras_style_subclass_works_statefully_and_statelessly():
    metric = Hits()
    y, p = np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.2, 0.3])
    metric.update_state(y, p)
    assert float(metric.result()) == 2.0
    values = metric.stateless_update_state([v.numpy() for v in metric.variables], y, p)
    assert float(metric.stateless_result(values)) == 4.0
    assert float(metric.result()) == 2.0
    assert float(metric.stateless_reset_state()[0].numpy()) == 0.0
    assert float(metric.result()) == 2.0


def test_a_copied_metric_has_its_own_state_variables():
    import copy
    import pickle

    metric = keras.metrics.AUC(num_thresholds=4)
    metric.update_state([0, 1], [0.2, 0.8])
    assert metric.variables  # the views exist before copying
    for twin in (copy.deepcopy(metric), pickle.loads(pickle.dumps(metric))):
        twin.update_state([0, 1], [0.2, 0.8])
        np.testing.assert_array_equal(twin.variables[0].numpy(), [2, 2, 2, 0])
    np.testing.assert_array_equal(metric.variables[0].numpy(), [1, 1, 1, 0])
