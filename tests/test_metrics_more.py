"""The metrics added for issue 15 (IoU family, R2Score, correlations, rate-at-rate metrics):
Keras's configs and names, reset_state, errors, and use in compile + fit + save/load.

Values after several update_state calls against real Keras are in
tests/golden_cases/metrics_*.py."""

import numpy as np
import pytest

from numen import backend, keras, metrics, testing

RNG = np.random.default_rng(0)

# (metric, Keras 3.15.1's get_config of it)
CONFIGS = [
    (lambda: metrics.IoU(3, [0, 2]),
     {"name": "io_u", "dtype": "int32", "num_classes": 3, "target_class_ids": [0, 2],
      "ignore_class": None, "sparse_y_true": True, "sparse_y_pred": True, "axis": -1}),
    (lambda: metrics.MeanIoU(3),
     {"num_classes": 3, "name": "mean_io_u", "dtype": "int32", "ignore_class": None,
      "sparse_y_true": True, "sparse_y_pred": True, "axis": -1}),
    (lambda: metrics.BinaryIoU(),
     {"target_class_ids": [0, 1], "threshold": 0.5, "name": "binary_io_u", "dtype": "int32"}),
    (lambda: metrics.OneHotIoU(3, [1]),
     {"num_classes": 3, "target_class_ids": [1], "name": "one_hot_io_u", "dtype": "int32",
      "ignore_class": None, "sparse_y_pred": False, "axis": -1}),
    (lambda: metrics.OneHotMeanIoU(3),
     {"num_classes": 3, "name": "one_hot_mean_io_u", "dtype": "int32", "ignore_class": None,
      "sparse_y_pred": False, "axis": -1}),
    (lambda: metrics.R2Score(),
     {"name": "r2_score", "dtype": "float32", "class_aggregation": "uniform_average",
      "num_regressors": 0}),
    (lambda: metrics.PearsonCorrelation(),
     {"name": "pearson_correlation", "dtype": "float32", "axis": -1}),
    (lambda: metrics.ConcordanceCorrelation(),
     {"name": "concordance_correlation", "dtype": "float32", "axis": -1}),
    (lambda: metrics.PrecisionAtRecall(0.5),
     {"name": "precision_at_recall", "dtype": "float32", "class_id": None,
      "num_thresholds": 200, "recall": 0.5}),
    (lambda: metrics.RecallAtPrecision(0.5),
     {"name": "recall_at_precision", "dtype": "float32", "class_id": None,
      "num_thresholds": 200, "precision": 0.5}),
    (lambda: metrics.SensitivityAtSpecificity(0.5),
     {"name": "sensitivity_at_specificity", "dtype": "float32", "class_id": None,
      "num_thresholds": 200, "specificity": 0.5}),
    (lambda: metrics.SpecificityAtSensitivity(0.5),
     {"name": "specificity_at_sensitivity", "dtype": "float32", "class_id": None,
      "num_thresholds": 200, "sensitivity": 0.5}),
]


@pytest.mark.parametrize("make,config", CONFIGS, ids=[c[1]["name"] for c in CONFIGS])
def test_configs_match_keras_and_round_trip(make, config):
    metric = make()
    assert metric.get_config() == config
    again = metrics.deserialize(metrics.serialize(metric))
    assert type(again) is type(metric) and again.get_config() == config
    assert getattr(keras.metrics, type(metric).__name__) is type(metric)


def _inputs(metric):
    name = type(metric).__name__
    if "OneHot" in name:
        return np.eye(3)[RNG.integers(0, 3, 8)], RNG.random((8, 3))
    if name in ("IoU", "MeanIoU"):
        return RNG.integers(0, 3, 8), RNG.integers(0, 3, 8)
    if name in ("R2Score", "PearsonCorrelation", "ConcordanceCorrelation"):
        y = RNG.standard_normal((8, 3))
        return y, y + RNG.standard_normal((8, 3))
    return RNG.integers(0, 2, 8), RNG.random(8)


@pytest.mark.parametrize("make", [c[0] for c in CONFIGS], ids=[c[1]["name"] for c in CONFIGS])
def test_reset_state_forgets_everything(make):
    metric = make()
    fresh = make()
    y1, p1 = _inputs(metric)
    y2, p2 = _inputs(metric)
    metric.update_state(y1, p1)
    metric.reset_state()
    metric.update_state(y2, p2)
    fresh.update_state(y2, p2)
    np.testing.assert_array_equal(metric.result(), fresh.result())
    assert np.asarray(metric.result()).dtype == np.float32


