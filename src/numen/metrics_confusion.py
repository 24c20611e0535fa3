"""Metrics built on confusion counts at thresholds: Precision, Recall, AUC."""

from __future__ import annotations

import numpy as np

from numen.metrics import Metric, _align, _np, _weights_like


def _thresholded(y_true, y_pred, thresholds, top_k=None, class_id=None):
    """y_true as bool and, per threshold, y_pred > threshold, both flattened, plus weights."""
    y_true, y_pred = _align(y_true, y_pred)
    y_true = y_true.astype(bool) if y_true.dtype == bool else y_true > 0.5
    if top_k is not None:
        kth = np.sort(y_pred, axis=-1)[..., -top_k][..., None]
        y_pred = np.where(y_pred >= kth, y_pred, -np.inf)
    if class_id is not None:
        y_true, y_pred = y_true[..., class_id], y_pred[..., class_id]
    return y_true.reshape(-1), y_pred.reshape(-1)


class _ConfusionMetric(Metric):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        self.init_thresholds = thresholds
        t = 0.5 if thresholds is None else thresholds
        self.thresholds = np.atleast_1d(np.asarray(t, dtype=np.float64))
        self.top_k, self.class_id = top_k, class_id
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        n = len(self.thresholds)
        self.tp, self.fp, self.tn, self.fn = (np.zeros(n) for _ in range(4))

    def update_state(self, y_true, y_pred, sample_weight=None):
        yt, yp = _thresholded(y_true, y_pred, self.thresholds, self.top_k, self.class_id)
        w = np.ones(yt.shape) if sample_weight is None else np.broadcast_to(
            _weights_like(sample_weight, np.asarray(_align(y_true, y_pred)[0], float)), (
                np.asarray(_align(y_true, y_pred)[0]).shape)).reshape(-1)[: yt.size]
        pred = yp[None, :] > self.thresholds[:, None]
        self.tp += ((pred & yt) * w).sum(1)
        self.fp += ((pred & ~yt) * w).sum(1)
        self.fn += ((~pred & yt) * w).sum(1)
        self.tn += ((~pred & ~yt) * w).sum(1)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


def _ratio(a, b):
    return np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)


class Precision(_ConfusionMetric):
    def result(self):
        r = _ratio(self.tp, self.tp + self.fp)
        return np.float32(r[0]) if r.size == 1 else r.astype(np.float32)


class Recall(_ConfusionMetric):
    def result(self):
        r = _ratio(self.tp, self.tp + self.fn)
        return np.float32(r[0]) if r.size == 1 else r.astype(np.float32)


class AUC(_ConfusionMetric):
    """Area under the ROC or PR curve, from counts at `num_thresholds` evenly spaced cuts."""

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        if curve not in ("ROC", "PR"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR', received {curve!r}")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"AUC: unknown summation_method {summation_method!r}")
        if num_thresholds <= 1:
            raise ValueError(f"AUC: num_thresholds must be > 1, received {num_thresholds}")
        self.num_thresholds, self.curve = num_thresholds, curve
        self.summation_method, self.from_logits = summation_method, from_logits
        eps = 1e-7
        inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        cuts = [0.0 - eps] + inner + [1.0 + eps] if thresholds is None else list(thresholds)
        super().__init__(thresholds=cuts, name=name or "auc", dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.from_logits:
            y_pred = 1 / (1 + np.exp(-np.asarray(_np(y_pred), dtype=np.float64)))
        super().update_state(y_true, y_pred, sample_weight)

    def result(self):
        tp, fp, tn, fn = self.tp, self.fp, self.tn, self.fn
        if self.curve == "PR" and self.summation_method == "interpolation":
            return np.float32(self._pr_interpolated())
        if self.curve == "ROC":
            x, y = _ratio(fp, fp + tn), _ratio(tp, tp + fn)
        else:
            x, y = _ratio(tp, tp + fn), _ratio(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return np.float32(((x[:-1] - x[1:]) * heights).sum())

    def _pr_interpolated(self):
        # Davis & Goadrich: precision interpolated along the line between consecutive points.
        tp, fp, fn = self.tp, self.fp, self.fn
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _ratio(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        safe_p = np.where((p[:-1] > 0) & (p[1:] > 0), 1, 0)
        ratio = _ratio(p[:-1], np.maximum(p[1:], 0)) * safe_p + (1 - safe_p)
        log_term = np.log(np.where(ratio > 0, ratio, 1))
        area = _ratio(slope * (dtp + intercept * log_term), tp[1:] + fn[1:])
        return float(area.sum())

    def get_config(self):
        return {"num_thresholds": self.num_thresholds, "curve": self.curve,
                "summation_method": self.summation_method, "name": self.name,
                "from_logits": self.from_logits}
