"""Metrics built on weighted confusion counts at thresholds: TP/FP/TN/FN, Precision, Recall, AUC.

A prediction counts as positive at threshold t when y_pred > t; a label is positive when it is
non-zero. Counts for all thresholds come from one sort-free pass: each prediction falls into
the bucket of thresholds it exceeds, and a reversed cumulative sum turns buckets into counts.
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.metrics_base import Metric, align_ranks, to_numpy, zeros_like_state

NEG_INF = -1e10


def _check_thresholds(thresholds, owner):
    values = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    bad = values[(values < 0) | (values > 1) | np.isnan(values)]
    if bad.size:
        raise ValueError(f"{owner}: thresholds must lie in [0, 1], received {bad.tolist()}")
    return values


def _keep_top_k(y_pred, k):
    """y_pred with everything outside each row's k largest entries set to NEG_INF."""
    order = np.argsort(-y_pred, axis=-1, kind="stable")
    keep = np.zeros(y_pred.shape, dtype=bool)
    np.put_along_axis(keep, order[..., :k], True, axis=-1)
    return np.where(keep, y_pred, NEG_INF)


def confusion_inputs(y_true, y_pred, sample_weight, top_k=None, class_id=None, owner="metric"):
    """Labels (bool), predictions and weights, all shaped alike, after top_k and class_id.

    Sample weights may be one per sample, or shaped like y_pred; they broadcast over the rest.
    """
    y_pred = to_numpy(y_pred).astype(np.float64)
    y_pred, y_true = align_ranks(y_pred, to_numpy(y_true))
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{owner}: y_true has shape {y_true.shape} but y_pred has shape "
                         f"{y_pred.shape}; expected the same shape")
    if sample_weight is None:
        w = np.ones(y_pred.shape)
    else:
        w = to_numpy(sample_weight).astype(np.float64)
        # One weight per sample lines up with the first axes of y_pred; trailing axes broadcast.
        while w.ndim < y_pred.ndim:
            w = w[..., None]
        if w.ndim == y_pred.ndim + 1 and w.shape[-1] == 1:
            w = w[..., 0]
        try:
            w = np.broadcast_to(w, y_pred.shape)
        except ValueError:
            raise ValueError(f"{owner}: sample_weight has shape {np.shape(sample_weight)}, which "
                             f"does not broadcast to y_pred's shape {y_pred.shape}") from None
    if top_k is not None:
        y_pred = _keep_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim < 2 or not 0 <= class_id < y_pred.shape[-1]:
            raise ValueError(f"{owner}: class_id={class_id} needs y_pred of shape "
                             f"(num_samples, num_classes > class_id), received {y_pred.shape}")
        y_true, y_pred, w = y_true[..., class_id], y_pred[..., class_id], w[..., class_id]
    return y_true != 0, y_pred, w


def confusion_counts(labels, y_pred, weights, thresholds):
    """Weighted (tp, fp, tn, fn), one entry per threshold, for flat arrays."""
    order = np.argsort(thresholds)
    # How many thresholds each prediction strictly exceeds: y_pred > t[order][j] iff j < bucket.
    bucket = np.searchsorted(thresholds[order], y_pred, side="left")
    n = len(thresholds)
    pos = np.bincount(bucket, weights=weights * labels, minlength=n + 1)
    neg = np.bincount(bucket, weights=weights * ~labels, minlength=n + 1)
    tp_sorted = np.cumsum(pos[::-1])[::-1][1:]
    fp_sorted = np.cumsum(neg[::-1])[::-1][1:]
    tp, fp = np.empty(n), np.empty(n)
    tp[order], fp[order] = tp_sorted, fp_sorted
    return tp, fp, neg.sum() - fp, pos.sum() - tp


def _divide_no_nan(a, b):
    return np.where(b != 0, a / np.where(b != 0, b, 1), 0.0)


