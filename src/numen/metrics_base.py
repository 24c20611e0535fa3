"""The metric base classes and the helpers every metric family shares: Metric, Mean, Sum and
MeanMetricWrapper, and the host-side handling of labels, predictions and sample weights.

Metric state is plain float64 NumPy values on the host: metrics are bookkeeping, not part of the
differentiable graph, and keeping them off the graph makes each update a few microseconds.
Results come back as NumPy scalars of the metric's dtype (float32 by default).

Each built-in metric names its state attributes in `_state_attrs`, with Keras 3's variable names;
`metric.variables` shows them as Variables (a `StateVariable` reads and writes the attribute, so
the update code stays plain arithmetic) and the stateless API swaps values in and out of them.
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, Variable, as_tensor, no_grad
from numen.autodiff.scopes import StatelessScope, current_path
from numen.naming import to_snake_case, unique_name


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


def zeros_like_state(value):
    """Zeros shaped like a state sized on the first update (None while it is not): a reset
    keeps such variables, as Keras does."""
    return None if value is None else np.zeros_like(value)


class StateVariable(Variable):
    """One state attribute of a built-in metric seen as a Variable (Keras's name, dtype and
    shape): reading gives the attribute's value in the variable's dtype, `assign` writes it."""

    __slots__ = ("_metric", "_attr", "_vdtype", "_bound")

    def __init__(self, metric, attr: str, name: str, dtype):
        self._metric, self._attr, self._bound = metric, attr, False
        self._vdtype = np.dtype(backend.standardize_dtype(dtype))
        value = self.data
        super().__init__(value, shape=value.shape, dtype=self._vdtype.name, trainable=False,
                         aggregation="sum", name=name, path=metric._variable_path(name))
        self._bound = True

    @property
    def data(self):
        return np.asarray(getattr(self._metric, self._attr), dtype=self._vdtype)

    @data.setter
    def data(self, value):
        if self._bound:  # Tensor.__init__ sets data before the variable is bound
            self._store(value)

    def _store(self, value) -> None:
        # The attribute keeps its own type: float stays float (the loss tracker's fast path),
        # arrays keep their dtype and shape.
        value = np.asarray(backend.to_numpy(value.data if isinstance(value, Tensor) else value))
        old = getattr(self._metric, self._attr)
        if tuple(value.shape) != tuple(np.shape(old)):
            raise ValueError(f"Variable '{self.path}': cannot assign a value of shape "
                             f"{tuple(value.shape)} to a variable of shape {np.shape(old)}")
        if isinstance(old, np.ndarray):
            new = value.astype(old.dtype, copy=True)
        elif isinstance(old, (int, np.integer)):
            new = int(value)
        else:
            new = float(value)
        setattr(self._metric, self._attr, new)

    def assign(self, value):
        self._store(value)
        return self

    def assign_add(self, value):
        own = np.asarray(getattr(self._metric, self._attr))
        self._store(own + self._checked(value, "assign_add"))
        return self

    def assign_sub(self, value):
        own = np.asarray(getattr(self._metric, self._attr))
        self._store(own - self._checked(value, "assign_sub"))
        return self


def _snapshot(value):
    """A result with its Tensors copied: a variable read after the state is swapped back
    would show the metric's own value."""
    if isinstance(value, Tensor):
        return Tensor(np.array(value.data))
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_snapshot(v) for v in value)
    return value


def _check_values(metric, values, expected) -> None:
    if len(values) != len(expected):
        raise ValueError(f"Argument `metric_variables` must be a list of tensors corresponding "
                         f"1:1 to {type(metric).__name__}().variables. Received list with "
                         f"length {len(values)}, but expected {len(expected)} variables.")


