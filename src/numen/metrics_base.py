"""The metric base classes and the helpers every metric family shares: Metric, Mean, Sum and
MeanMetricWrapper, and the host-side handling of labels, predictions and sample weights.

Metric state is plain float64 NumPy values on the host: metrics are bookkeeping, not part of the
differentiable graph, and keeping them off the graph makes each update a few microseconds.
Results come back as NumPy scalars of the metric's dtype (float32 by default).
"""

from __future__ import annotations

import numpy as np

from numen import backend, losses
from numen.autodiff import Tensor, no_grad


def to_numpy(x) -> np.ndarray:
    """A Tensor, array or nested list as a host NumPy array."""
    return np.asarray(backend.to_numpy(x.data if isinstance(x, Tensor) else x))


def align_ranks(x1: np.ndarray, x2: np.ndarray, expand_rank_1: bool = True):
    """NumPy twin of `losses.align_ranks`: fix ranks that differ by a trailing axis of size 1."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            x2 = x2[..., None]
        else:
            x1 = x1[..., 0]
    elif x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            x1 = x1[..., None]
        else:
            x2 = x2[..., 0]
    return x1, x2


def _pair(y_true, y_pred):
    y_pred = to_numpy(y_pred)
    if y_pred.dtype.kind != "f":
        y_pred = y_pred.astype(np.float64)
    return align_ranks(to_numpy(y_true).astype(y_pred.dtype), y_pred)


def samplewise(values, sample_weight, reduce_fn=np.mean, name="metric"):
    """Per-sample values (and weights) as Keras reduces them before accumulating.

    Values with more axes than the weights are reduced over the extra axes first; then both
    are reduced to one entry per sample.
    """
    values = np.asarray(values, dtype=np.float64)
    sw = None
    if sample_weight is not None:
        sw = to_numpy(sample_weight).astype(np.float64)
        values, sw = align_ranks(values, sw)
        if values.ndim > sw.ndim:
            values = reduce_fn(values, axis=tuple(range(sw.ndim, values.ndim)))
        try:
            sw = np.broadcast_to(sw, values.shape)
        except ValueError:
            raise ValueError(f"{name}: sample_weight has shape {sw.shape}, which does not "
                             f"broadcast to the values' shape {values.shape}") from None
        values = values * sw
        if sw.ndim > 1:
            sw = reduce_fn(sw, axis=tuple(range(1, sw.ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sw


class Metric:
    """Base class: subclasses keep running state and say what `result()` is.

    Args:
        name: the key in training logs (default: the class name in snake case).
        dtype: dtype of `result()` (default: floatx).
    """

    def __init__(self, name: str | None = None, dtype=None):
        self.name = name or losses.to_snake_case(type(self).__name__)
        self.dtype = backend.standardize_dtype(dtype or backend.floatx())
        self._variables: list = []
        self._initial_values: list = []
        self._init_state()

    def _init_state(self) -> None:
        """numen's own metrics keep their running state in plain attributes that their
        `reset_state` sets up (they say `_init_state = reset_state`); a subclass written for
        Keras creates variables with `add_variable` in `__init__` and is not reset here."""

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum",
                     name=None):
        """A state variable of this metric; `reset_state()` returns it to its first value.

        Args:
            shape: the variable's shape.
            initializer: an initializer or its name.
            dtype: defaults to the metric's dtype.
            aggregation: how replicas would combine it (kept for Keras compatibility).
            name: the variable's name.

        >>> self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        """
        from numen.autodiff import Variable

        variable = Variable(initializer, shape=tuple(shape), dtype=dtype or self.dtype,
                            trainable=False, aggregation=aggregation, name=name)
        self._variables.append(variable)
        self._initial_values.append(variable.data.copy())
        return variable

    def add_weight(self, shape=(), initializer="zeros", dtype=None, aggregation="sum",
                   name=None):
        """The older spelling of `add_variable`."""
        return self.add_variable(shape, initializer, dtype, aggregation, name)

    @property
    def variables(self) -> list:
        """The variables made with `add_variable`, in creation order."""
        return list(self._variables)

    def reset_state(self) -> None:
        """Return every variable made with `add_variable` to its first value."""
        for variable, value in zip(self._variables, self._initial_values):
            variable.assign(value)

    def update_state(self, *args, **kwargs) -> None:
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def _scalar(self, value):
        return np.asarray(value, dtype=self.dtype)[()]

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class Mean(Metric):
    """Weighted mean of everything passed to `update_state`.

    >>> m = Mean(); m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0]); float(m.result())
    2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.total = 0.0
        self.count = 0.0

    _init_state = reset_state

    def update_state(self, values, sample_weight=None):
        if isinstance(sample_weight, (int, float)) and getattr(values, "ndim", None) == 0:
            # One value with one weight (the training loop's loss tracker): no array work.
            weight = float(sample_weight)
            self.total += float(values) * weight
            self.count += weight
            return
        values, sw = samplewise(to_numpy(values), sample_weight, np.mean, self.name)
        self.total += float(values.sum())
        if sw is not None:
            self.count += float(sw.sum())
        else:
            self.count += values.shape[0] if values.ndim else 1

    def result(self):
        return self._scalar(self.total / self.count if self.count else 0.0)


class Sum(Metric):
    """Weighted sum of everything passed to `update_state`."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.total = 0.0

    _init_state = reset_state

    def update_state(self, values, sample_weight=None):
        values, _ = samplewise(to_numpy(values), sample_weight, np.sum, self.name)
        self.total += float(values.sum())

    def result(self):
        return self._scalar(self.total)


class MeanMetricWrapper(Mean):
    """The weighted mean over all samples seen of `fn(y_true, y_pred, **kwargs)`."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self.fn = fn
        self.fn_kwargs = kwargs
        super().__init__(name=name or getattr(fn, "__name__", "metric"), dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        with no_grad():
            values = self.fn(y_true, y_pred, **self.fn_kwargs)
        super().update_state(to_numpy(values), sample_weight)

    def get_config(self) -> dict:
        return {**super().get_config(), **self.fn_kwargs}
