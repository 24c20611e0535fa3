"""The shuffle-then-split the regression datasets share."""

from __future__ import annotations

import numpy as np


def shuffle_split(x: np.ndarray, y: np.ndarray, test_split: float, seed: int):
    """Shuffle `x`, `y` together with `RandomState(seed)`; the last `test_split` is the test
    set (`test_split` was checked by the caller, before any download)."""
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    n = int(len(x) * (1 - test_split))
    return (np.array(x[:n]), np.array(y[:n])), (np.array(x[n:]), np.array(y[n:]))
