"""Stateful metrics (update_state / result / reset_state) with Keras 3's names and log names.

Metric state is plain float64 NumPy values on the host: metrics are bookkeeping, not part of the
differentiable graph, and keeping them off the graph makes each update a few microseconds.
Results come back as NumPy scalars of the metric's dtype (float32 by default).
"""

from __future__ import annotations

import numpy as np

from numen import backend, losses
from numen.metrics_base import (  # noqa: F401  (re-exported: numen.metrics is the public face)
    Mean,
    MeanMetricWrapper,
    Metric,
    Sum,
    _pair,
    align_ranks,
    samplewise,
    to_numpy,
)
from numen.metrics_confusion import (  # noqa: F401
    AUC,
    F1Score,
    FalseNegatives,
    FalsePositives,
    FBetaScore,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from numen.metrics_iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU  # noqa: F401
from numen.metrics_regression import (  # noqa: F401
    ConcordanceCorrelation,
    PearsonCorrelation,
    R2Score,
    concordance_correlation,
    pearson_correlation,
)
from numen.metrics_threshold import (  # noqa: F401
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)


# -- metric functions: arrays in, per-sample (or per-entry) values out ---------------------------
def accuracy(y_true, y_pred):
    """1.0 where y_pred equals y_true exactly, else 0.0."""
    y_true, y_pred = _pair(y_true, y_pred)
    return (y_true == y_pred).astype(np.float32)


def binary_accuracy(y_true, y_pred, threshold: float = 0.5):
    """1.0 where (y_pred > threshold) equals y_true (labels 0/1), per entry."""
    y_true, y_pred = _pair(y_true, y_pred)
    return (y_true == (y_pred > threshold).astype(y_true.dtype)).astype(np.float32)


def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) equals argmax(y_true) (one-hot targets)."""
    y_true, y_pred = to_numpy(y_true), to_numpy(y_pred)
    return (y_true.argmax(-1) == y_pred.argmax(-1)).astype(np.float32)


def _sparse_targets(y_true, y_pred):
    y_true = to_numpy(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return y_true


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) equals the integer label."""
    y_pred = to_numpy(y_pred)
    y_true = _sparse_targets(y_true, y_pred)
    return (y_true == y_pred.argmax(-1)).astype(np.float32)


def _in_top_k(labels, y_pred, k):
    # A label is in the top k when fewer than k classes score strictly higher (ties count in).
    labels = labels.astype(np.int64)
    target = np.take_along_axis(y_pred, labels[..., None], -1)
    return ((y_pred > target).sum(-1) < k).astype(np.float32)


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5):
    """1.0 where the one-hot target's class is among the k highest predictions."""
    y_pred = to_numpy(y_pred)
    return _in_top_k(to_numpy(y_true).argmax(-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = 5, from_sorted_ids: bool = False):
    """1.0 where the integer label is among the k highest predictions.

    With `from_sorted_ids`, y_pred already holds class ids sorted by score (best first).
    """
    y_pred = to_numpy(y_pred)
    y_true = _sparse_targets(y_true, y_pred)
    if from_sorted_ids:
        return (y_pred[..., :k] == y_true[..., None]).any(-1).astype(np.float32)
    return _in_top_k(y_true, y_pred, k)


def cosine_similarity(y_true, y_pred, axis: int = -1):
    """sum(l2_normalize(y_true) * l2_normalize(y_pred)) along `axis` (1 means identical)."""
    y_true, y_pred = _pair(y_true, y_pred)
    eps = backend.epsilon()
    t = y_true / np.sqrt(np.maximum((y_true**2).sum(axis, keepdims=True), eps))
    p = y_pred / np.sqrt(np.maximum((y_pred**2).sum(axis, keepdims=True), eps))
    return (t * p).sum(axis)


# The loss functions double as metric functions (Keras exports them under keras.metrics too).
mean_squared_error = losses.mean_squared_error
mean_absolute_error = losses.mean_absolute_error
mean_absolute_percentage_error = losses.mean_absolute_percentage_error
mean_squared_logarithmic_error = losses.mean_squared_logarithmic_error
binary_crossentropy = losses.binary_crossentropy
categorical_crossentropy = losses.categorical_crossentropy
sparse_categorical_crossentropy = losses.sparse_categorical_crossentropy
kl_divergence = losses.kl_divergence
poisson = losses.poisson
hinge = losses.hinge
squared_hinge = losses.squared_hinge
categorical_hinge = losses.categorical_hinge
huber = losses.huber
log_cosh = losses.log_cosh
binary_focal_crossentropy = losses.binary_focal_crossentropy
categorical_focal_crossentropy = losses.categorical_focal_crossentropy
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error


# -- metric classes ------------------------------------------------------------------------------
class Accuracy(MeanMetricWrapper):
    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)


class MeanSquaredError(MeanMetricWrapper):
    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)


