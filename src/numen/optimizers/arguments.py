"""Checks of optimizer arguments, shared by every optimizer: numbers in range and the
learning rate (a number, a schedule or a callable)."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor


def check_number(owner: str, arg: str, value, low=None, high=None, low_open=False):
    """Raise ValueError unless `value` is a real number in [low, high] ((low, high] if open)."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        left = "(" if low_open else "["
        span = f" in {left}{low}, {high}]" if high is not None else (
            f" {'>' if low_open else '>='} {low}" if low is not None else "")
        raise ValueError(f"{owner}: {arg} must be a number{span}, received {value!r}")
    return value


def check_learning_rate(value, owner: str):
    """`value` as a float, or itself when a schedule or callable; ValueError naming `owner`
    for anything else (negative, not finite, not a number)."""
    if callable(value):
        return value
    if isinstance(value, Tensor):
        value = float(backend.to_numpy(value.data))
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = float(value)
    if (not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool)
            or not np.isfinite(value) or value < 0):
        raise ValueError(f"{owner}: learning_rate must be a non-negative number, a "
                         f"LearningRateSchedule or a callable, received {value!r}")
    return float(value)
