"""Regression quality metrics: R2Score, and the Pearson and concordance correlations."""

from __future__ import annotations

import warnings

import numpy as np

from numen import backend, ops
from numen.losses.functions import _pair as _tensor_pair
from numen.metrics_base import MeanMetricWrapper, Metric, _pair, zeros_like_state


def pearson_correlation(y_true, y_pred, axis: int = -1):
    """Pearson's correlation coefficient between y_true and y_pred along `axis`.

    >>> round(float(pearson_correlation([[1.0, 2.0, 3.0]], [[2.0, 4.0, 6.0]]).data[0]), 5)
    1.0
    """
    y_true, y_pred = _tensor_pair(y_true, y_pred)
    t = y_true - ops.mean(y_true, axis=axis, keepdims=True)
    p = y_pred - ops.mean(y_pred, axis=axis, keepdims=True)
    t = t / ops.std(t, axis=axis, keepdims=True)
    p = p / ops.std(p, axis=axis, keepdims=True)
    return ops.mean(t * p, axis=axis)


def concordance_correlation(y_true, y_pred, axis: int = -1):
    """Lin's concordance correlation coefficient along `axis`, Keras's formula: the mean of
    2 * (y_true - mean(y_pred)) * (y_pred - mean(y_pred)) / (var_t + var_p + (mean_t - mean_p)**2).

    >>> float(concordance_correlation([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]]).data[0])
    0.9999...
    """
    y_true, y_pred = _tensor_pair(y_true, y_pred)
    mean_t = ops.mean(y_true, axis=axis, keepdims=True)
    mean_p = ops.mean(y_pred, axis=axis, keepdims=True)
    var_t = ops.var(y_true - mean_t, axis=axis, keepdims=True)
    var_p = ops.var(y_pred - mean_p, axis=axis, keepdims=True)
    covar = (y_true - mean_p) * (y_pred - mean_p)
    norm = var_t + var_p + ops.square(mean_t - mean_p)
    return ops.mean(2.0 * covar / (norm + backend.epsilon()), axis=axis)


class PearsonCorrelation(MeanMetricWrapper):
    """The mean `pearson_correlation` of each sample seen (along `axis`)."""

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class ConcordanceCorrelation(MeanMetricWrapper):
    """The mean `concordance_correlation` of each sample seen (along `axis`)."""

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class R2Score(Metric):
    """Coefficient of determination, 1 - SS_res / SS_tot, per output column of (N, outputs)
    inputs, from running weighted sums.

    Args:
        class_aggregation: 'uniform_average' (mean over outputs), 'variance_weighted_average'
            (weighted by each output's total sum of squares) or None (one score per output).
        num_regressors: > 0 gives the adjusted R2 for that many independent variables.

    Raises:
        ValueError: an unknown class_aggregation, num_regressors < 0, or inputs not 2-D.

    >>> float(R2Score()([[1.0], [2.0], [3.0]], [[1.0], [2.0], [4.0]]))
    0.5
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(f"R2Score: class_aggregation must be one of {valid}, received "
                             f"{class_aggregation!r}")
        if num_regressors < 0:
            raise ValueError(f"R2Score: num_regressors must be >= 0, received {num_regressors!r}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        super().__init__(name=name, dtype=dtype)

    _state_attrs = (
        ("num_samples", "num_samples"),
        ("squared_sum", "squared_sum"),
        ("sum", "sum"),
        ("total_mse", "residual"),
        ("count", "count"),
    )

    def reset_state(self):
        # Per-output sums, sized on the first update once the number of outputs is known.
        zeros = zeros_like_state(getattr(self, "sum", None))
        self.sum, self.squared_sum, self.total_mse, self.count = (
            None if zeros is None else zeros.copy() for _ in range(4))
        self.num_samples = 0

    _init_state = reset_state

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _pair(y_true, y_pred)
        if y_true.ndim != 2 or y_pred.ndim != 2:
            raise ValueError("R2Score: expected 2-D inputs of shape (batch_size, output_dim), "
                             f"received y_true {y_true.shape} and y_pred {y_pred.shape}")
        w = np.ones(()) if sample_weight is None else np.asarray(
            backend.to_numpy(getattr(sample_weight, "data", sample_weight)), dtype=np.float64)
        if w.ndim == 1:
            w = w[:, None]
        try:
            w = np.broadcast_to(w, y_true.shape)
        except ValueError:
            raise ValueError(f"R2Score: sample_weight has shape {np.shape(sample_weight)}, which "
                             f"does not broadcast to y_true's shape {y_true.shape}") from None
        if self.sum is None:
            zeros = np.zeros(y_pred.shape[-1])
            self.sum, self.squared_sum, self.total_mse, self.count = (zeros.copy() for _ in
                                                                      range(4))
        self.sum = self.sum + (y_true * w).sum(0)
        self.squared_sum = self.squared_sum + (y_true * y_true * w).sum(0)
        self.total_mse = self.total_mse + ((y_true - y_pred) ** 2 * w).sum(0)
        self.count = self.count + w.sum(0)
        self.num_samples += y_true.size

    def result(self):
        if self.sum is None:
            return self._scalar(np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = self.sum / self.count
            total = self.squared_sum - self.sum * mean
            raw = 1.0 - self.total_mse / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = raw.mean()
        elif self.class_aggregation == "variance_weighted_average":
            with np.errstate(divide="ignore", invalid="ignore"):
                score = (total * raw).sum() / total.sum()
        else:
            score = raw
        n, p = self.num_samples, self.num_regressors
        if p:
            if p >= n - 1:
                warnings.warn(f"R2Score: num_regressors={p} leaves no degrees of freedom for "
                              f"{n} samples; returning the plain R2 score", stacklevel=2)
            else:
                score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return np.asarray(score, dtype=self.dtype)[()]

    def get_config(self) -> dict:
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