class LogCoshError(MeanMetricWrapper):
    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """sqrt of the weighted mean squared error over everything seen."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _pair(y_true, y_pred)
        super().update_state(np.square(y_pred - y_true), sample_weight)

    def result(self):
        return self._scalar(np.sqrt(self.total / self.count) if self.count else 0.0)


class BinaryCrossentropy(MeanMetricWrapper):
    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 axis=-1):
        super().__init__(sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, axis=axis)


class KLDivergence(MeanMetricWrapper):
    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    def __init__(self, name="poisson", dtype=None):
        super().__init__(poisson, name=name, dtype=dtype)


class Hinge(MeanMetricWrapper):
    def __init__(self, name="hinge", dtype=None):
        super().__init__(hinge, name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, dtype=dtype)


# -- lookup --------------------------------------------------------------------------------------
# Every public Metric class of this module (the bases excepted) loads by name.
_CLASSES = {name: obj for name, obj in list(globals().items()) if isinstance(obj, type)
            and issubclass(obj, Metric) and obj not in (Metric, MeanMetricWrapper)
            and not name.startswith("_")}
# Keras looks metrics up by class name, by the class name in snake case, and by a few aliases.
_NAMES = {
    **_CLASSES,
    **{losses.to_snake_case(name): cls for name, cls in _CLASSES.items()},
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy, "mse": MeanSquaredError,
    "MSE": MeanSquaredError, "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
    "kld": KLDivergence, "KLD": KLDivergence, "acc": Accuracy,
}
# Functions without a class of the same snake-case name are still reachable by their name.
_FUNCTIONS = {fn.__name__: fn for fn in (huber, log_cosh)}


def get(identifier):
    """A metric from a name ('mse', 'binary_accuracy', 'AUC'), a config dict, a Metric (class
    or instance) or any function of (y_true, y_pred); None gives None. Names give instances.

    Raises:
        ValueError: an unknown name (the message lists the valid ones).
        TypeError: anything else.

    >>> get("mse").name
    'mean_squared_error'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        cls = _CLASSES.get(name)
        if cls is None:
            raise ValueError(f"Unknown metric class {name!r} in config; expected one of "
                             f"{sorted(_CLASSES)}")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        if identifier in _NAMES:
            return _NAMES[identifier]()
        check_name(identifier)
        return MeanMetricWrapper(_FUNCTIONS[identifier], name=identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, Metric) or callable(identifier):
        return identifier
    raise TypeError(f"metric must be a string, a config dict, a Metric or a callable, received "
                    f"{identifier!r} of type {type(identifier).__name__}")


def check_name(identifier: str) -> None:
    """Raise `get`'s ValueError for an unknown metric name, without making the metric: one
    made and dropped would take a default name ('auc') the compiled one should get.

    Raises:
        ValueError: `identifier` names no metric (the message lists the valid ones).
    """
    if identifier not in _NAMES and identifier not in _FUNCTIONS:
        raise ValueError(f"Unknown metric {identifier!r}; expected one of "
                         f"{sorted({*_NAMES, *_FUNCTIONS})}, a Metric or a callable")


def resolve(identifier, y_true_shape, y_pred_shape, loss=None) -> Metric:
    """The Metric object `compile(metrics=[identifier])` stands for, given the data's shapes.

    'accuracy'/'acc' become binary accuracy (y_pred has one column), sparse categorical
    accuracy (integer labels: y_true has fewer axes or one column) or categorical accuracy,
    as Keras resolves them. A string names the metric in logs; otherwise its own name does.
    """
    y_true_shape, y_pred_shape = tuple(y_true_shape), tuple(y_pred_shape)
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        t_last = y_true_shape[-1] if y_true_shape else 1
        p_last = y_pred_shape[-1] if y_pred_shape else 1
        if p_last == 1 or len(y_pred_shape) <= 1:
            return BinaryAccuracy(name=identifier)
        if len(y_true_shape) < len(y_pred_shape) or t_last == 1:
            return SparseCategoricalAccuracy(name=identifier)
        return CategoricalAccuracy(name=identifier)
    metric = get(identifier)
    if metric is None:
        return None
    if not isinstance(metric, Metric):
        metric = MeanMetricWrapper(metric, name=getattr(metric, "__name__", "metric"))
    if isinstance(identifier, str):
        metric.name = identifier
    return metric


def serialize(metric) -> dict | str:
    """A Metric as Keras's {'module', 'class_name', 'config'} dict; a function as its name."""
    if isinstance(metric, Metric) and type(metric).__name__ in _CLASSES:
        return {"module": "keras.metrics", "class_name": type(metric).__name__,
                "config": metric.get_config(), "registered_name": None}
    return getattr(metric, "__name__", str(metric))


def deserialize(config):
    """The inverse of `serialize`."""
    return get(config)
