"""The scalar Variables an optimizer exposes as Keras does: `iterations`, `learning_rate`."""

from __future__ import annotations

import numpy as np

from numen.autodiff import Tensor, Variable


class OptimizerVariable(Variable):
    """A scalar Variable of an optimizer (its iteration count or learning rate): a Variable
    like any other, whose writes (`assign`, `assign_add`, `assign_sub`) also reach the number
    the optimizer keeps, through `on_assign(value)`. It compares with any number-like object
    (`pytest.approx` included) as Keras's Variables do."""

    __slots__ = ("_on_assign",)

    def __init__(self, value, on_assign, name, path):
        super().__init__(value, trainable=False, dtype=value.dtype.name, name=name, path=path)
        self._on_assign = on_assign

    def assign(self, value):
        super().assign(value)
        self._on_assign(value)
        return self

    def assign_add(self, value):
        super().assign_add(value)
        self._on_assign(self.data)
        return self

    def assign_sub(self, value):
        super().assign_sub(value)
        self._on_assign(self.data)
        return self

    def __eq__(self, other):
        if not isinstance(other, (Tensor, int, float, np.ndarray, np.generic)):
            return NotImplemented
        return super().__eq__(other)

    def __ne__(self, other):
        if not isinstance(other, (Tensor, int, float, np.ndarray, np.generic)):
            return NotImplemented
        return super().__ne__(other)

    __hash__ = Variable.__hash__

    def __repr__(self) -> str:
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"value={self.data.item()}>")
