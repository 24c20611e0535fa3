"""Tensor and Variable: an array plus, when it came from a differentiable op, how to go back.

A Tensor made by an op while gradients are recorded keeps its inputs and a `backward` closure
that maps the upstream gradient to one gradient per input. Arithmetic operators call the
functions of `numen.ops`, so `a * b + 1` records the same graph as the explicit calls.
"""

from __future__ import annotations

import itertools

import numpy as np

from numen import backend
from numen.autodiff import scopes


class _Operators:
    """The op functions behind Tensor's operators (`+`, `@`, `[]`, `.T`, ...), filled in by
    `numen.ops` as it loads: the engine sits below the op catalogue and never imports it."""


_OPS = _Operators()


def bind_operators(**functions) -> None:
    """Called once by numen.ops with the functions the operators stand for."""
    for name, fn in functions.items():
        setattr(_OPS, name, fn)


class Tensor:
    """An n-dimensional array that remembers how it was computed.

    Attributes:
        data: the NumPy (or CuPy) array of values.
        requires_grad: whether gradients flow back through this tensor.
        inputs / backward: the op that produced it (None for leaves).
        _keras_mask: the padding mask a layer's eager call attached to its output (a boolean
            array or Tensor, e.g. `Embedding(mask_zero=True)`'s `ids != 0`), read by the next
            layer's call when no `mask=` is given. Metadata only: ops never read it, so it never
            enters the gradient graph. Keras spells it the same way.
    """

    __slots__ = ("data", "requires_grad", "inputs", "backward", "op", "_keras_mask",
                 "__weakref__")
    __array_priority__ = 100

    def __init__(self, data, requires_grad=False, inputs=(), backward=None, op=None):
        self.data = data
        self.requires_grad = requires_grad
        self.inputs = inputs
        self.backward = backward
        self.op = op
        self._keras_mask = None

    # -- array facts -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> str:
        return self.data.dtype.name

    @property
    def size(self) -> int:
        return self.data.size

    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (a copy from the GPU when on one)."""
        return backend.to_numpy(self.data)

    def __array__(self, dtype=None, copy=None):
        # NumPy's protocol: copy=True must hand out an array of its own (np.array(v) asks
        # for one; a view would change with every later assign), copy=False must not copy,
        # None copies only when it has to. A GPU array always comes back as a fresh copy.
        a = backend.to_numpy(self.data)
        shared = np.may_share_memory(a, self.data) if isinstance(self.data, np.ndarray) \
            else False
        if dtype is not None and a.dtype != np.dtype(dtype):
            if copy is False:
                raise ValueError(f"{type(self).__name__}: cannot give {np.dtype(dtype)} values "
                                 f"for {a.dtype} ones without a copy (copy=False)")
            return a.astype(dtype)
        if copy is False and not shared:
            raise ValueError(f"{type(self).__name__}: its values are on the GPU; they cannot be "
                             "read without a copy (copy=False)")
        return a.copy() if copy and shared else a

    def __len__(self) -> int:
        return len(self.data)

    def __float__(self) -> float:
        return float(self.data)

    def __int__(self) -> int:
        return int(self.data)

    def __bool__(self) -> bool:
        return bool(self.data)

    def item(self):
        return self.data.item()

    def __repr__(self) -> str:
        kind = type(self).__name__
        return f"<{kind} shape={self.shape} dtype={self.dtype}>\n{self.numpy()!r}"

    # -- arithmetic through ops ------------------------------------------------------------
    def __add__(self, other):
        return _OPS.add(self, other)

    def __radd__(self, other):
        return _OPS.add(other, self)

    def __sub__(self, other):
        return _OPS.subtract(self, other)

    def __rsub__(self, other):
        return _OPS.subtract(other, self)

    def __mul__(self, other):
        return _OPS.multiply(self, other)

    def __rmul__(self, other):
        return _OPS.multiply(other, self)

    def __truediv__(self, other):
        return _OPS.divide(self, other)

    def __rtruediv__(self, other):
        return _OPS.divide(other, self)

    def __pow__(self, other):
        return _OPS.power(self, other)

    def __rpow__(self, other):
        return _OPS.power(other, self)

    def __matmul__(self, other):
        return _OPS.matmul(self, other)

    def __rmatmul__(self, other):
        return _OPS.matmul(other, self)

    def __floordiv__(self, other):
        return _OPS.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _OPS.floor_divide(other, self)

    def __mod__(self, other):
        return _OPS.mod(self, other)

    def __rmod__(self, other):
        return _OPS.mod(other, self)

    def __and__(self, other):
        return _OPS.logical_and(self, other)

    def __or__(self, other):
        return _OPS.logical_or(self, other)

    def __invert__(self):
        return _OPS.logical_not(self)

    def __neg__(self):
        return _OPS.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _OPS.abs(self)

    def __getitem__(self, index):
        return _OPS.getitem(self, index)

    # Comparisons carry no gradient.
    def __lt__(self, other):
        return _OPS.less(self, other)

    def __le__(self, other):
        return _OPS.less_equal(self, other)

    def __gt__(self, other):
        return _OPS.greater(self, other)

    def __ge__(self, other):
        return _OPS.greater_equal(self, other)

    def __eq__(self, other):
        return _OPS.equal(self, other)

    def __ne__(self, other):
        return _OPS.not_equal(self, other)

    __hash__ = object.__hash__

    @property
    def T(self):
        return _OPS.transpose(self)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return _OPS.reshape(self, shape)

    def sum(self, axis=None, keepdims=False):
        return _OPS.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return _OPS.mean(self, axis=axis, keepdims=keepdims)

    def astype(self, dtype):
        return _OPS.cast(self, dtype)


_VARIABLE_SERIALS = itertools.count()


class Variable(Tensor):
    """A named, mutable tensor: a layer's weight or an optimizer's state.

    Values change only in place (`assign`), so that a flat parameter buffer can hold every
    variable as a view and stay in sync.
    """

    __slots__ = ("name", "path", "trainable", "regularizer", "constraint", "autocast",
                 "aggregation", "synchronization", "overwrite_with_gradient", "serial")

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", synchronization="auto", name=None, path=None, **kwargs):
        """Args (Keras's): `initializer` is the starting value (an array, number or Tensor) or
        an initializer (a name such as "zeros", or a callable `f(shape, dtype)`) used with
        `shape`; `name` defaults to "variable" and `path` to the name under open name scopes.
        """
        dtype = backend.standardize_dtype(dtype) if dtype is not None else None
        if isinstance(initializer, str) or (callable(initializer)
                                            and not isinstance(initializer, Tensor)):
            if shape is None:
                raise ValueError("Variable: an initializer needs `shape`; received "
                                 f"initializer={initializer!r} and shape=None")
            if isinstance(initializer, str):
                from numen import initializers  # the initializer table sits above the engine

                initializer = initializers.get(initializer)
            initializer = initializer(tuple(shape), dtype=dtype or backend.floatx())
        value = initializer.data if isinstance(initializer, Tensor) else initializer
        arr = backend.to_device(value)
        if shape is not None and tuple(arr.shape) != tuple(shape):
            raise ValueError(f"Variable: the initial value has shape {tuple(arr.shape)}, but "
                             f"shape={tuple(shape)} was given")
        if dtype is not None and arr.dtype.name != dtype:
            arr = arr.astype(dtype)
        elif dtype is None and arr.dtype.kind == "f" and arr.dtype.name != backend.floatx():
            arr = arr.astype(backend.floatx())
        super().__init__(arr, requires_grad=trainable)
        self.name = name or "variable"
        self.path = path or scopes.current_path(self.name)
        self.trainable = trainable
        self.regularizer = None
        self.constraint = None
        self.autocast = autocast
        self.aggregation = aggregation
        self.synchronization = synchronization
        self.overwrite_with_gradient = False
        # Order of creation: a layer lists the Variables it keeps in attributes among those
        # add_weight made in this order, as Keras's tracking does (Layer._tracked_variables).
        self.serial = next(_VARIABLE_SERIALS)

    @property
    def value(self):
        return self

    def assign(self, value):
        """Overwrite the values in place; the shape must match."""
        value = value.data if isinstance(value, Tensor) else value
        value = backend.asarray_like(value, self.data)  # host values go to the device
        self._stateless_capture()
        if tuple(value.shape) != self.data.shape:
            raise ValueError(
                f"Variable '{self.path}': cannot assign a value of shape {tuple(value.shape)} "
                f"to a variable of shape {self.data.shape}"
            )
        self.data[...] = value
        return self

    def assign_add(self, value):
        """Add `value` in place; it must have the variable's shape (or be a scalar)."""
        self._stateless_capture()
        self.data += self._checked(value, "assign_add")
        return self

    def assign_sub(self, value):
        """Subtract `value` in place; it must have the variable's shape (or be a scalar)."""
        self._stateless_capture()
        self.data -= self._checked(value, "assign_sub")
        return self

    def _stateless_capture(self) -> None:
        # Inside a StatelessScope, writes go to the scope's copy and never to our own array.
        scope = scopes.get_stateless_scope()
        if scope is not None:
            scope._capture(self)

    def _checked(self, value, method):
        value = value.data if isinstance(value, Tensor) else value
        shape = tuple(getattr(value, "shape", ()))
        if shape not in ((), self.data.shape):
            raise ValueError(
                f"Variable '{self.path}'.{method}: received a value of shape {shape}, "
                f"expected shape {self.data.shape}"
            )
        return backend.asarray_like(value, self.data) if hasattr(value, "shape") else value

    def __repr__(self) -> str:
        return f"<Variable path={self.path} shape={self.shape} dtype={self.dtype}>"


def as_tensor(x, dtype=None, like=None) -> Tensor:
    """`x` as a Tensor; arrays and Python numbers are wrapped, never copied unless cast.

    A value that is not yet a Tensor goes to the device of the array `like` when given (the
    other operand of a binary op), else to the current device, as Keras places new tensors.
    """
    if isinstance(x, Tensor):
        if dtype is not None and x.data.dtype != np.dtype(dtype):
            return _OPS.cast(x, dtype)
        return x
    if isinstance(x, (float, int, bool)) and dtype is None:
        dtype = backend.floatx() if isinstance(x, float) else None
    xp = backend.xp_of(x)
    arr = xp.asarray(x, dtype=dtype)
    if dtype is None and arr.dtype == np.float64 and xp is np and not isinstance(x, np.ndarray):
        arr = arr.astype(backend.floatx())
    if like is not None:
        arr = backend.asarray_like(arr, like)
    elif backend.get_device() == "gpu":
        arr = backend.to_device(arr)
    return Tensor(arr)


def data_of(x):
    """The raw array behind a Tensor (or `x` itself when it is already an array)."""
    return x.data if isinstance(x, Tensor) else x
