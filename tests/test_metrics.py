"""Metrics against scikit-learn and hand-computed values: names, defaults, accumulation, weights."""

import numpy as np
import pytest
from sklearn import metrics as skm

from numen import losses, metrics, testing


def _rng(seed=0):
    return np.random.default_rng(seed)


def _binary_data(n=400, seed=0):
    r = _rng(seed)
    y = r.integers(0, 2, n)
    p = np.clip(0.35 * y + r.uniform(0, 0.65, n), 0, 1)
    return y, p, r.uniform(0.1, 2.0, n)


def _feed(metric, y, p, w=None, batches=3):
    """update_state over several batches, as fit does."""
    for idx in np.array_split(np.arange(len(y)), batches):
        metric.update_state(y[idx], p[idx], sample_weight=None if w is None else w[idx])
    return float(metric.result())


# -- names and defaults --------------------------------------------------------------------------
def test_default_names_match_keras():
    expected = {
        metrics.Accuracy: "accuracy", metrics.BinaryAccuracy: "binary_accuracy",
        metrics.CategoricalAccuracy: "categorical_accuracy",
        metrics.SparseCategoricalAccuracy: "sparse_categorical_accuracy",
        metrics.TopKCategoricalAccuracy: "top_k_categorical_accuracy",
        metrics.SparseTopKCategoricalAccuracy: "sparse_top_k_categorical_accuracy",
        metrics.MeanSquaredError: "mean_squared_error",
        metrics.RootMeanSquaredError: "root_mean_squared_error",
        metrics.MeanAbsoluteError: "mean_absolute_error", metrics.LogCoshError: "logcosh",
        metrics.Precision: "precision", metrics.Recall: "recall", metrics.AUC: "auc",
        metrics.TruePositives: "true_positives", metrics.KLDivergence: "kl_divergence",
        metrics.Mean: "mean", metrics.Sum: "sum",
    }
    for cls, name in expected.items():
        assert cls().name == name
    assert metrics.BinaryAccuracy().fn_kwargs == {"threshold": 0.5}
    assert metrics.TopKCategoricalAccuracy().fn_kwargs == {"k": 5}
    assert metrics.SparseTopKCategoricalAccuracy().fn_kwargs["k"] == 5
    p = metrics.Precision()
    assert (p.thresholds.tolist(), p.top_k, p.class_id) == ([0.5], None, None)
    auc = metrics.AUC()
    assert (auc.num_thresholds, auc.curve, auc.summation_method) == (200, "ROC", "interpolation")
    assert len(auc.thresholds) == 200 and auc.thresholds[0] < 0 and auc.thresholds[-1] > 1
    assert metrics.Mean()([1.0]).dtype == np.float32


def test_get_by_names_and_configs():
    assert isinstance(metrics.get("mse"), metrics.MeanSquaredError)
    assert isinstance(metrics.get("binary_accuracy"), metrics.BinaryAccuracy)
    assert isinstance(metrics.get("AUC"), metrics.AUC)
    assert isinstance(metrics.get("auc"), metrics.AUC)
    assert isinstance(metrics.get("root_mean_squared_error"), metrics.RootMeanSquaredError)
    assert metrics.get(None) is None
    auc = metrics.AUC(curve="PR", num_thresholds=50, name="pr")
    clone = metrics.get(metrics.serialize(auc))
    assert isinstance(clone, metrics.AUC) and clone.get_config() == auc.get_config()
    prec = metrics.Precision(thresholds=[0.3, 0.6], class_id=1)
    assert metrics.Precision.from_config(prec.get_config()).get_config() == prec.get_config()
    with pytest.raises(ValueError, match="Unknown metric 'nope'.*mean_squared_error"):
        metrics.get("nope")
    with pytest.raises(TypeError, match="metric must be"):
        metrics.get(3)
    with pytest.raises(ValueError, match=r"thresholds must lie in \[0, 1\]"):
        metrics.Precision(thresholds=1.5)
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="XY")


@pytest.mark.parametrize("y_true_shape, y_pred_shape, expected", [
    ((8, 1), (8, 1), metrics.BinaryAccuracy),
    ((8,), (8, 1), metrics.BinaryAccuracy),
    ((8,), (8,), metrics.BinaryAccuracy),
    ((8,), (8, 4), metrics.SparseCategoricalAccuracy),
    ((8, 1), (8, 4), metrics.SparseCategoricalAccuracy),
    ((8, 4), (8, 4), metrics.CategoricalAccuracy),
    ((8, 5, 4), (8, 5, 4), metrics.CategoricalAccuracy),
    ((8, 5), (8, 5, 4), metrics.SparseCategoricalAccuracy),
])
def test_resolve_accuracy_from_shapes(y_true_shape, y_pred_shape, expected):
    for spelling in ("accuracy", "acc"):
        m = metrics.resolve(spelling, y_true_shape, y_pred_shape)
        assert type(m) is expected and m.name == spelling


