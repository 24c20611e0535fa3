"""keras.metrics state: each built-in metric's `variables` (names, dtypes, shapes, values)
after a couple of update_state calls, and the stateless API (stateless_update_state,
stateless_result, stateless_reset_state) leaving the metric's own state alone."""

import numpy as np

from golden_cases.case import Case, f32, ints, pos


def _state(metric):
    """Names and dtypes (as string arrays), then each variable's value."""
    variables = metric.variables
    return {"a_names": np.array([v.name for v in variables]),
            "b_dtypes": np.array([str(v.dtype) for v in variables]),
            "c_values": [np.asarray(v.numpy()) for v in variables]}


def _updated(metric, y, p, w=None):
    """The state after two update_state calls (half the batch each) and result()."""
    n = len(y) // 2
    for a, b in ((0, n), (n, len(y))):
        if w is None:
            metric.update_state(y[a:b], p[a:b])
        else:
            metric.update_state(y[a:b], p[a:b], sample_weight=w[a:b])
    return {**_state(metric), "d_result": metric.result()}


def _prob(*shape):
    return lambda rng: rng.uniform(0.0, 1.0, shape).astype("float32")


def _labels(*shape):
    return lambda rng: rng.integers(0, 2, shape).astype("float32")


def _one_hot(n, c):
    return lambda rng: np.eye(c, dtype="float32")[rng.integers(0, c, n)]


def _mean_scalars(k, v):
    m = k.metrics.Mean()
    m.update_state(v[0], sample_weight=32.0)
    m.update_state(v[1], sample_weight=8.0)
    return {**_state(m), "d_result": m.result()}


def _sum(k, v, w, m=None):
    m = m or k.metrics.Sum()
    m.update_state(v[:3], sample_weight=w[:3])
    m.update_state(v[3:])
    return {**_state(m), "d_result": m.result()}


def _stateless(metric, y, p):
    """Two stateless updates from the metric's own values, their result, a stateless reset,
    and the metric's own (untouched) state."""
    values = [v.numpy() for v in metric.variables]
    values = metric.stateless_update_state(values, y[:4], p[:4])
    values = metric.stateless_update_state(values, y[4:], p[4:])
    return {"a_new": [np.asarray(v) for v in values],
            "b_result": metric.stateless_result(values),
            "c_reset": [np.asarray(v) for v in metric.stateless_reset_state()],
            "d_own": _state(metric), "e_own_result": metric.result()}


CASES = [
    Case("mean_scalars", _mean_scalars, [f32(2)]),
    Case("sum_weighted", _sum, [f32(6), pos(6)]),
    Case("mean_weighted", lambda k, v, w: _sum(k, v, w, k.metrics.Mean()),
         [f32(6, 3), pos(6)]),
    Case("accuracy", lambda k, y, p: _updated(k.metrics.Accuracy(), y, p),
         [ints(8, high=3), ints(8, high=3)]),
    Case("binary_accuracy", lambda k, y, p: _updated(k.metrics.BinaryAccuracy(), y, p),
         [_labels(8, 1), _prob(8, 1)]),
    Case("sparse_categorical_accuracy",
         lambda k, y, p: _updated(k.metrics.SparseCategoricalAccuracy(), y, p),
         [ints(8, high=4), f32(8, 4)]),
    Case("top_k_weights",
         lambda k, y, p, w: _updated(k.metrics.TopKCategoricalAccuracy(k=2), y, p, w),
         [_one_hot(8, 4), f32(8, 4), pos(8)]),
    Case("mse", lambda k, y, p: _updated(k.metrics.MeanSquaredError(), y, p),
         [f32(8, 3), f32(8, 3)]),
    Case("rmse", lambda k, y, p: _updated(k.metrics.RootMeanSquaredError(), y, p),
         [f32(8, 3), f32(8, 3)]),
    Case("binary_crossentropy", lambda k, y, p: _updated(k.metrics.BinaryCrossentropy(), y, p),
         [_labels(8, 2), _prob(8, 2)]),
    Case("true_positives", lambda k, y, p: _updated(k.metrics.TruePositives(), y, p),
         [_labels(8), _prob(8)]),
    Case("false_negatives_thresholds",
         lambda k, y, p: _updated(k.metrics.FalseNegatives(thresholds=[0.3, 0.6]), y, p),
         [_labels(8), _prob(8)]),
    Case("true_negatives", lambda k, y, p: _updated(k.metrics.TrueNegatives(), y, p),
         [_labels(8), _prob(8)]),
    Case("false_positives", lambda k, y, p: _updated(k.metrics.FalsePositives(), y, p),
         [_labels(8), _prob(8)]),
    Case("precision", lambda k, y, p: _updated(k.metrics.Precision(), y, p),
         [_labels(8), _prob(8)]),
    Case("recall_weights",
         lambda k, y, p, w: _updated(k.metrics.Recall(thresholds=[0.2, 0.7]), y, p, w),
         [_labels(8), _prob(8), pos(8)]),
    Case("auc", lambda k, y, p: _updated(k.metrics.AUC(num_thresholds=6), y, p),
         [_labels(8), _prob(8)]),
    Case("auc_multi_label",
         lambda k, y, p: _updated(k.metrics.AUC(num_thresholds=5, multi_label=True), y, p),
         [_labels(8, 2), _prob(8, 2)]),
    Case("f1_score", lambda k, y, p: _updated(k.metrics.F1Score(threshold=0.5), y, p),
         [_labels(8, 3), _prob(8, 3)]),
    Case("iou", lambda k, y, p: _updated(k.metrics.IoU(3, [0, 2]), y, p),
         [ints(10, high=3), ints(10, high=3)]),
    Case("binary_iou", lambda k, y, p: _updated(k.metrics.BinaryIoU(), y, p),
         [_labels(10), _prob(10)]),
    Case("r2_score", lambda k, y, p: _updated(k.metrics.R2Score(), y, p),
         [f32(8, 2), f32(8, 2)]),
    Case("pearson", lambda k, y, p: _updated(k.metrics.PearsonCorrelation(), y, y + p),
         [f32(8, 4), f32(8, 4)]),
    Case("sensitivity_at_specificity",
         lambda k, y, p: _updated(k.metrics.SensitivityAtSpecificity(0.5, num_thresholds=5),
                                  y, p),
         [_labels(8), _prob(8)]),
    Case("stateless_mean_squared_error",
         lambda k, y, p: _stateless(k.metrics.MeanSquaredError(), y, p),
         [f32(8, 3), f32(8, 3)]),
    Case("stateless_auc", lambda k, y, p: _stateless(k.metrics.AUC(num_thresholds=5), y, p),
         [_labels(8), _prob(8)]),
    Case("stateless_iou", lambda k, y, p: _stateless(k.metrics.MeanIoU(3), y, p),
         [ints(8, high=3), ints(8, high=3)]),
]
