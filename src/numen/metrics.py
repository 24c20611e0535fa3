"""Stateful metrics (update_state / result / reset_state) with Keras's names and log names.

Metric state is plain float64 NumPy values on the host: metrics are bookkeeping, not part of the
differentiable graph, and keeping them off the graph makes each update a few microseconds.
"""

from __future__ import annotations

import numpy as np

from numen import backend, losses
from numen.autodiff import Tensor


def _np(x):
    return backend.to_numpy(x.data if isinstance(x, Tensor) else x)


def _weights_like(sample_weight, values):
    if sample_weight is None:
        return np.ones_like(values, dtype=np.float64)
    sw = np.asarray(_np(sample_weight), dtype=np.float64)
    while sw.ndim > values.ndim and sw.shape[-1] == 1:
        sw = sw[..., 0]
    while sw.ndim < values.ndim:
        sw = sw[..., None]
    return np.broadcast_to(sw, values.shape)


class Metric:
    """Base class: subclasses keep running state and say what `result()` is."""

    def __init__(self, name=None, dtype=None):
        self.name = name or losses._snake(type(self).__name__)
        self.dtype = dtype or backend.floatx()
        self.reset_state()

    def reset_state(self):
        raise NotImplementedError

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class Mean(Metric):
    """Weighted mean of everything passed to `update_state`."""

    def reset_state(self):
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None):
        v = np.asarray(_np(values), dtype=np.float64)
        w = _weights_like(sample_weight, v)
        self.total += float((v * w).sum())
        self.count += float(w.sum())

    def result(self):
        return np.float32(self.total / self.count) if self.count else np.float32(0.0)


class Sum(Metric):
    def reset_state(self):
        self.total = 0.0

    def update_state(self, values, sample_weight=None):
        v = np.asarray(_np(values), dtype=np.float64)
        self.total += float((v * _weights_like(sample_weight, v)).sum())

    def result(self):
        return np.float32(self.total)