def test_resolve_names_metrics_as_written():
    assert metrics.resolve("mse", (4, 1), (4, 1)).name == "mse"
    assert metrics.resolve("mean_squared_error", (4, 1), (4, 1)).name == "mean_squared_error"
    assert metrics.resolve(metrics.AUC(), (4, 1), (4, 1)).name == "auc"
    custom = metrics.resolve(losses.mean_absolute_error, (4, 1), (4, 1))
    assert isinstance(custom, metrics.MeanMetricWrapper) and custom.name == "mean_absolute_error"
    with pytest.raises(ValueError, match="Unknown metric"):
        metrics.resolve("accuracyy", (4,), (4,))


# -- accuracy family -----------------------------------------------------------------------------
def test_binary_accuracy_against_sklearn_with_weights_and_accumulation():
    y, p, w = _binary_data()
    m = metrics.BinaryAccuracy()
    assert _feed(m, y[:, None], p[:, None], w) == pytest.approx(
        skm.accuracy_score(y, p > 0.5, sample_weight=w), rel=1e-6)
    m.reset_state()
    assert float(m.result()) == 0.0
    assert _feed(m, y, p) == pytest.approx(skm.accuracy_score(y, p > 0.5), rel=1e-6)
    assert _feed(metrics.BinaryAccuracy(threshold=0.8), y, p) == pytest.approx(
        skm.accuracy_score(y, p > 0.8), rel=1e-6)


def test_categorical_and_sparse_accuracy_against_sklearn():
    r = _rng(1)
    labels, scores = r.integers(0, 4, 300), r.standard_normal((300, 4))
    w = r.uniform(0, 1, 300)
    expected = skm.accuracy_score(labels, scores.argmax(1), sample_weight=w)
    got_sparse = _feed(metrics.SparseCategoricalAccuracy(), labels[:, None], scores, w)
    got_cat = _feed(metrics.CategoricalAccuracy(), np.eye(4)[labels], scores, w)
    assert got_sparse == pytest.approx(expected, rel=1e-6)
    assert got_cat == pytest.approx(expected, rel=1e-6)


