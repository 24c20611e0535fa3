"""Tapering windows for signal processing (symmetric, as NumPy's), in floatx."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor


def _length(x, op: str) -> int:
    value = x.data if isinstance(x, Tensor) else x
    value = np.asarray(backend.to_numpy(value) if not isinstance(value, (int, float)) else value)
    if value.ndim != 0 or value.dtype.kind not in "iuf" or value != int(value):
        raise TypeError(f"{op}: x must be an integer window length, received {x!r}")
    return int(value)


def _window(values) -> Tensor:
    return Tensor(backend.to_device(np.asarray(values, dtype=backend.floatx())))


def hanning(x) -> Tensor:
    """The Hann window of length `x` (0.5 - 0.5 cos, zero at both ends).

    >>> hanning(5)   # [0, 0.5, 1, 0.5, 0]
    """
    return _window(np.hanning(_length(x, "hanning")))


def hamming(x) -> Tensor:
    """The Hamming window of length `x` (0.54 - 0.46 cos).

    >>> hamming(3)   # [0.08, 1, 0.08]
    """
    return _window(np.hamming(_length(x, "hamming")))


def blackman(x) -> Tensor:
    """The Blackman window of length `x` (three cosine terms).

    >>> blackman(3)   # [0, 1, 0] (up to rounding)
    """
    return _window(np.blackman(_length(x, "blackman")))


def bartlett(x) -> Tensor:
    """The Bartlett (triangular) window of length `x`.

    >>> bartlett(5)   # [0, 0.5, 1, 0.5, 0]
    """
    return _window(np.bartlett(_length(x, "bartlett")))


def kaiser(x, beta) -> Tensor:
    """The Kaiser window of length `x` with shape parameter `beta` (0 gives a flat window).

    >>> kaiser(4, 0.0)   # [1, 1, 1, 1]
    """
    beta = float(backend.to_numpy(beta.data) if isinstance(beta, Tensor) else beta)
    return _window(np.kaiser(_length(x, "kaiser"), beta))
