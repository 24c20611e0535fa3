"""Overlap losses for segmentation: Dice and its asymmetric generalisation, Tversky."""

from __future__ import annotations

from numen import backend, ops
from numen.losses.classes import LossFunctionWrapper
from numen.losses.functions import _pair


def dice(y_true, y_pred, axis=None):
    """1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + eps), summed over `axis`.

    axis=None sums over everything (one value for the whole batch); a tuple such as (1, 2)
    gives one value per sample and channel.

    >>> round(float(dice([[1.0, 0.0]], [[1.0, 0.0]]).data), 6)
    0.0
    """
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    overlap = ops.sum(y_true * y_pred, axis=axis)
    total = ops.sum(y_true, axis=axis) + ops.sum(y_pred, axis=axis)
    return 1.0 - ops.divide(2.0 * overlap, total + backend.epsilon())


def tversky(y_true, y_pred, alpha: float = 0.5, beta: float = 0.5, axis=None):
    """1 - TP / (TP + alpha * FP + beta * FN), with soft counts summed over `axis`.

    Here FP = sum((1 - y_pred) * y_true) and FN = sum(y_pred * (1 - y_true)), Keras's
    convention; alpha = beta = 0.5 is the Dice loss.

    >>> round(float(tversky([[1.0, 0.0]], [[1.0, 0.0]]).data), 6)
    0.0
    """
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    tp = ops.sum(y_true * y_pred, axis=axis)
    fp = ops.sum((1.0 - y_pred) * y_true, axis=axis)
    fn = ops.sum(y_pred * (1.0 - y_true), axis=axis)
    return 1.0 - ops.divide(tp, tp + fp * alpha + fn * beta + backend.epsilon())


class Dice(LossFunctionWrapper):
    """The `dice` loss (see there for `axis`).

    >>> float(Dice()([[1.0, 0.0]], [[0.0, 1.0]]).data)
    1.0
    """

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, reduction, name, dtype, axis=axis)


class Tversky(LossFunctionWrapper):
    """The `tversky` loss: alpha weighs the false positives, beta the false negatives."""

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(tversky, reduction, name, dtype, alpha=alpha, beta=beta, axis=axis)