def test_accuracy_and_top_k_by_hand():
    m = metrics.Accuracy()
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    assert float(m.result()) == pytest.approx(0.75)
    y_true = np.array([[0, 0, 1], [0, 1, 0]])
    y_pred = np.array([[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert float(metrics.TopKCategoricalAccuracy(k=1)(y_true, y_pred)) == pytest.approx(0.5)
    scores = np.array([[0.5, 0.2, 0.1, 0.2], [0.1, 0.2, 0.3, 0.4]])
    assert float(metrics.SparseTopKCategoricalAccuracy(k=2)([1, 0], scores)) == pytest.approx(0.5)
    # top_k_accuracy_score agrees on tie-free data.
    r = _rng(2)
    labels, scores = r.integers(0, 6, 200), r.standard_normal((200, 6))
    for k in (1, 3, 5):
        got = metrics.SparseTopKCategoricalAccuracy(k=k)(labels, scores)
        assert float(got) == pytest.approx(skm.top_k_accuracy_score(labels, scores, k=k,
                                                                    labels=range(6)))
    ids = np.argsort(-scores, axis=1)
    got = metrics.SparseTopKCategoricalAccuracy(k=3, from_sorted_ids=True)(labels, ids)
    assert float(got) == pytest.approx(skm.top_k_accuracy_score(labels, scores, k=3))


# -- regression and reduction metrics ------------------------------------------------------------
def test_regression_metrics_against_sklearn():
    r = _rng(3)
    t, p, w = r.standard_normal((90, 3)), r.standard_normal((90, 3)), r.uniform(0, 2, 90)
    mse = skm.mean_squared_error(t, p, sample_weight=w)
    assert _feed(metrics.MeanSquaredError(), t, p, w) == pytest.approx(mse, rel=1e-6)
    assert _feed(metrics.RootMeanSquaredError(), t, p, w) == pytest.approx(np.sqrt(mse), rel=1e-6)
    assert _feed(metrics.MeanAbsoluteError(), t, p, w) == pytest.approx(
        skm.mean_absolute_error(t, p, sample_weight=w), rel=1e-6)
    tp, pp = np.abs(t) + 0.5, np.abs(p) + 0.5
    assert _feed(metrics.MeanAbsolutePercentageError(), tp, pp) == pytest.approx(
        100 * skm.mean_absolute_percentage_error(tp, pp), rel=1e-6)
    assert _feed(metrics.MeanSquaredLogarithmicError(), tp, pp) == pytest.approx(
        skm.mean_squared_log_error(tp, pp), rel=1e-6)
    cos = (t * p).sum(1) / np.linalg.norm(t, axis=1) / np.linalg.norm(p, axis=1)
    assert _feed(metrics.CosineSimilarity(), t, p) == pytest.approx(cos.mean(), rel=1e-6)


def test_mean_and_sum_weighting():
    m = metrics.Mean()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert float(m.result()) == 2.0
    m.update_state(np.array([[10.0, 20.0]]))  # one sample, its values averaged first
    assert float(m.result()) == pytest.approx((4 + 15) / 3)
    s = metrics.Sum()
    s.update_state([1, 2, 3], sample_weight=[2, 0, 1])
    assert float(s.result()) == 5.0
    # Per-timestep weights: weighted mean over every entry.
    v, w = _rng(4).uniform(0, 1, (3, 4)), _rng(5).uniform(0, 1, (3, 4))
    m = metrics.Mean()
    m.update_state(v, sample_weight=w)
    assert float(m.result()) == pytest.approx((v * w).sum() / w.sum(), rel=1e-6)
    with pytest.raises(ValueError, match="sample_weight has shape"):
        metrics.Mean().update_state(np.ones(4), sample_weight=np.ones(3))


def test_loss_metrics_match_losses():
    t, p = _rng(6).integers(0, 2, (20, 1)).astype(float), _rng(7).uniform(0.05, 0.95, (20, 1))
    got = _feed(metrics.BinaryCrossentropy(), t, p)
    assert got == pytest.approx(float(losses.BinaryCrossentropy()(t, p).data), rel=1e-6)
    labels, logits = _rng(8).integers(0, 3, 12), _rng(9).standard_normal((12, 3))
    got = _feed(metrics.SparseCategoricalCrossentropy(from_logits=True), labels, logits)
    ref = skm.log_loss(labels, np.exp(logits) / np.exp(logits).sum(1, keepdims=True))
    assert got == pytest.approx(ref, rel=1e-5)


# -- confusion-count metrics ---------------------------------------------------------------------
def test_precision_recall_against_sklearn():
    y, p, w = _binary_data(seed=10)
    for threshold in (0.5, 0.3):
        kwargs = {} if threshold == 0.5 else {"thresholds": threshold}
        pred = p > threshold
        prec = _feed(metrics.Precision(**kwargs), y, p, w)
        rec = _feed(metrics.Recall(**kwargs), y, p, w)
        assert prec == pytest.approx(skm.precision_score(y, pred, sample_weight=w), rel=1e-6)
        assert rec == pytest.approx(skm.recall_score(y, pred, sample_weight=w), rel=1e-6)
    several = metrics.Precision(thresholds=[0.2, 0.5, 0.8])(y, p)
    assert several.shape == (3,)
    for got, t in zip(several, (0.2, 0.5, 0.8)):
        assert got == pytest.approx(skm.precision_score(y, p > t), rel=1e-6)


def test_confusion_counts_by_hand():
    y_true, y_pred, w = [0, 1, 1, 1, 0], [1, 0, 1, 1, 0.2], [1, 2, 3, 4, 5]
    assert float(metrics.TruePositives()(y_true, y_pred, w)) == 7
    assert float(metrics.FalsePositives()(y_true, y_pred, w)) == 1
    assert float(metrics.TrueNegatives()(y_true, y_pred, w)) == 5
    assert float(metrics.FalseNegatives()(y_true, y_pred, w)) == 2
    assert float(metrics.Precision()([0, 1, 1, 1], [1, 0, 1, 1])) == pytest.approx(2 / 3)
    assert float(metrics.Recall()([0, 1, 1, 1], [1, 0, 1, 1])) == pytest.approx(2 / 3)
    assert float(metrics.Precision()([0, 0], [0.1, 0.2])) == 0.0  # nothing predicted positive


def test_precision_top_k_and_class_id():
    # top_k keeps exactly k predictions per row, ties broken by position.
    assert float(metrics.Precision(top_k=2)([[0, 0, 1, 1]], [[1, 1, 1, 1]])) == 0.0
    assert float(metrics.Precision(top_k=4)([[0, 0, 1, 1]], [[1, 1, 1, 1]])) == 0.5
    r = _rng(11)
    labels, scores = r.integers(0, 3, 200), r.uniform(0, 1, (200, 3))
    onehot, w = np.eye(3)[labels], r.uniform(0, 1, 200)
    for c in range(3):
        prec = _feed(metrics.Precision(class_id=c), onehot, scores, w)
        rec = _feed(metrics.Recall(class_id=c), onehot, scores, w)
        pred = scores[:, c] > 0.5
        assert prec == pytest.approx(skm.precision_score(labels == c, pred, sample_weight=w))
        assert rec == pytest.approx(skm.recall_score(labels == c, pred, sample_weight=w))
    top1 = metrics.Precision(top_k=1, class_id=0)(onehot, scores)
    chosen = scores.argmax(1) == 0
    assert float(top1) == pytest.approx((labels[chosen] == 0).mean())
    with pytest.raises(ValueError, match="class_id=5"):
        metrics.Precision(class_id=5)(onehot, scores)


def test_auc_roc_and_pr_against_sklearn():
    y, p, w = _binary_data(n=2000, seed=12)
    roc = _feed(metrics.AUC(), y, p, w)
    assert roc == pytest.approx(skm.roc_auc_score(y, p, sample_weight=w), abs=1e-2)
    pr = _feed(metrics.AUC(curve="PR"), y, p)
    assert pr == pytest.approx(skm.average_precision_score(y, p), abs=1e-2)
    logits = np.log(np.clip(p, 1e-6, 1)) - np.log(np.clip(1 - p, 1e-6, 1))
    assert _feed(metrics.AUC(from_logits=True), y, logits) == pytest.approx(
        skm.roc_auc_score(y, p), abs=1e-2)
    # Riemann variants bracket the trapezoid rule.
    lo = _feed(metrics.AUC(summation_method="minoring"), y, p)
    hi = _feed(metrics.AUC(summation_method="majoring"), y, p)
    assert lo <= _feed(metrics.AUC(), y, p) <= hi
    perfect = metrics.AUC()([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert float(perfect) == pytest.approx(1.0)


def test_auc_multi_label_and_reset():
    r = _rng(13)
    y = r.integers(0, 2, (500, 3))
    p = np.clip(0.3 * y + r.uniform(0, 0.7, (500, 3)) * [1.0, 0.6, 0.3], 0, 1)
    per_label = [skm.roc_auc_score(y[:, j], p[:, j]) for j in range(3)]
    m = metrics.AUC(multi_label=True)
    assert _feed(m, y, p) == pytest.approx(np.mean(per_label), abs=1e-2)
    weighted = metrics.AUC(multi_label=True, label_weights=[1.0, 0.0, 3.0])
    assert _feed(weighted, y, p) == pytest.approx(
        (per_label[0] + 3 * per_label[2]) / 4, abs=1e-2)
    pooled = _feed(metrics.AUC(), y, p)
    assert pooled == pytest.approx(skm.roc_auc_score(y.ravel(), p.ravel()), abs=1e-2)
    m.reset_state()
    assert float(m.result()) == 0.0
    _feed(m, y[:, :1], p[:, :1])
    assert float(m.result()) == pytest.approx(per_label[0], abs=1e-2)


def test_confusion_metrics_reject_mismatched_inputs():
    with pytest.raises(ValueError, match="y_true has shape"):
        metrics.Precision()(np.ones((4, 2)), np.ones((4, 3)))
    with pytest.raises(ValueError, match="sample_weight has shape"):
        metrics.Recall()(np.ones(4), np.ones(4), sample_weight=np.ones(3))


def test_float32_results_and_callable_api():
    m = metrics.MeanSquaredError()
    out = m([[1.0, 2.0]], [[1.0, 4.0]])
    assert isinstance(out, np.float32) and float(out) == 2.0
    testing.assert_close(metrics.Precision(thresholds=[0.5, 0.9])([1, 1], [0.7, 0.95]), [1, 1])


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
def test_f_scores_against_sklearn(average):
    r = _rng(14)
    y = r.integers(0, 2, (300, 4))
    p = np.clip(0.4 * y + r.uniform(0, 0.6, (300, 4)), 0, 1)
    w = r.uniform(0.2, 1.0, 300)
    got = _feed(metrics.F1Score(average=average, threshold=0.5), y, p, w) if average else None
    m = metrics.FBetaScore(average=average, beta=2.0, threshold=0.5)
    for idx in np.array_split(np.arange(300), 3):
        m.update_state(y[idx], p[idx], sample_weight=w[idx])
    expected = skm.fbeta_score(y, p > 0.5, beta=2.0, average=average, sample_weight=w)
    testing.assert_close(m.result(), expected, rtol=1e-5)
    if average:
        assert got == pytest.approx(skm.f1_score(y, p > 0.5, average=average, sample_weight=w),
                                    rel=1e-5)
    # threshold=None marks each row's best class: single-label F1 on argmax.
    labels = r.integers(0, 3, 200)
    scores = r.uniform(0, 1, (200, 3)) + 0.3 * np.eye(3)[labels]
    f1 = metrics.F1Score(average="macro")(np.eye(3)[labels], scores)
    assert float(f1) == pytest.approx(skm.f1_score(labels, scores.argmax(1), average="macro"),
                                      rel=1e-5)
    assert metrics.get("f1_score").name == "f1_score"
