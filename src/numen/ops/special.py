"""Special functions: erfc, erfinv and the modified Bessel function i0, each with its gradient.

SciPy is not a dependency. erfc uses SciPy's when SciPy is installed (as `ops.erf` does) and
Python's exact math.erfc otherwise; erfinv and i0 are NumPy-only (a rational approximation
refined by one Newton step on erf, and NumPy's i0 with a series for its derivative i1).
"""

from __future__ import annotations

import math as pymath

import numpy as np

from numen import backend
from numen.autodiff import as_tensor, result
from numen.ops.elementwise import reject_complex, to_float
from numen.ops.math import erf

_scipy_erfc = None  # looked up on first use: importing SciPy costs ~0.3 s at start-up
_TWO_OVER_SQRT_PI = 2.0 / np.sqrt(np.pi)


def _erfc_values(x):
    global _scipy_erfc
    if _scipy_erfc is None:
        try:
            from scipy.special import erfc as found
        except ImportError:  # pragma: no cover - SciPy ships with scikit-learn in the dev setup
            found = False
        _scipy_erfc = found
    if _scipy_erfc and isinstance(x, np.ndarray):
        return _scipy_erfc(x).astype(x.dtype, copy=False)
    # Exact but slow fallback (no SciPy, or a GPU array): Python's math.erfc per element.
    values = np.vectorize(pymath.erfc, otypes=[x.dtype])(backend.to_numpy(x))
    return backend.xp_of(x).asarray(values)


def erfc(x):
    """Complementary error function, `1 - erf(x)`, accurate also where it is tiny (large x).

    >>> ops.erfc([0.0, 3.0])  # [1.0, 2.209e-05]
    """
    x = to_float(as_tensor(x))
    reject_complex(x, "erfc")
    xp = backend.xp_of(x.data)
    y = _erfc_values(x.data)
    return result(y, (x,), lambda gy: (-_TWO_OVER_SQRT_PI * gy * xp.exp(-x.data * x.data),),
                  "erfc")


# Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9).
_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02,
      1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00)
_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02,
      6.680131188771972e01, -1.328068155288572e01, 1.0)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00,
      -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00,
      3.754408661907416e00, 1.0)
_TAIL = 0.02425  # below this probability (in either tail) the tail formula is used


def _poly(coefficients, t):
    out = coefficients[0] * t + coefficients[1]
    for c in coefficients[2:]:
        out = out * t + c
    return out


def _erfinv_values(y):
    """erfinv of a float array, computed in float64 and returned in y's dtype."""
    xp = backend.xp_of(y)
    t = xp.abs(y.astype("float64"))
    central = t <= 1 - 2 * _TAIL
    with np.errstate(divide="ignore", invalid="ignore"):
        q = t / 2  # the normal quantile at p = (1 + t) / 2, written around its centre
        r = q * q
        mid = q * _poly(_A, r) / _poly(_B, r)
        s = xp.sqrt(-2 * xp.log((1 - t) / 2))  # its upper tail, from 1 - p = (1 - t) / 2
        tail = -_poly(_C, s) / _poly(_D, s)
        z = xp.where(central, mid, tail) / np.sqrt(2.0)
        finite = t < 1
        z = xp.where(finite, z, xp.where(t == 1, np.inf, np.nan))
        # One Newton step on erf(z) = t brings the 1e-9 approximation to float64 precision;
        # above 0.5 it is taken on erfc(z) = 1 - t, which keeps its digits where erf nears 1.
        safe = xp.where(finite, z, 0.0)
        near_one = t > 0.5
        residual = xp.where(near_one, (1 - t) - _erfc_values(safe), erf(safe).data - t)
        step = residual / (_TWO_OVER_SQRT_PI * xp.exp(-safe * safe))
        z = xp.where(finite, safe - step, z)
    return (xp.sign(y) * z).astype(y.dtype)


def erfinv(x):
    """Inverse error function on (-1, 1): ±inf at ±1, nan outside.

    >>> ops.erfinv([0.0, 0.5])  # [0.0, 0.47693628]
    """
    x = to_float(as_tensor(x))
    reject_complex(x, "erfinv")
    xp = backend.xp_of(x.data)
    y = _erfinv_values(x.data)
    scale = np.sqrt(np.pi) / 2
    return result(y, (x,), lambda gy: (gy * scale * xp.exp(y * y),), "erfinv")


def _i1_values(x):
    """The modified Bessel function I1 (the derivative of I0), computed in float64."""
    xp = backend.xp_of(x)
    ax = xp.abs(x.astype("float64"))
    # Power series sum (x/2)**(2k+1) / (k! (k+1)!) up to 20 (terms fall below 1e-16 by k=45)...
    small = xp.minimum(ax, 20.0)
    term = small / 2
    total = term.copy()
    quarter = term * term
    for k in range(1, 48):
        term = term * quarter / (k * (k + 1))
        total = total + term
    # ...and beyond 20 the asymptotic series e**x / sqrt(2 pi x) * sum (-1)**k a_k / x**k,
    # whose terms keep shrinking past k=20 for x >= 20.
    large = xp.maximum(ax, 20.0)
    coefficient = xp.ones_like(large)
    series = xp.ones_like(large)
    for k in range(1, 22):
        coefficient = coefficient * -(4 - (2 * k - 1) ** 2) / (8 * k * large)
        series = series + coefficient
    with np.errstate(over="ignore"):
        asymptotic = xp.exp(large) / xp.sqrt(2 * np.pi * large) * series
    return xp.sign(x) * xp.where(ax <= 20.0, total, asymptotic)


def i0(x):
    """The modified Bessel function of the first kind, order 0.

    >>> ops.i0([0.0, 1.0])  # [1.0, 1.2660659]
    """
    x = to_float(as_tensor(x))
    reject_complex(x, "i0")
    xp = backend.xp_of(x.data)
    y = xp.i0(x.data.astype("float64")).astype(x.data.dtype)
    return result(y, (x,), lambda gy: (gy * _i1_values(x.data).astype(gy.dtype),), "i0")
