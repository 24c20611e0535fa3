"""Merge layers: combine a list of tensors (`layer([a, b])`) element-wise, by concatenation or
by a batched dot product, plus Keras's lowercase functional helpers (`add([a, b])`)."""

from __future__ import annotations

import functools

import numpy as np

from numen import ops
from numen.autodiff import Tensor
from numen.layers.base import Layer


def _as_list(layer, inputs, minimum: int) -> list:
    single_shape = isinstance(inputs, (list, tuple)) and all(
        n is None or isinstance(n, (int, np.integer)) for n in inputs) and len(inputs) > 0
    if not isinstance(inputs, (list, tuple)) or single_shape:
        raise ValueError(f"Layer '{layer.name}' ({type(layer).__name__}) must be called on a "
                         f"list of inputs, received a single {type(inputs).__name__}")
    if len(inputs) < minimum:
        raise ValueError(f"Layer '{layer.name}' ({type(layer).__name__}) needs at least "
                         f"{minimum} inputs, received {len(inputs)}")
    return list(inputs)


def _shapes(inputs) -> list:
    return [tuple(t.shape) for t in inputs]


class Merge(Layer):
    """Base of the element-wise merges: inputs broadcast against each other (NumPy rules)."""

    _min_inputs = 1

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        shapes = _as_list(self, input_shape, self._min_inputs)
        self._check_shapes(shapes)
        self.built = True

    def _check_shapes(self, shapes) -> None:
        known = [tuple(1 if n is None else n for n in s) for s in shapes]
        try:
            np.broadcast_shapes(*known)
        except ValueError:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) cannot combine "
                             f"inputs of shapes {list(shapes)}: they must be equal or "
                             f"broadcastable against each other") from None

    def _merge(self, inputs):
        raise NotImplementedError

    def call(self, inputs):
        inputs = _as_list(self, inputs, self._min_inputs)
        self._check_shapes(_shapes(inputs))
        return self._merge(inputs)

    def compute_mask(self, inputs, mask=None):
        """True where every input's mask is true (None when no input has a mask)."""
        if mask is None:
            return None
        masks = [m for m in mask if m is not None]
        if not masks:
            return None
        return functools.reduce(ops.logical_and, masks)


class Add(Merge):
    """Element-wise sum of the inputs: `Add()([a, b])`."""

    def _merge(self, inputs):
        return functools.reduce(ops.add, inputs)


class Subtract(Merge):
    """`a - b` for exactly two inputs: `Subtract()([a, b])`."""

    _min_inputs = 2

    def _merge(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"Layer '{self.name}' (Subtract) needs exactly 2 inputs, received "
                             f"{len(inputs)}")
        return ops.subtract(inputs[0], inputs[1])


class Multiply(Merge):
    """Element-wise product of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(ops.multiply, inputs)


class Average(Merge):
    """Element-wise mean of the inputs."""

    def _merge(self, inputs):
        return ops.divide(functools.reduce(ops.add, inputs), float(len(inputs)))


class Maximum(Merge):
    """Element-wise maximum of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(ops.maximum, inputs)


