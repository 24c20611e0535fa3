"""The scalar Variables an optimizer exposes as Keras does: `iterations`, `learning_rate`."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, Variable
from numen.optimizers.arguments import check_learning_rate


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


class CountAndRate:
    """The step count and learning rate of an Optimizer (its base class), as Keras programs
    see them: `iterations` and `learning_rate` Variables. The Optimizer's `__init__` sets the
    numbers this reads (`_step_count`, `_learning_rate`, `gradient_accumulation_steps`) and
    the Variables' slots (None until first read)."""

    # -- step count ------------------------------------------------------------------------
    # The numbers themselves are Python ints and floats, which the update step reads; the
    # Variables Keras programs see (`iterations`, `learning_rate`) are made on first read and
    # kept equal to them: writes to either side update the other.
    @property
    def _steps_taken(self) -> int:
        return self._step_count

    @_steps_taken.setter
    def _steps_taken(self, value):
        self._step_count = value
        var = self._iterations_variable
        if var is not None:
            var.data[...] = self._iteration_count()
        if self._calls_variable is not None:
            self._calls_variable.data[...] = value

    def _iteration_count(self) -> int:
        """`iterations` as a Python int (what update steps use; learning rate schedules are
        called with the count of calls, `_step_count`, as in Keras)."""
        if self.gradient_accumulation_steps:
            return self._step_count // self.gradient_accumulation_steps
        return self._step_count

    @property
    def iterations(self) -> Variable:
        """Number of updates applied so far (the value schedules are called with), as Keras's
        int32 Variable `<name>/iteration`; `assign` (or setting the attribute) moves it."""
        var = self._iterations_variable
        if var is None:
            var = self._iterations_variable = OptimizerVariable(
                np.asarray(self._iteration_count(), dtype=np.int32), self._assign_iterations,
                name="iteration", path=f"{self.name}/iteration")
        return var

    @iterations.setter
    def iterations(self, value):
        self._assign_iterations(value)

    def _assign_iterations(self, value):
        value = value.data if isinstance(value, Tensor) else value
        self._steps_taken = int(np.asarray(value)) * (self.gradient_accumulation_steps or 1)

    def _calls_counter(self) -> Variable:
        """Under gradient accumulation, Keras's count of `apply` calls, which is what its
        `variables[0]` and saved files hold (`iterations` counts the updates alone)."""
        var = self._calls_variable
        if var is None:
            var = self._calls_variable = OptimizerVariable(
                np.asarray(self._step_count, dtype=np.int32), self._assign_calls,
                name="iteration", path=f"{self.name}/iteration")
        return var

    def _assign_calls(self, value):
        value = value.data if isinstance(value, Tensor) else value
        self._steps_taken = int(np.asarray(value))

    # -- learning rate ---------------------------------------------------------------------
    @property
    def learning_rate(self):
        """The learning rate. When it is a number: Keras's float32 Variable
        `<name>/learning_rate` (`assign` it, or set the attribute, to change it); with a
        schedule or callable: its current value, a floatx NumPy scalar. Setting a schedule
        replaces the rate."""
        if callable(self._learning_rate):
            return np.asarray(self._current_lr(), dtype=backend.floatx())[()]
        var = self._learning_rate_variable
        if var is None:
            var = self._learning_rate_variable = OptimizerVariable(
                np.asarray(self._learning_rate, dtype=backend.floatx()),
                self._assign_learning_rate, name="learning_rate",
                path=f"{self.name}/learning_rate")
        return var

    @learning_rate.setter
    def learning_rate(self, value):
        from numen.optimizers.schedules import LearningRateSchedule

        if isinstance(self._learning_rate, LearningRateSchedule) and not callable(value):
            raise TypeError(f"{type(self).__name__}: the learning rate was given as a "
                            f"LearningRateSchedule, so it cannot be set to {value!r}; "
                            "assign a new schedule instead")
        self._set_learning_rate(check_learning_rate(value, type(self).__name__))

    lr = learning_rate

    def _set_learning_rate(self, value) -> None:
        """Replace the rate (a float, kept exact for the updates, or a schedule)."""
        self._learning_rate = value
        var = self._learning_rate_variable
        if var is not None and not callable(value):
            var.data[...] = value

    def _assign_learning_rate(self, value):
        # Called by the Variable after its own array took the value: a Python number is
        # kept exact, as when set through the attribute.
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self._learning_rate = float(value)
        else:
            self._learning_rate = float(self._learning_rate_variable.data)

    def _current_lr(self) -> float:
        from numen.optimizers.schedules import LearningRateSchedule

        lr = self._learning_rate
        if type(lr) is float:  # the usual case, checked first: this runs every step
            return lr
        if isinstance(lr, LearningRateSchedule):
            lr = lr(self._step_count)  # Keras counts calls here, accumulating ones included
        elif callable(lr):
            lr = lr()
        return float(backend.to_numpy(lr.data if isinstance(lr, Tensor) else lr))
