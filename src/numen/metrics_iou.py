"""Intersection-over-union metrics from a running confusion matrix: IoU, MeanIoU, BinaryIoU,
OneHotIoU and OneHotMeanIoU.

For class c, IoU = TP / (TP + FP + FN) read off the (num_classes, num_classes) matrix whose
rows are true classes and columns predicted ones. As in Keras the matrix has the metric's dtype
(int32 by default, so fractional sample weights are truncated) and results are float32.
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.metrics_base import Metric, to_numpy


class _IoUBase(Metric):
    """The running confusion matrix of integer (or, on request, one-hot) labels."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        if not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
            raise ValueError(f"{type(self).__name__}: num_classes must be a positive int, "
                             f"received {num_classes!r}")
        self.num_classes = int(num_classes)
        self.ignore_class = ignore_class
        self.sparse_y_true, self.sparse_y_pred = sparse_y_true, sparse_y_pred
        self.axis = axis
        super().__init__(name=name, dtype=dtype or "int32")

    _state_attrs = (("total_cm", "total_confusion_matrix", "int32"),)

    def reset_state(self):
        self.total_cm = np.zeros((self.num_classes, self.num_classes), dtype=self.dtype)

    _init_state = reset_state

    def _classes(self, y, sparse):
        y = to_numpy(y)
        if not sparse:
            y = np.argmax(y, axis=self.axis)
        return y.astype(self.dtype).reshape(-1)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = self._classes(y_true, self.sparse_y_true)
        y_pred = self._classes(y_pred, self.sparse_y_pred)
        if y_true.shape != y_pred.shape:
            raise ValueError(f"{self.name}: y_true has {y_true.size} labels but y_pred has "
                             f"{y_pred.size}; expected one prediction per label")
        w = np.ones((), self.dtype) if sample_weight is None else \
            to_numpy(sample_weight).astype(self.dtype).reshape(-1)
        try:
            w = np.broadcast_to(w, y_true.shape)
        except ValueError:
            raise ValueError(f"{self.name}: sample_weight has {w.size} entries, expected one "
                             f"per label ({y_true.size})") from None
        # Labels or predictions outside [0, num_classes), and the ignored class, do not count.
        keep = (y_true >= 0) & (y_true < self.num_classes) & (y_pred >= 0) & \
            (y_pred < self.num_classes)
        if self.ignore_class is not None:
            keep &= y_true != self.ignore_class
        flat = (y_true[keep] * self.num_classes + y_pred[keep]).astype(np.int64)
        counts = np.bincount(flat, weights=w[keep], minlength=self.num_classes**2)
        self.total_cm += counts.reshape(self.num_classes, self.num_classes).astype(self.dtype)


class IoU(_IoUBase):
    """Mean IoU over `target_class_ids`, classes never seen (empty union) left out.

    Args:
        num_classes: number of classes; labels are integers in [0, num_classes).
        target_class_ids: the classes whose IoU is averaged.
        ignore_class: a label value left out of the counts (e.g. a "void" class).
        sparse_y_true, sparse_y_pred: False when that side holds scores per class (argmax
            along `axis` gives the class).

    Raises:
        ValueError: a target class id outside [0, num_classes).

    >>> m = IoU(num_classes=2, target_class_ids=[0]); m.update_state([0, 0, 1], [0, 1, 1])
    >>> round(float(m.result()), 6)
    0.5
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        ids = list(target_class_ids)
        if not ids or max(ids) >= num_classes or min(ids) < 0:
            raise ValueError(f"{type(self).__name__}: target_class_ids must lie in "
                             f"[0, {num_classes}), received {ids}")
        self.target_class_ids = ids

    def result(self):
        cm = self.total_cm.astype(np.float64)
        tp = np.diag(cm)
        union = cm.sum(0) + cm.sum(1) - tp
        tp, union = tp[self.target_class_ids], union[self.target_class_ids]
        valid = union > 1e-9
        eps = backend.epsilon()
        iou = np.where(valid, tp / (union + eps), 0.0)
        return np.float32(iou.sum() / (valid.sum() + eps))

    def get_config(self) -> dict:
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of two classes from probabilities: y_pred >= threshold is class 1.

    >>> round(float(BinaryIoU()([0, 1, 1], [0.2, 0.7, 0.3])), 6)
    0.5
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name,
                         dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = (to_numpy(y_pred).astype(np.float32) >= self.threshold).astype(self.dtype)
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self) -> dict:
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """IoU averaged over all `num_classes` classes (those never seen are left out).

    >>> round(float(MeanIoU(num_classes=2)([0, 0, 1, 1], [0, 1, 0, 1])), 6)
    0.333333
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """IoU over `target_class_ids` with one-hot y_true and per-class scores in y_pred."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """MeanIoU with one-hot y_true and per-class scores in y_pred."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self) -> dict:
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}
