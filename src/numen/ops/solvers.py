"""Inverses, determinants and linear solves, each with its gradient.

All work on the last two axes (stacks of matrices broadcast as in NumPy); integer input is
computed in floatx, as Keras does.
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor, result
from numen.ops.broadcast import unbroadcast
from numen.ops.decompositions import as_matrix, mT
from numen.ops.linalg import matmul


def _checked(fn, op, *arrays):
    """fn(*arrays), with LinAlgError turned into a ValueError that names the op."""
    try:
        return fn(*arrays)
    except np.linalg.LinAlgError as exc:
        raise ValueError(f"{op}: {exc} (matrix shape {arrays[0].shape})") from exc


def _solve_or_nan(a, b):
    """solve(a, b), NaN where a matrix is singular: Keras on JAX gives inf/NaN there rather
    than an error, and a Functional graph finds its shapes by running ops on zeros."""
    xp = backend.xp_of(a, b)
    try:
        return xp.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        return xp.full(batch + b.shape[-2:], np.nan, dtype=np.result_type(a.dtype, b.dtype))


def inv(x) -> Tensor:
    """The inverse of a square matrix (or of each matrix in a stack).

    A singular matrix gives NaN, as Keras on JAX gives inf or NaN.

    >>> inv([[2.0, 0.0], [0.0, 4.0]])   # [[0.5, 0], [0, 0.25]]
    """
    x = as_matrix(x, "inv")
    xp = backend.xp_of(x.data)
    eye = xp.broadcast_to(xp.eye(x.shape[-1], dtype=x.data.dtype), x.shape)
    y = _solve_or_nan(x.data, eye)
    return result(y, (x,), lambda gy: (-(mT(y) @ gy @ mT(y)),), "inv")


def det(x) -> Tensor:
    """The determinant of a square matrix (or of each matrix in a stack).

    >>> det([[1.0, 2.0], [3.0, 4.0]])   # -2
    """
    x = as_matrix(x, "det")
    xp = backend.xp_of(x.data)
    y = xp.linalg.det(x.data)

    def backward(gy):
        x_inv = _checked(xp.linalg.inv, "det", x.data)
        return ((gy * y)[..., None, None] * mT(x_inv),)

    return result(y, (x,), backward, "det")


def slogdet(x) -> tuple[Tensor, Tensor]:
    """The sign and the log of the absolute value of the determinant, as a pair.

    Only the log part carries a gradient.

    >>> sign, logabsdet = slogdet([[1.0, 2.0], [3.0, 4.0]])   # -1, log(2)
    """
    x = as_matrix(x, "slogdet")
    xp = backend.xp_of(x.data)
    sign, logabs = xp.linalg.slogdet(x.data)

    def backward(gy):
        x_inv = _checked(xp.linalg.inv, "slogdet", x.data)
        return (gy[..., None, None] * mT(x_inv),)

    return Tensor(sign), result(logabs, (x,), backward, "slogdet")


def logdet(x) -> Tensor:
    """log |det(x)|, computed stably (Keras returns the log part of `slogdet`).

    >>> logdet([[2.0, 0.0], [0.0, 3.0]])   # log(6)
    """
    return slogdet(x)[1]


def _operands(a, b, op, square=True):
    a = as_matrix(a, op, square)
    b = as_tensor(b)
    if b.data.dtype.kind not in "fc":
        b = Tensor(b.data.astype(a.data.dtype))
    if b.ndim < 1:
        raise ValueError(f"{op}: b must have rank >= 1, received a scalar")
    return a, b


def _solve(a, b, op, vector, mask=None):
    """x with a @ x = b; `vector` says whether b's last axis is the one a multiplies."""
    n = a.shape[-1]
    axis = -1 if vector else -2
    if b.shape[axis] != n:
        raise ValueError(f"{op}: a of shape {a.shape} cannot be solved against b of shape "
                         f"{b.shape}; expected b.shape[{axis}] == {n}")
    xp = backend.xp_of(a.data, b.data)
    ad = a.data if mask is None else xp.where(mask, a.data, 0)
    x = _solve_or_nan(ad, b.data[..., None] if vector else b.data)

    def backward(gy):
        gb = xp.linalg.solve(mT(ad), gy[..., None] if vector else gy)
        ga = -(gb @ mT(x))
        ga = ga if mask is None else ga * mask
        gb = gb[..., 0] if vector else gb
        return unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)

    return result(x[..., 0] if vector else x, (a, b), backward, op)