class _ConfusionMetric(Metric):
    """Running confusion counts at `thresholds`, optionally on the top_k or one class_id."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        self.init_thresholds = thresholds
        self.top_k, self.class_id = top_k, class_id
        if thresholds is not None:
            self.thresholds = _check_thresholds(thresholds, type(self).__name__)
        else:
            # With top_k every kept prediction counts as positive, whatever its value.
            self.thresholds = np.array([0.5 if top_k is None else NEG_INF])
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        n = len(self.thresholds)
        self.tp, self.fp, self.tn, self.fn = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)

    _init_state = reset_state

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, y_pred, w = confusion_inputs(y_true, y_pred, sample_weight, self.top_k,
                                             self.class_id, self.name)
        counts = confusion_counts(labels.ravel(), y_pred.ravel(), w.ravel(), self.thresholds)
        for total, new in zip((self.tp, self.fp, self.tn, self.fn), counts):
            total += new

    def _per_threshold(self, values):
        values = np.asarray(values, dtype=self.dtype)
        return values[0] if values.size == 1 else values

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class _CountMetric(_ConfusionMetric):
    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)


class TruePositives(_CountMetric):
    """Weighted count of positive labels predicted positive (y_pred > threshold)."""

    _state_attrs = (("tp", "accumulator"),)

    def result(self):
        return self._per_threshold(self.tp)


class FalsePositives(_CountMetric):
    """Weighted count of negative labels predicted positive."""

    _state_attrs = (("fp", "accumulator"),)

    def result(self):
        return self._per_threshold(self.fp)


class TrueNegatives(_CountMetric):
    """Weighted count of negative labels predicted negative."""

    _state_attrs = (("tn", "accumulator"),)

    def result(self):
        return self._per_threshold(self.tn)


class FalseNegatives(_CountMetric):
    """Weighted count of positive labels predicted negative."""

    _state_attrs = (("fn", "accumulator"),)

    def result(self):
        return self._per_threshold(self.fn)


class _PrecisionRecall(_ConfusionMetric):
    def get_config(self) -> dict:
        return {**super().get_config(), "top_k": self.top_k, "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """tp / (tp + fp) at each threshold (0.5 by default); 0 when nothing was predicted positive.

    >>> float(Precision()([0, 1, 1, 1], [1, 0, 1, 1]))
    0.6666...
    """

    _state_attrs = (("tp", "true_positives"), ("fp", "false_positives"))

    def result(self):
        return self._per_threshold(_divide_no_nan(self.tp, self.tp + self.fp))


class Recall(_PrecisionRecall):
    """tp / (tp + fn) at each threshold (0.5 by default); 0 when there were no positives."""

    _state_attrs = (("tp", "true_positives"), ("fn", "false_negatives"))

    def result(self):
        return self._per_threshold(_divide_no_nan(self.tp, self.tp + self.fn))


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from counts at `num_thresholds` cuts.

    Args:
        num_thresholds: evenly spaced cuts in [0, 1] (ignored when `thresholds` is given).
        curve: 'ROC' or 'PR'.
        summation_method: 'interpolation' (trapezoids; for PR, Davis & Goadrich's
            interpolation), 'minoring' or 'majoring'.
        multi_label: score each column of a (N, L) input separately and average the AUCs
            (weighted by `label_weights`); otherwise all entries are pooled.
        label_weights: per-column weights (pooled: weight the entries; multi-label: weight the
            average).
        from_logits: apply a sigmoid to y_pred first.
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        if curve not in ("ROC", "PR"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR', received {curve!r}")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError("AUC: summation_method must be 'interpolation', 'minoring' or "
                             f"'majoring', received {summation_method!r}")
        eps = backend.epsilon()
        if thresholds is not None:
            inner = sorted(_check_thresholds(thresholds, "AUC").tolist())
            num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise ValueError(f"AUC: num_thresholds must be > 1, received {num_thresholds}")
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.init_thresholds = thresholds
        self.thresholds = np.array([0.0 - eps, *inner, 1.0 + eps])
        self.num_thresholds, self.curve = num_thresholds, curve
        self.summation_method, self.from_logits = summation_method, from_logits
        self.multi_label, self.num_labels = multi_label, num_labels
        self.label_weights = None if label_weights is None else np.asarray(label_weights, float)
        super().__init__(name=name, dtype=dtype)

    _state_attrs = (
        ("tp", "true_positives"),
        ("fp", "false_positives"),
        ("tn", "true_negatives"),
        ("fn", "false_negatives"),
    )

    def reset_state(self):
        # Counts are (num_thresholds,) pooled, or (num_thresholds, num_labels) multi-label,
        # created on the first update when the number of labels is not given.
        shape = (self.num_thresholds,) if not self.multi_label else \
            (self.num_thresholds, self.num_labels) if self.num_labels else None
        self.tp = self.fp = self.tn = self.fn = zeros_like_state(getattr(self, "tp", None))
        if shape is not None:
            self.tp, self.fp, self.tn, self.fn = (np.zeros(shape) for _ in range(4))

    _init_state = reset_state

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = to_numpy(y_pred).astype(np.float64)
        if self.from_logits:
            y_pred = 0.5 * (1.0 + np.tanh(0.5 * y_pred))  # sigmoid without overflow
        labels, y_pred, w = confusion_inputs(y_true, np.clip(y_pred, 0.0, 1.0), sample_weight,
                                             owner=self.name)
        if self.multi_label:
            if y_pred.ndim != 2:
                raise ValueError(f"{self.name}: multi_label=True needs inputs of shape "
                                 f"(num_samples, num_labels), received {y_pred.shape}")
            counts = [confusion_counts(labels[:, j], y_pred[:, j], w[:, j], self.thresholds)
                      for j in range(y_pred.shape[1])]
            new = [np.stack(c, axis=1) for c in zip(*counts)]
        else:
            if self.label_weights is not None:
                w = w * self.label_weights
            new = confusion_counts(labels.ravel(), y_pred.ravel(), w.ravel(), self.thresholds)
        if self.tp is None:
            self.tp, self.fp, self.tn, self.fn = (np.zeros_like(c) for c in new)
        self.tp, self.fp, self.tn, self.fn = (
            a + b for a, b in zip((self.tp, self.fp, self.tn, self.fn), new))

    def result(self):
        if self.tp is None:
            return self._scalar(0.0)
        area = self._pr_interpolated() if (
            self.curve == "PR" and self.summation_method == "interpolation") else self._riemann()
        if self.multi_label:
            if self.label_weights is None:
                area = area.mean()
            else:
                area = _divide_no_nan((area * self.label_weights).sum(), self.label_weights.sum())
        return self._scalar(area)

    def _riemann(self):
        tp, fp, tn, fn = self.tp, self.fp, self.tn, self.fn
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return ((x[:-1] - x[1:]) * heights).sum(axis=0)

    def _pr_interpolated(self):
        # Davis & Goadrich (2006): precision varies along each segment as tp grows linearly
        # with the number of predicted positives, which integrates to a log term.
        tp, fp, fn = self.tp, self.fp, self.fn
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both, _divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        log_ratio = np.log(np.where(ratio > 0, ratio, 1.0))
        area = _divide_no_nan(slope * (dtp + intercept * log_ratio), np.maximum(tp[1:] + fn[1:], 0))
        return area.sum(axis=0)

    def get_config(self) -> dict:
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": None if self.label_weights is None
                  else self.label_weights.tolist(),
                  "from_logits": self.from_logits}
        if self.init_thresholds is not None:
            config["thresholds"] = list(self.thresholds[1:-1])
        return config


class FBetaScore(Metric):
    """F-beta score per class of (N, num_classes) inputs, from running per-class counts.

    Args:
        average: None (one score per class), 'micro' (pool the counts), 'macro' (mean of the
            class scores) or 'weighted' (mean weighted by each class's positive count).
        beta: weight of recall relative to precision (> 0).
        threshold: y_pred > threshold is positive; None marks each row's highest score.
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("FBetaScore: average must be None, 'micro', 'macro' or 'weighted', "
                             f"received {average!r}")
        if not beta > 0:
            raise ValueError(f"FBetaScore: beta must be > 0, received {beta!r}")
        if threshold is not None and not 0 < threshold <= 1:
            raise ValueError(f"FBetaScore: threshold must lie in (0, 1], received {threshold!r}")
        self.average, self.beta, self.threshold = average, beta, threshold
        super().__init__(name=name, dtype=dtype)

    _state_attrs = (
        ("tp", "true_positives"),
        ("fp", "false_positives"),
        ("fn", "false_negatives"),
        ("support", "intermediate_weights"),
    )

    def reset_state(self):
        # Per-class counts, sized on the first update once the number of classes is known.
        self.tp = self.fp = self.fn = self.support = zeros_like_state(getattr(self, "tp", None))

    _init_state = reset_state

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = to_numpy(y_true).astype(np.float64), to_numpy(y_pred).astype(np.float64)
        if y_true.ndim != 2 or y_true.shape != y_pred.shape:
            raise ValueError(f"{self.name}: expected y_true and y_pred of the same shape "
                             f"(num_samples, num_classes), received {y_true.shape} and "
                             f"{y_pred.shape}")
        if self.threshold is None:
            # Zero rows stay all-negative rather than all tying for the maximum.
            pred = (y_pred >= y_pred.max(-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
        else:
            pred = y_pred > self.threshold
        w = np.ones((len(y_true), 1)) if sample_weight is None else \
            to_numpy(sample_weight).astype(np.float64).reshape(len(y_true), -1)
        pred = pred.astype(np.float64)
        if self.tp is None:
            self.tp = self.fp = self.fn = self.support = np.zeros(y_true.shape[1])
        self.tp = self.tp + (pred * y_true * w).sum(0)
        self.fp = self.fp + (pred * (1 - y_true) * w).sum(0)
        self.fn = self.fn + ((1 - pred) * y_true * w).sum(0)
        self.support = self.support + (y_true * w).sum(0)

    def result(self):
        tp, fp, fn = (np.atleast_1d(np.asarray(0.0 if v is None else v, dtype=np.float64))
                      for v in (self.tp, self.fp, self.fn))
        if self.average == "micro":
            tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
        eps = backend.epsilon()
        precision, recall = tp / (tp + fp + eps), tp / (tp + fn + eps)
        b2 = self.beta**2
        score = (1 + b2) * _divide_no_nan(precision * recall, b2 * precision + recall)
        if self.average == "weighted":
            support = np.atleast_1d(np.asarray(0.0 if self.support is None else self.support,
                                               dtype=np.float64))
            score = (score * _divide_no_nan(support, support.sum())).sum()
        elif self.average is not None:
            score = np.mean(score)
        return np.asarray(score, dtype=self.dtype)[()]

    def get_config(self) -> dict:
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """FBetaScore with beta = 1."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config
