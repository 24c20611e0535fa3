"""Argument checks shared by layers, with messages that name the layer and the argument."""

from __future__ import annotations

import numpy as np


def _owner(layer) -> str:
    return type(layer).__name__ if layer is not None else "layer"


def positive_int(value, arg: str, layer=None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{_owner(layer)}: `{arg}` must be a positive integer, received "
                         f"{value!r}")
    return int(value)


def int_tuple(value, n: int, arg: str, layer=None) -> tuple:
    """An int or a sequence of `n` ints, as a tuple of `n` ints."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * n
    try:
        out = tuple(int(v) for v in value)
    except TypeError:
        out = ()
    if len(out) != n:
        raise ValueError(f"{_owner(layer)}: `{arg}` must be an int or a tuple of {n} ints, "
                         f"received {value!r}")
    return out


def one_of(value, allowed, arg: str, layer=None):
    v = value.lower() if isinstance(value, str) else value
    if v not in allowed:
        raise ValueError(f"{_owner(layer)}: `{arg}` must be one of {tuple(allowed)}, received "
                         f"{value!r}")
    return v