def solve(a, b) -> Tensor:
    """x with a @ x = b, for square `a`.

    `b` is one vector when 1-D, otherwise a matrix (or a stack of them) whose second-to-last
    axis `a` multiplies; stacks broadcast as in NumPy.

    >>> solve([[2.0, 0.0], [0.0, 4.0]], [2.0, 2.0])   # [1, 0.5]
    """
    a, b = _operands(a, b, "solve")
    return _solve(a, b, "solve", vector=b.ndim == 1)


def solve_triangular(a, b, lower: bool = False) -> Tensor:
    """x with a @ x = b, reading only the upper (or, with `lower`, the lower) triangle of `a`.

    `b` holds vectors when it has one axis less than `a`, otherwise matrices.

    >>> solve_triangular([[2.0, 1.0], [0.0, 4.0]], [4.0, 4.0])   # [1.5, 1]
    """
    a, b = _operands(a, b, "solve_triangular")
    xp = backend.xp_of(a.data)
    n = a.shape[-1]
    mask = xp.tri(n, dtype=bool) if lower else ~xp.tri(n, k=-1, dtype=bool)
    return _solve(a, b, "solve_triangular", vector=b.ndim == a.ndim - 1, mask=mask)


def _pinv_default_rcond(shape, dtype):
    return 10 * max(shape[-2:]) * float(np.finfo(dtype).eps)


def pinv(x, rcond=None) -> Tensor:
    """The Moore-Penrose pseudo-inverse, from the SVD.

    Args:
        x: matrix (or stack) of shape (..., m, n).
        rcond: singular values below rcond * (largest singular value) count as zero;
            None means 10 * max(m, n) * machine epsilon (as Keras on JAX).

    The gradient assumes the rank stays the same near `x`.

    >>> pinv([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])   # shape (2, 3)
    """
    x = as_matrix(x, "pinv", square=False)
    xp = backend.xp_of(x.data)
    if rcond is None:
        rcond = _pinv_default_rcond(x.shape, x.data.dtype)
    u, s, vt = xp.linalg.svd(x.data, full_matrices=False)
    cutoff = xp.asarray(rcond, dtype=s.dtype)[..., None] * s[..., :1]
    s_inv = xp.where(s > cutoff, 1 / xp.where(s > cutoff, s, 1), 0)
    p = mT(vt) @ (s_inv[..., :, None] * mT(u))

    def backward(g):
        a, pt, gt = x.data, mT(p), mT(g)
        # Golub & Pereyra's derivative of the pseudo-inverse, transposed.
        ga = -(pt @ g @ pt)
        ga = ga + (gt - a @ (p @ gt)) @ (p @ pt)
        ga = ga + (pt @ p) @ (gt - (gt @ p) @ a)
        return (ga,)

    return result(p, (x,), backward, "pinv")


def lstsq(a, b, rcond=None) -> Tensor:
    """The least-squares solution x of a @ x = b (minimum norm when `a` is rank-deficient).

    Args:
        a: matrix of shape (m, n).
        b: shape (m,) or (m, k).
        rcond: singular values of `a` below rcond * (largest) count as zero; None means
            max(m, n) * machine epsilon.

    Returns the solution only (shape (n,) or (n, k)), as Keras does.

    >>> lstsq([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], [1.0, 2.0, 3.0])   # [1, 2]
    """
    a, b = _operands(a, b, "lstsq", square=False)
    if a.ndim != 2:
        raise ValueError(f"lstsq: a must be a matrix (rank 2), received shape {a.shape}")
    if b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
        raise ValueError(f"lstsq: b must have shape ({a.shape[0]},) or ({a.shape[0]}, k) "
                         f"for a of shape {a.shape}, received {b.shape}")
    if rcond is None:
        rcond = max(a.shape) * float(np.finfo(a.data.dtype).eps)
    return matmul(pinv(a, rcond=rcond), b)


def matrix_rank(x, tol=None) -> Tensor:
    """The number of singular values above `tol` (int32); no gradient.

    Args:
        tol: absolute threshold; None means largest singular value * max(m, n) * epsilon.

    >>> matrix_rank([[1.0, 2.0], [2.0, 4.0]])   # 1
    """
    x = as_matrix(x, "matrix_rank", square=False)
    xp = backend.xp_of(x.data)
    s = xp.linalg.svd(x.data, compute_uv=False)
    if tol is None:
        tol = s.max(axis=-1) * max(x.shape[-2:]) * float(np.finfo(s.dtype).eps)
    tol = xp.asarray(tol.data if isinstance(tol, Tensor) else tol)
    return Tensor((s > tol[..., None]).sum(axis=-1).astype("int32"))
