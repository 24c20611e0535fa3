"""Focal cross-entropies (Lin et al., 2018) and the generalized cross-entropy (Zhang & Sabuncu,
2018): cross-entropies that weigh down the samples a model already gets right."""

from __future__ import annotations

import warnings

from numen import ops
from numen.autodiff import as_tensor
from numen.losses.classes import LossFunctionWrapper
from numen.losses.functions import _as_pred, _clip_probs, _pair


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing: bool = False,
                              alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                              label_smoothing: float = 0.0, axis: int = -1):
    """Binary cross-entropy scaled by (1 - p_t)**gamma, averaged over `axis`.

    p_t is the probability given to the true class, so confident right answers count little.
    With `apply_class_balancing`, positives are also weighted by `alpha` and negatives by
    `1 - alpha`. gamma=0 without balancing is the plain binary cross-entropy.

    >>> float(binary_focal_crossentropy([[1.0]], [[0.5]], gamma=0.0).data[0])  # log 2
    0.6931...
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = ops.binary_crossentropy(y_true, y_pred, from_logits=False)
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal = ops.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return ops.mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha: float = 0.25, gamma: float = 2.0,
                                   from_logits: bool = False, label_smoothing: float = 0.0,
                                   axis: int = -1):
    """Categorical cross-entropy with each class term scaled by alpha * (1 - p)**gamma.

    Probabilities are renormalised along `axis` and clipped to [eps, 1 - eps], as in
    `categorical_crossentropy`.

    Raises:
        ValueError: `axis` is a bool.

    >>> categorical_focal_crossentropy([[0.0, 1.0]], [[0.5, 0.5]]).shape
    (1,)
    """
    if isinstance(axis, bool):
        raise ValueError(f"categorical_focal_crossentropy: axis must be an int, received "
                         f"{axis!r}")
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    if y_pred.shape and y_pred.shape[-1] == 1:
        warnings.warn("categorical_focal_crossentropy: y_pred has one class (shape "
                      f"{y_pred.shape}); binary_focal_crossentropy suits two-class problems",
                      SyntaxWarning, stacklevel=2)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    p = _clip_probs(y_pred / ops.sum(y_pred, axis=axis, keepdims=True))
    weight = alpha * ops.power(1.0 - p, gamma)
    return ops.sum(weight * (-y_true * ops.log(p)), axis=axis)


def categorical_generalized_cross_entropy(y_true, y_pred, q: float):
    """(1 - p**q) / q, p being the probability y_pred gives the integer label y_true.

    q -> 0 recovers the cross-entropy, q = 1 the mean absolute error; values between are
    robust to noisy labels.

    >>> float(categorical_generalized_cross_entropy([1], [[0.0, 1.0]], q=0.5).data[0])
    0.0
    """
    y_pred = _as_pred(y_pred)
    labels = ops.cast(as_tensor(y_true, like=y_pred.data), "int32")
    one_hot = ops.one_hot(labels, y_pred.shape[-1], dtype=y_pred.dtype)
    p = ops.sum(y_pred * one_hot, axis=-1)
    return (1.0 - ops.power(p, q)) / q


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """The mean `binary_focal_crossentropy` (see there for the arguments).

    >>> float(BinaryFocalCrossentropy(gamma=0.0)([[1.0]], [[0.5]]).data)
    0.6931...
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, reduction, name, dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """The mean `categorical_focal_crossentropy` (see there for the arguments)."""

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(categorical_focal_crossentropy, reduction, name, dtype, alpha=alpha,
                         gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """The mean `categorical_generalized_cross_entropy` of integer labels.

    Args:
        q: in (0, 1); small q behaves like the cross-entropy, q near 1 like the MAE.

    Raises:
        ValueError: q outside (0, 1).
    """

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy: q must lie in (0, 1), "
                             f"received {q!r}")
        super().__init__(categorical_generalized_cross_entropy, reduction, name, dtype, q=q)

    def call(self, y_true, y_pred):
        # Integer labels (N,) against (N, classes): no broadcasting check applies.
        return self.fn(y_true, y_pred, **self.fn_kwargs)