def test_string_identifiers_as_keras():
    assert isinstance(metrics.get("r2_score"), metrics.R2Score)
    assert isinstance(metrics.get("pearson_correlation"), metrics.PearsonCorrelation)
    assert isinstance(metrics.get("concordance_correlation"), metrics.ConcordanceCorrelation)
    assert isinstance(metrics.get("BinaryIoU"), metrics.BinaryIoU)


def test_known_values():
    m = metrics.MeanIoU(num_classes=2)
    m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    assert float(m.result()) == pytest.approx(1 / 3, abs=1e-6)
    m.update_state([0, 0, 1, 1], [0, 0, 1, 1])  # now tp = (3, 3), fp = fn = 1 each
    assert float(m.result()) == pytest.approx(0.6, abs=1e-6)
    r2 = metrics.R2Score()
    r2.update_state([[1.0], [2.0]], [[1.0], [2.0]])
    r2.update_state([[3.0]], [[4.0]])
    assert float(r2.result()) == pytest.approx(0.5)
    p = metrics.PrecisionAtRecall(1.0, num_thresholds=3)
    p.update_state([0, 1, 1], [0.9, 0.6, 0.8])
    assert float(p.result()) == pytest.approx(2 / 3)


def test_iou_weights_are_truncated_to_the_int_dtype_as_keras():
    m = metrics.MeanIoU(2)
    m.update_state([0, 1], [0, 1], sample_weight=[0.5, 1.5])
    np.testing.assert_array_equal(m.total_cm, [[0, 0], [0, 1]])
    f = metrics.MeanIoU(2, dtype="float32")
    f.update_state([0, 1], [0, 1], sample_weight=[0.5, 1.5])
    np.testing.assert_allclose(f.total_cm, [[0.5, 0], [0, 1.5]])


def test_r2_adjusted_falls_back_with_a_warning():
    m = metrics.R2Score(num_regressors=5)
    m.update_state([[1.0], [2.0], [3.0]], [[1.0], [2.0], [4.0]])
    with pytest.warns(UserWarning, match="num_regressors"):
        assert float(m.result()) == pytest.approx(0.5)


def test_clear_errors():
    with pytest.raises(ValueError, match="IoU: target_class_ids"):
        metrics.IoU(3, [0, 3])
    with pytest.raises(ValueError, match="MeanIoU: num_classes"):
        metrics.MeanIoU(0)
    with pytest.raises(ValueError, match="R2Score: class_aggregation"):
        metrics.R2Score(class_aggregation="mean")
    with pytest.raises(ValueError, match="R2Score: num_regressors"):
        metrics.R2Score(num_regressors=-1)
    with pytest.raises(ValueError, match="R2Score: expected 2-D"):
        metrics.R2Score().update_state([1.0, 2.0, 3.0], [[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="PrecisionAtRecall: recall must lie in"):
        metrics.PrecisionAtRecall(1.5)
    with pytest.raises(ValueError, match="SensitivityAtSpecificity: num_thresholds"):
        metrics.SensitivityAtSpecificity(0.5, num_thresholds=0)
    with pytest.raises(ValueError, match="sample_weight"):
        metrics.MeanIoU(2).update_state([0, 1, 1], [0, 1, 0], sample_weight=[1, 2])


def test_compile_fit_save_load_with_the_new_metrics(tmp_path):
    backend.set_random_seed(0)
    x = RNG.standard_normal((24, 4)).astype("float32")
    y = (x[:, :1] + 0.3 * RNG.standard_normal((24, 1)) > 0).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=[metrics.BinaryIoU(threshold=0.4), metrics.PrecisionAtRecall(0.5),
                           metrics.SensitivityAtSpecificity(0.5), "r2_score",
                           metrics.PearsonCorrelation(axis=0)])
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    for key in ("binary_io_u", "precision_at_recall", "sensitivity_at_specificity", "r2_score",
                "pearson_correlation"):
        assert np.isfinite(history.history[key]).all(), key
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0),
                               model.evaluate(x, y, verbose=0), rtol=1e-5)


def test_correlation_functions_numerical_gradients():
    y, p = RNG.standard_normal((3, 5)), RNG.standard_normal((3, 5))
    testing.check_grad(lambda a, b: metrics.pearson_correlation(a, b), [y, p])
    testing.check_grad(lambda a, b: metrics.concordance_correlation(a, b, axis=0), [y, p])
