"""One rate at a constraint on another, over a grid of thresholds: SensitivityAtSpecificity,
SpecificityAtSensitivity, PrecisionAtRecall and RecallAtPrecision.

Each keeps weighted confusion counts at `num_thresholds` evenly spaced cuts of [0, 1] and
reports the best value of one rate among the cuts where the other meets the target.
"""

from __future__ import annotations

import numpy as np

from numen.metrics_base import Metric
from numen.metrics_confusion import _divide_no_nan, confusion_counts, confusion_inputs


def _even_counts(labels, y_pred, weights, num_thresholds):
    """(tp, fp, tn, fn) at thresholds i / (num_thresholds - 1), a prediction counting as
    positive above a threshold; buckets computed in float32, as Keras does."""
    scaled = np.clip(y_pred.astype(np.float32), 0.0, 1.0) * np.float32(num_thresholds - 1)
    bucket = np.ceil(scaled).astype(np.int64) - 1
    keep = bucket >= 0  # a prediction of 0 is positive at no threshold
    pos = np.bincount(bucket[keep], weights=(weights * labels)[keep], minlength=num_thresholds)
    neg = np.bincount(bucket[keep], weights=(weights * ~labels)[keep], minlength=num_thresholds)
    tp, fp = np.cumsum(pos[::-1])[::-1], np.cumsum(neg[::-1])[::-1]
    return tp, fp, (weights * ~labels).sum() - fp, (weights * labels).sum() - tp


class _RateAtRate(Metric):
    """Running counts at the thresholds; subclasses pick the constrained and reported rates."""

    _target_name = "value"

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        owner = type(self).__name__
        if not 0 <= value <= 1:
            raise ValueError(f"{owner}: {self._target_name} must lie in [0, 1], received "
                             f"{value!r}")
        if num_thresholds <= 0:
            raise ValueError(f"{owner}: num_thresholds must be an int > 0, received "
                             f"{num_thresholds!r}")
        self.value, self.num_thresholds, self.class_id = value, num_thresholds, class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0, *inner, 1.0]
        super().__init__(name=name, dtype=dtype)

    _state_attrs = (
        ("tp", "true_positives"),
        ("fp", "false_positives"),
        ("tn", "true_negatives"),
        ("fn", "false_negatives"),
    )

    def reset_state(self):
        n = len(self.thresholds)
        self.tp, self.fp, self.tn, self.fn = (np.zeros(n) for _ in range(4))

    _init_state = reset_state

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, y_pred, w = confusion_inputs(y_true, y_pred, sample_weight,
                                             class_id=self.class_id, owner=self.name)
        labels, y_pred, w = labels.ravel(), y_pred.ravel(), w.ravel()
        if self.num_thresholds == 1:
            new = confusion_counts(labels, y_pred, w, np.asarray(self.thresholds))
        else:
            new = _even_counts(labels, y_pred, w, self.num_thresholds)
        self.tp, self.fp, self.tn, self.fn = (
            a + b for a, b in zip((self.tp, self.fp, self.tn, self.fn), new))

    def _rates(self):
        return {"sensitivity": _divide_no_nan(self.tp, self.tp + self.fn),
                "specificity": _divide_no_nan(self.tn, self.tn + self.fp),
                "precision": _divide_no_nan(self.tp, self.tp + self.fp)}

    def _best(self, constrained, reported):
        rates = self._rates()
        feasible = rates[constrained] >= self.value
        return self._scalar(np.max(np.where(feasible, rates[reported], 0.0), initial=0.0))

    def get_config(self) -> dict:
        return {**super().get_config(), "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._target_name: self.value}


class SensitivityAtSpecificity(_RateAtRate):
    """The best sensitivity (recall) among thresholds whose specificity is >= `specificity`.

    >>> m = SensitivityAtSpecificity(0.5, num_thresholds=3)
    >>> float(m([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9]))
    0.5
    """

    _target_name = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)
        self.specificity = specificity

    def result(self):
        return self._best("specificity", "sensitivity")


class SpecificityAtSensitivity(_RateAtRate):
    """The best specificity among thresholds whose sensitivity is >= `sensitivity`."""

    _target_name = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)
        self.sensitivity = sensitivity

    def result(self):
        return self._best("sensitivity", "specificity")


class PrecisionAtRecall(_RateAtRate):
    """The best precision among thresholds whose recall is >= `recall`."""

    _target_name = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)
        self.recall = recall

    def result(self):
        return self._best("sensitivity", "precision")


class RecallAtPrecision(_RateAtRate):
    """The best recall among thresholds whose precision is >= `precision`."""

    _target_name = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)
        self.precision = precision

    def result(self):
        return self._best("precision", "sensitivity")
