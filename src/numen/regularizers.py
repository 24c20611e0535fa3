"""Weight penalties added to the loss: L1, L2 and both, with Keras's defaults (0.01)."""

from __future__ import annotations

import numpy as np

from numen import ops


class Regularizer:
    def __call__(self, x):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    def __init__(self, l1=0.0, l2=0.0):
        for name, v in (("l1", l1), ("l2", l2)):
            if v is None or v < 0:
                raise ValueError(f"{type(self).__name__}: {name} must be >= 0, received {v!r}")
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        total = 0.0
        if self.l1:
            total = total + self.l1 * ops.sum(ops.abs(x))
        if self.l2:
            total = total + self.l2 * ops.sum(ops.square(x))
        return total

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a 2D weight towards being orthogonal to each other.

    The penalty is `factor` times the mean absolute cosine similarity between different rows
    (`mode="rows"`) or columns (`mode="columns"`).

    >>> float(OrthogonalRegularizer(0.01)(np.eye(3)))   # already orthogonal: no penalty
    0.0
    """

    def __init__(self, factor=0.01, mode="rows"):
        if factor is None or factor < 0:
            raise ValueError(f"OrthogonalRegularizer: factor must be >= 0, received {factor!r}")
        if mode not in ("rows", "columns"):
            raise ValueError("OrthogonalRegularizer: mode must be 'rows' or 'columns', received "
                             f"{mode!r}")
        self.factor, self.mode = float(factor), mode

    def __call__(self, x):
        x = ops.convert_to_tensor(x)
        if x.ndim != 2:
            raise ValueError(f"OrthogonalRegularizer: expects a 2D weight, received shape "
                             f"{tuple(x.shape)}")
        m = x if self.mode == "rows" else ops.transpose(x)
        m = m / ops.sqrt(ops.sum(ops.square(m), axis=1, keepdims=True))
        cosines = ops.matmul(m, ops.transpose(m))
        k = m.shape[0]
        off_diagonal = ops.sum(ops.abs(cosines * (1 - np.eye(k, dtype=cosines.dtype))))
        return self.factor * off_diagonal / max(k * (k - 1), 1)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# Keras's other names for the same classes.
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer

_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2,
            "orthogonal_regularizer": OrthogonalRegularizer,
            "OrthogonalRegularizer": OrthogonalRegularizer}


def get(identifier):
    """A regularizer from None, a name ('l2'), a config dict or an instance/callable."""
    if identifier is None or isinstance(identifier, Regularizer) or callable(identifier):
        return identifier
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(f"Unknown regularizer {identifier!r}; expected one of l1, l2, l1_l2")
        return _BY_NAME[identifier]()
    if isinstance(identifier, dict):
        return _BY_NAME[identifier["class_name"]].from_config(identifier.get("config", {}))
    raise TypeError(f"regularizer must be a string, dict or Regularizer, received {identifier!r}")