class Minimum(Merge):
    """Element-wise minimum of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(ops.minimum, inputs)


class Concatenate(Layer):
    """Joins the inputs along `axis`; every other axis must match.

    >>> Concatenate()([np.ones((2, 3)), np.ones((2, 4))]).shape
    (2, 7)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"Concatenate: `axis` must be an int, received {axis!r}")
        self.axis = axis
        self.supports_masking = True

    def build(self, input_shape):
        self._check_shapes(_as_list(self, input_shape, 1))
        self.built = True

    def _check_shapes(self, shapes) -> None:
        ranks = {len(s) for s in shapes}
        ok = len(ranks) == 1
        if ok:
            rank = ranks.pop()
            if not -rank <= self.axis < rank:
                ok = False
            else:
                axis = self.axis % rank
                for i in range(rank):
                    sizes = {s[i] for s in shapes if s[i] is not None}
                    if i != axis and len(sizes) > 1:
                        ok = False
        if not ok:
            raise ValueError(f"Layer '{self.name}' (Concatenate) requires inputs of equal rank "
                             f"whose shapes match except on the concatenation axis "
                             f"{self.axis}; received input shapes {list(shapes)}")

    def call(self, inputs):
        inputs = _as_list(self, inputs, 1)
        self._check_shapes(_shapes(inputs))
        return ops.concatenate(inputs, axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        """Masks joined along `axis` (an all-true mask stands in for an input without one)."""
        if mask is None or all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            shape = tuple(x.shape)
            if m is None:
                masks.append(ops.ones(shape, dtype="bool"))
                continue
            m = m if isinstance(m, Tensor) else ops.convert_to_tensor(m)
            while m.ndim < len(shape):
                m = ops.expand_dims(m, -1)
            masks.append(ops.broadcast_to(m, shape))
        joined = ops.concatenate(masks, axis=self.axis)
        return ops.all(joined, axis=-1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(Layer):
    """Batched dot product of two inputs over `axes` (optionally of L2-normalized inputs,
    giving the cosine similarity).

    Args:
        axes: int, or a pair of ints (one axis per input), counted with the batch axis.
        normalize: L2-normalize each input along its dot axis first.

    >>> Dot(axes=1)([np.ones((2, 3)), np.ones((2, 3))]).shape
    (2, 1)
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, int) and not isinstance(axes, bool):
            pass
        elif (isinstance(axes, (list, tuple)) and len(axes) == 2
              and all(isinstance(a, int) for a in axes)):
            axes = tuple(axes)
        else:
            raise TypeError(f"Dot: `axes` must be an int or a pair of ints, received {axes!r}")
        self.axes = axes
        self.normalize = bool(normalize)

    def _resolve(self, shapes) -> tuple[int, int]:
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        out = []
        for a, s in zip(pair, shapes):
            if not -len(s) <= a < len(s) or a % len(s) == 0:
                raise ValueError(f"Layer '{self.name}' (Dot): axis {a} is not a non-batch axis "
                                 f"of an input of shape {s}")
            out.append(a % len(s))
        if shapes[0][out[0]] != shapes[1][out[1]] and None not in (shapes[0][out[0]],
                                                                   shapes[1][out[1]]):
            raise ValueError(f"Layer '{self.name}' (Dot): dimension mismatch on axes {out}: "
                             f"received input shapes {list(shapes)}")
        return out[0], out[1]

    def build(self, input_shape):
        shapes = _as_list(self, input_shape, 2)
        if len(shapes) != 2:
            raise ValueError(f"Layer '{self.name}' (Dot) needs exactly 2 inputs, received "
                             f"{len(shapes)}")
        self._resolve(shapes)
        self.built = True

    def call(self, inputs):
        x, y = _as_list(self, inputs, 2)[:2]
        ax, ay = self._resolve([tuple(x.shape), tuple(y.shape)])
        if self.normalize:
            x = ops.normalize(x, axis=ax)
            y = ops.normalize(y, axis=ay)
        letters = "bcdefghijklmnopqrstuvwxyz"
        xs = "a" + letters[: x.ndim - 1]
        ys = "a" + letters[x.ndim - 1: x.ndim - 1 + y.ndim - 1]
        ys = ys[:ay] + xs[ax] + ys[ay + 1:]
        out = xs.replace(xs[ax], "") + ys[1:].replace(xs[ax], "")
        result = ops.einsum(f"{xs},{ys}->{out}", x, y)
        if result.ndim == 1:
            result = ops.expand_dims(result, 1)
        return result

    def get_config(self):
        axes = list(self.axes) if isinstance(self.axes, tuple) else self.axes
        return {**super().get_config(), "axes": axes, "normalize": self.normalize}


def add(inputs, **kwargs):
    """Functional form of `Add`: `add([a, b])`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of `Subtract`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of `Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of `Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of `Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of `Minimum`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`: `concatenate([a, b], axis=-1)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """Functional form of `Dot`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