class MeanMetricWrapper(Mean):
    """The weighted mean of `fn(y_true, y_pred)` over all samples seen."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self._fn = fn
        self._fn_kwargs = kwargs
        super().__init__(name=name or getattr(fn, "__name__", "metric"), dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(_np(y_true), _np(y_pred), **self._fn_kwargs)
        super().update_state(_np(values), sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


# -- metric functions (NumPy in, NumPy per-sample values out) -----------------------------------
def _align(y_true, y_pred):
    y_true, y_pred = np.asarray(_np(y_true)), np.asarray(_np(y_pred))
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        y_true = y_true[..., None]
    elif y_pred.ndim == y_true.ndim - 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return y_true, y_pred


def accuracy(y_true, y_pred):
    y_true, y_pred = _align(y_true, y_pred)
    return (y_true == y_pred).astype(np.float32)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_true, y_pred = _align(y_true, y_pred)
    return ((y_pred > threshold) == (y_true > 0.5)).astype(np.float32).mean(axis=-1)


def categorical_accuracy(y_true, y_pred):
    y_true, y_pred = np.asarray(_np(y_true)), np.asarray(_np(y_pred))
    return (y_true.argmax(-1) == y_pred.argmax(-1)).astype(np.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    y_true, y_pred = np.asarray(_np(y_true)), np.asarray(_np(y_pred))
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return (y_true.astype(np.int64) == y_pred.argmax(-1)).astype(np.float32)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    return sparse_top_k_categorical_accuracy(np.asarray(_np(y_true)).argmax(-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_true, y_pred = np.asarray(_np(y_true)), np.asarray(_np(y_pred))
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    y_true = y_true.astype(np.int64)
    target = np.take_along_axis(y_pred, y_true[..., None], -1)
    # A class counts as in the top k when fewer than k classes score strictly higher.
    return ((y_pred > target).sum(-1) < k).astype(np.float32)


def _loss_metric(fn):
    def metric(y_true, y_pred, **kwargs):
        return _np(fn(np.asarray(_np(y_true)), np.asarray(_np(y_pred)), **kwargs))

    metric.__name__ = fn.__name__
    return metric


def _metric_class(class_name, fn, default_name, **defaults):
    def __init__(self, name=default_name, dtype=None, **kwargs):
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **{**defaults, **kwargs})

    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__})


mean_squared_error = _loss_metric(losses.mean_squared_error)
mean_absolute_error = _loss_metric(losses.mean_absolute_error)
mean_absolute_percentage_error = _loss_metric(losses.mean_absolute_percentage_error)
mean_squared_logarithmic_error = _loss_metric(losses.mean_squared_logarithmic_error)
binary_crossentropy = _loss_metric(losses.binary_crossentropy)
categorical_crossentropy = _loss_metric(losses.categorical_crossentropy)
sparse_categorical_crossentropy = _loss_metric(losses.sparse_categorical_crossentropy)
kl_divergence = _loss_metric(losses.kl_divergence)
poisson = _loss_metric(losses.poisson)
hinge = _loss_metric(losses.hinge)
squared_hinge = _loss_metric(losses.squared_hinge)
categorical_hinge = _loss_metric(losses.categorical_hinge)
log_cosh_error = _loss_metric(losses.log_cosh)

Accuracy = _metric_class("Accuracy", accuracy, "accuracy")
BinaryAccuracy = _metric_class("BinaryAccuracy", binary_accuracy, "binary_accuracy", threshold=0.5)
CategoricalAccuracy = _metric_class("CategoricalAccuracy", categorical_accuracy,
                                    "categorical_accuracy")
SparseCategoricalAccuracy = _metric_class(
    "SparseCategoricalAccuracy", sparse_categorical_accuracy, "sparse_categorical_accuracy"
)
TopKCategoricalAccuracy = _metric_class(
    "TopKCategoricalAccuracy", top_k_categorical_accuracy, "top_k_categorical_accuracy", k=5
)
SparseTopKCategoricalAccuracy = _metric_class(
    "SparseTopKCategoricalAccuracy",
    sparse_top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy",
    k=5,
)
MeanSquaredError = _metric_class("MeanSquaredError", mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _metric_class("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error")
MeanAbsolutePercentageError = _metric_class(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error, "mean_absolute_percentage_error"
)
MeanSquaredLogarithmicError = _metric_class(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error, "mean_squared_logarithmic_error"
)
BinaryCrossentropy = _metric_class("BinaryCrossentropy", binary_crossentropy,
                                   "binary_crossentropy")
CategoricalCrossentropy = _metric_class("CategoricalCrossentropy", categorical_crossentropy,
                                        "categorical_crossentropy")
SparseCategoricalCrossentropy = _metric_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy",
)
KLDivergence = _metric_class("KLDivergence", kl_divergence, "kl_divergence")
Poisson = _metric_class("Poisson", poisson, "poisson")
Hinge = _metric_class("Hinge", hinge, "hinge")
SquaredHinge = _metric_class("SquaredHinge", squared_hinge, "squared_hinge")
CategoricalHinge = _metric_class("CategoricalHinge", categorical_hinge, "categorical_hinge")
LogCoshError = _metric_class("LogCoshError", log_cosh_error, "logcosh")


class RootMeanSquaredError(Mean):
    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _align(y_true, y_pred)
        super().update_state(np.square(y_pred - y_true), sample_weight)

    def result(self):
        return np.float32(np.sqrt(super().result()))


from numen.metrics_confusion import AUC, Precision, Recall  # noqa: E402

_FUNCTIONS = {
    "accuracy": accuracy,
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
    "mean_squared_error": mean_squared_error,
    "mse": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
    "mae": mean_absolute_error,
    "mean_absolute_percentage_error": mean_absolute_percentage_error,
    "mape": mean_absolute_percentage_error,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error,
    "msle": mean_squared_logarithmic_error,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "kl_divergence": kl_divergence,
    "poisson": poisson,
    "hinge": hinge,
    "squared_hinge": squared_hinge,
    "categorical_hinge": categorical_hinge,
}
_CLASSES = {
    cls.__name__: cls
    for cls in (
        Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
        TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, MeanSquaredError,
        MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
        RootMeanSquaredError, BinaryCrossentropy, CategoricalCrossentropy,
        SparseCategoricalCrossentropy, KLDivergence, Poisson, Hinge, SquaredHinge,
        CategoricalHinge, LogCoshError, Precision, Recall, AUC,
    )
}
_SNAKE_CLASSES = {"precision": Precision, "recall": Recall, "auc": AUC,
                  "root_mean_squared_error": RootMeanSquaredError}


def get(identifier):
    """A metric function or Metric from a name, a config dict, an instance or a callable."""
    if isinstance(identifier, Metric) or (callable(identifier) and not isinstance(identifier, type)):
        return identifier
    if isinstance(identifier, str):
        if identifier in _FUNCTIONS:
            return _FUNCTIONS[identifier]
        cls = _CLASSES.get(identifier) or _SNAKE_CLASSES.get(identifier)
        if cls is not None:
            return cls()
        raise ValueError(
            f"Unknown metric {identifier!r}; expected one of {sorted(_FUNCTIONS)}, a Metric "
            "class name or a callable"
        )
    if isinstance(identifier, dict):
        cls = _CLASSES.get(identifier.get("class_name"))
        if cls is None:
            raise ValueError(f"Unknown metric class {identifier.get('class_name')!r}")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    raise TypeError(f"metric must be a string, a Metric or a callable, received {identifier!r}")


def resolve(identifier, y_true_shape, y_pred_shape, loss=None) -> Metric:
    """The Metric object `compile(metrics=[identifier])` stands for, given the data's shapes.

    'accuracy'/'acc' become binary, categorical or sparse categorical accuracy from the shapes,
    as Keras resolves them; the name in logs is the string the user wrote.
    """
    name = identifier if isinstance(identifier, str) else None
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        if y_pred_shape[-1] == 1 or len(y_pred_shape) == 1:
            fn = binary_accuracy
        elif len(y_true_shape) < len(y_pred_shape) or y_true_shape[-1] == 1:
            fn = sparse_categorical_accuracy
        else:
            fn = categorical_accuracy
        return MeanMetricWrapper(fn, name=identifier)
    metric = get(identifier)
    if isinstance(metric, Metric):
        return metric
    return MeanMetricWrapper(metric, name=name or getattr(metric, "__name__", "metric"))
