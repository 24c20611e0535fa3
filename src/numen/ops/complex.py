"""Complex numbers: real and imaginary parts, conjugate, angle, and building complex tensors.

numen differentiates real-valued functions only: these work on NumPy/CuPy complex arrays
(complex64, complex128) but record no gradient through complex values. On real inputs `real`
and `conj` are the identity (the gradient passes), `imag` and `angle` are constant.
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor
from numen.ops.elementwise import operands, to_float


def _is_complex(t: Tensor) -> bool:
    return t.data.dtype.kind == "c"


def _complex_dtype(real_dtype) -> str:
    return "complex128" if real_dtype == np.float64 else "complex64"


def real(x):
    """The real part of each element (real inputs come back as they are).

    >>> ops.real(np.array([1 + 2j], "complex64"))  # [1.0] (float32)
    """
    x = as_tensor(x)
    return Tensor(backend.xp_of(x.data).real(x.data).copy()) if _is_complex(x) else x


def imag(x):
    """The imaginary part of each element (zeros of the same dtype for real inputs).

    >>> ops.imag(np.array([1 + 2j], "complex64"))  # [2.0] (float32)
    """
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    if _is_complex(x):
        return Tensor(xp.imag(x.data).copy())
    return Tensor(xp.zeros_like(x.data))


def conj(x):
    """The complex conjugate of each element (real inputs come back as they are).

    >>> ops.conj(np.array([1 + 2j], "complex64"))  # [1 - 2j]
    """
    x = as_tensor(x)
    return Tensor(backend.xp_of(x.data).conj(x.data)) if _is_complex(x) else x


conjugate = conj


def angle(x):
    """The argument (phase) of each element in radians, in (-pi, pi]; for real inputs 0 or pi
    (pi also for -0.0). Integer inputs give floatx.

    >>> ops.angle(np.array([1j, -1.0], "complex64"))  # [1.5707964, 3.1415927]
    """
    x = to_float(as_tensor(x))
    return Tensor(backend.xp_of(x.data).angle(x.data))


def isreal(x):
    """Whether each element has a zero imaginary part (always True for real dtypes).

    >>> ops.isreal(np.array([1 + 0j, 1j], "complex64"))  # [True, False]
    """
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    if _is_complex(x):
        return Tensor(xp.imag(x.data) == 0)
    return Tensor(xp.ones(x.shape, dtype=bool))


def view_as_complex(x):
    """Pairs along the last axis (size 2: real, imaginary) as complex numbers.

    float64 gives complex128; other real dtypes give complex64.

    >>> ops.view_as_complex([[1.0, 2.0]])  # [1 + 2j]
    """
    x = as_tensor(x)
    if _is_complex(x):
        raise TypeError(f"view_as_complex: `x` must be real, received dtype {x.dtype}")
    if x.ndim == 0 or x.shape[-1] != 2:
        raise ValueError("view_as_complex: the last axis of `x` must have size 2 (real, "
                         f"imaginary), received shape {x.shape}")
    dtype = _complex_dtype(x.data.dtype)
    y = x.data[..., 0].astype(dtype)
    y.imag = x.data[..., 1]
    return Tensor(y)


def view_as_real(x):
    """Complex numbers as pairs (real, imaginary) along a new last axis of size 2.

    A real input is taken as having zero imaginary parts.

    >>> ops.view_as_real(np.array([1 + 2j], "complex64"))  # [[1.0, 2.0]] (float32)
    """
    x = as_tensor(x)
    xp = backend.xp_of(x.data)
    if _is_complex(x):
        return Tensor(xp.stack([xp.real(x.data), xp.imag(x.data)], axis=-1))
    return Tensor(xp.stack([x.data, xp.zeros_like(x.data)], axis=-1))


def polar(abs_, angle):
    """The complex numbers `abs_ * (cos(angle) + 1j * sin(angle))`, broadcast together.

    float64 gives complex128; other real dtypes give complex64 (no gradient).

    >>> ops.polar(2.0, np.pi / 2)  # 2j
    """
    r, theta = operands(abs_, angle)
    for t, arg in ((r, "abs_"), (theta, "angle")):
        if _is_complex(t):
            raise TypeError(f"polar: `{arg}` must be real, received dtype {t.dtype}")
    r, theta = to_float(r), to_float(theta)
    xp = backend.xp_of(r.data, theta.data)
    dtype = _complex_dtype(np.result_type(r.data.dtype, theta.data.dtype))
    y = (r.data * xp.cos(theta.data)).astype(dtype)
    y.imag = r.data * xp.sin(theta.data)
    return Tensor(y)
