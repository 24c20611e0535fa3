"""Scopes that change how variables are named, read and written, and Keras's remat markers.

- `name_scope("block")`: variables made inside get the path "block/<name>".
- `StatelessScope(state_mapping)`: inside, variables read the values given in the mapping, and
  assignments land in the scope (`get_current_value`) instead of the variables, which are
  unchanged once the scope closes. This is how one runs a model with other weights without
  touching its own.
- `SymbolicScope()`: marks code as tracing symbolic tensors (`in_symbolic_scope()`).
- `remat(f)` and `RematScope`: Keras's requests to recompute activations in the backward pass
  to save memory. numen keeps activations, so they leave values and gradients as they are.
"""

from __future__ import annotations

import threading

import numpy as np

from numen import backend

_local = threading.local()


def _stack(name: str) -> list:
    stack = getattr(_local, name, None)
    if stack is None:
        stack = []
        setattr(_local, name, stack)
    return stack


class name_scope:  # noqa: N801 - Keras's spelling
    """Prefix the paths of variables created inside with `name` ("outer/inner/kernel").

    A layer opens one with its own name while it builds and calls (`caller` is the layer): a
    scope that repeats the innermost one, same name and same caller, adds nothing, so a
    layer's `add_weight` inside its own build does not write its name twice. As in Keras, a
    layer's scope stands where the layer first opened it (`override_parent`, the path of the
    scopes open then), wherever it is opened later.

    Args:
        name: the scope's name.
        caller: the object opening it (a layer), for the repeat rule above.
        override_parent: a path that replaces the scopes open outside this one ("" for none).

    >>> with name_scope("block"):
    ...     v = Variable(np.zeros(2), name="v")   # v.path == "block/v"
    """

    def __init__(self, name: str, caller=None, override_parent: str | None = None, **kwargs):
        if not isinstance(name, str) or not name:
            raise ValueError(f"name_scope: `name` must be a non-empty string, received {name!r}")
        self.name, self.caller, self.override_parent = name, caller, override_parent
        self._pushed = False

    def __enter__(self):
        names, callers = _stack("names"), _stack("callers")
        repeat = (self.caller is not None and names and names[-1] == self.name
                  and callers[-1] is self.caller)
        if not repeat:
            names.append(self.name)
            callers.append(self.caller)
            _stack("parents").append(self.override_parent)
            self._pushed = True
        return self

    def __exit__(self, *exc):
        if self._pushed:
            _stack("names").pop()
            _stack("callers").pop()
            _stack("parents").pop()
            self._pushed = False
        return False


def current_path(name: str | None = None) -> str:
    """`name` under the open name scopes; without `name`, the path of the scopes ("" when
    none is open)."""
    parts: list[str] = []
    for scope, parent in zip(_stack("names"), _stack("parents")):
        if parent is not None:
            parts = [p for p in parent.split("/") if p]
        parts.append(scope)
    return "/".join(parts if name is None else [*parts, name])


class StatelessScope:
    """Run code with variables holding other values, without changing them.

    Args:
        state_mapping: (variable, value) pairs the variables read inside the scope.
        collect_losses: whether `add_loss` calls inside are collected in `self.losses`.
        initialize_variables: accepted for Keras compatibility (variables are always ready).

    >>> with StatelessScope([(v, np.zeros(2))]) as scope:
    ...     v.assign(v + 1)
    >>> scope.get_current_value(v)   # [1., 1.]; v itself is unchanged
    """

    def __init__(self, state_mapping=None, collect_losses=False, initialize_variables=True):
        self.state_mapping = list(state_mapping or [])
        self.collect_losses = collect_losses
        self.initialize_variables = initialize_variables
        self.losses = []
        self._saved = {}  # id(variable) -> (variable, its own array)

    def _capture(self, variable, value=None) -> None:
        if id(variable) not in self._saved:
            self._saved[id(variable)] = (variable, variable.data)
            start = variable.data if value is None else value
            variable.data = backend.asarray_like(start, variable.data).astype(
                variable.data.dtype, copy=True)

    def __enter__(self):
        for variable, value in self.state_mapping:
            value = value.data if hasattr(value, "data") and not isinstance(value, np.ndarray) \
                else value
            if tuple(np.shape(value)) != tuple(variable.shape):
                raise ValueError(f"StatelessScope: the value for variable '{variable.path}' has "
                                 f"shape {tuple(np.shape(value))}, expected {variable.shape}")
            self._capture(variable, value)
        _stack("stateless").append(self)
        return self

    def __exit__(self, *exc):
        _stack("stateless").pop()
        self._current = {k: v.data for k, (v, _) in self._saved.items()}
        for variable, own in self._saved.values():
            variable.data = own
        return False

    def get_current_value(self, variable):
        """The value `variable` has in this scope (None when the scope never saw it)."""
        if id(variable) not in self._saved:
            return None
        if _stack("stateless") and _stack("stateless")[-1] is self:
            return variable.data
        return getattr(self, "_current", {}).get(id(variable))

    def add_loss(self, loss) -> None:
        self.losses.append(loss)

    def add_update(self, update) -> None:
        variable, value = update
        variable.assign(value)


def get_stateless_scope():
    """The innermost open StatelessScope, or None."""
    stack = _stack("stateless")
    return stack[-1] if stack else None


def in_stateless_scope() -> bool:
    return bool(_stack("stateless"))


class SymbolicScope:
    """Marks a block as tracing symbolic tensors; `in_symbolic_scope()` is True inside."""

    def __enter__(self):
        _stack("symbolic").append(self)
        return self

    def __exit__(self, *exc):
        _stack("symbolic").pop()
        return False


def in_symbolic_scope() -> bool:
    return bool(_stack("symbolic"))


def remat(f):
    """Keras's request to recompute `f`'s activations during backpropagation to save memory.
    numen keeps them instead, so `f`'s values and gradients are unchanged."""
    if not callable(f):
        raise TypeError(f"remat: expected a callable, received {f!r}")

    def rematerialized(*args, **kwargs):
        return f(*args, **kwargs)

    rematerialized.__wrapped__ = f
    return rematerialized


class RematScope:
    """Keras's scope asking layers to rematerialize ("full", "activations", "larger_than",
    "list_of_layers" or None); recorded and readable, with no effect on results in numen."""

    _MODES = (None, "full", "activations", "larger_than", "list_of_layers")

    def __init__(self, mode="full", output_size_threshold=1024, layer_names=None):
        if mode not in self._MODES:
            raise ValueError(f"RematScope: mode must be one of {self._MODES}, received {mode!r}")
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = list(layer_names or [])

    def __enter__(self):
        _stack("remat").append(self)
        return self

    def __exit__(self, *exc):
        _stack("remat").pop()
        return False


def get_current_remat_mode():
    stack = _stack("remat")
    return stack[-1] if stack else None