class Metric:
    """Base class: subclasses keep running state and say what `result()` is.

    Args:
        name: the key in training logs (default: the class name in snake case, made unique
            as Keras does: 'precision', then 'precision_1', ...).
        dtype: dtype of `result()` (default: floatx).

    Its variables' paths are "<name>/<variable name>" under the `name_scope`s open when the
    metric is made ("outer/precision/true_positives"), with '/' in the name written '>'.
    """

    def __init__(self, name: str | None = None, dtype=None):
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self._path = current_path(self.name.replace("/", ">"))
        self.dtype = backend.standardize_dtype(dtype or backend.floatx())
        self._variables: list = []
        self._initial_values: list = []
        self._state_views: dict = {}
        self._init_state()

    # (attribute, Keras variable name[, dtype]) of the running state, in Keras's order; a state
    # whose attribute is None (sized on the first update) has no variable yet.
    _state_attrs: tuple = ()

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
                            trainable=False, aggregation=aggregation, name=name,
                            path=self._variable_path(name))
        self._variables.append(variable)
        self._initial_values.append(variable.data.copy())
        return variable

    def add_weight(self, shape=(), initializer="zeros", dtype=None, aggregation="sum",
                   name=None):
        """The older spelling of `add_variable`."""
        return self.add_variable(shape, initializer, dtype, aggregation, name)

    def _variable_path(self, name: str) -> str:
        # A subclass that never called Metric.__init__ has no path of its own: its name's.
        return f"{getattr(self, '_path', None) or self.name}/{name}"

    @property
    def variables(self) -> list:
        """The state variables (Keras's names, order, shapes and dtypes), then those made with
        `add_variable`, in creation order."""
        views = []
        for attr, name, *dtype in self._state_attrs:
            if getattr(self, attr) is None:
                continue
            view = self._state_views.get(attr)
            if view is None:
                view = StateVariable(self, attr, name, dtype[0] if dtype else self.dtype)
                self._state_views[attr] = view
            views.append(view)
        return views + self._variables

    def _stateless(self, metric_variables, body):
        """`body()` run with the state taken from `metric_variables` (None: the metric's own),
        and the state as it left it; the metric's own state is unchanged afterwards."""
        variables = self.variables
        if metric_variables is not None:
            _check_values(self, metric_variables, variables)
        saved = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in vars(self).items()}
        pairs = list(zip(variables, metric_variables or ()))
        try:
            for view, value in pairs:
                if isinstance(view, StateVariable):
                    view._store(value)
            real = [(v, x) for v, x in pairs if not isinstance(v, StateVariable)]
            with StatelessScope(state_mapping=real):  # the add_variable ones
                out = _snapshot(body())
                new = [as_tensor(np.array(v.data)) for v in self.variables]
        finally:
            vars(self).clear()
            vars(self).update(saved)
        return out, new

    def stateless_update_state(self, metric_variables, *args, **kwargs) -> list:
        """`update_state(*args, **kwargs)` from the state values in `metric_variables`
        (ordered as `variables`); returns the new values, leaving the metric unchanged.

        >>> values = m.stateless_update_state([v.numpy() for v in m.variables], y_true, y_pred)
        """
        return self._stateless(metric_variables, lambda: self.update_state(*args, **kwargs))[1]

    def stateless_result(self, metric_variables):
        """`result()` of the state values in `metric_variables` (ordered as `variables`)."""
        return self._stateless(metric_variables, self.result)[0]

    def stateless_reset_state(self) -> list:
        """The state values `reset_state()` would give, leaving the metric unchanged."""
        return self._stateless(None, self.reset_state)[1]

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

    def __getstate__(self) -> dict:
        # The state views are bound to this object; a copy (or an unpickled one) makes its own.
        return {**vars(self), "_state_views": {}}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class Mean(Metric):
    """Weighted mean of everything passed to `update_state`.

    >>> m = Mean(); m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0]); float(m.result())
    2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)

    _state_attrs = (("total", "total"), ("count", "count"))

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

    _state_attrs = (("total", "total"),)

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
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        with no_grad():
            values = self.fn(y_true, y_pred, **self.fn_kwargs)
        super().update_state(to_numpy(values), sample_weight)

    def get_config(self) -> dict:
        return {**super().get_config(), **self.fn_kwargs}
