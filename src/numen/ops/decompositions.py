"""Matrix decompositions (Cholesky, eigen, QR, SVD, LU), each with its gradient.

All work on the last two axes, so a stack of matrices is decomposed matrix by matrix. Integer
input is decomposed in floatx, as Keras does. A decomposition with several outputs returns one
Tensor per output, each recording its own share of the gradient: the gradient of the input is
linear in the outputs' gradients, so the shares simply add up in the backward pass.
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor, result
from numen.ops.linalg import matmul
from numen.ops.manipulation import swapaxes


def as_matrix(x, op: str, square: bool = True) -> Tensor:
    """`x` as a floating Tensor of rank >= 2 (square in its last two axes when `square`)."""
    x = as_tensor(x)
    if x.data.dtype.kind not in "fc":
        x = Tensor(x.data.astype(backend.floatx()))
    if x.ndim < 2:
        raise ValueError(f"{op}: expected a matrix or a stack of matrices (rank >= 2), "
                         f"received shape {x.shape}")
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{op}: expected square matrices in the last two axes, "
                         f"received shape {x.shape}")
    return x


def mT(a):  # noqa: N802 - the array API's name for the matrix transpose
    """The transpose of the last two axes of an array."""
    return a.swapaxes(-1, -2)


def _symmetric(a):
    # Keras (JAX) symmetrizes the input of cholesky and eigh, so both triangles matter and the
    # gradient is symmetric.
    return (a + mT(a)) / 2


def cholesky(x, upper: bool = False) -> Tensor:
    """The Cholesky factor of a symmetric positive-definite matrix.

    Args:
        x: matrix (or stack) of shape (..., n, n); its symmetric part is decomposed.
        upper: return the upper factor U (x = U^T U) instead of the lower L (x = L L^T).

    Raises:
        ValueError: when `x` is not square or not positive definite.

    >>> cholesky([[4.0, 2.0], [2.0, 5.0]])   # [[2, 0], [1, 2]]
    """
    x = as_matrix(x, "cholesky")
    xp = backend.xp_of(x.data)
    try:
        low = xp.linalg.cholesky(_symmetric(x.data))
    except np.linalg.LinAlgError as exc:
        raise ValueError("cholesky: decomposition failed, the input is not a symmetric "
                         f"positive-definite matrix (shape {x.shape})") from exc
    if xp.isnan(low).any():  # CuPy returns NaNs where NumPy raises
        raise ValueError("cholesky: decomposition failed, the input is not a symmetric "
                         f"positive-definite matrix (shape {x.shape})")
    n = x.shape[-1]

    def backward(gy):
        gl = mT(gy) if upper else gy
        # Phi: lower triangle with the diagonal halved (Murray, 2016).
        phi = xp.tril(mT(low) @ gl) * (1 - 0.5 * xp.eye(n, dtype=low.dtype))
        low_inv = xp.linalg.inv(low)
        p = mT(low_inv) @ phi @ low_inv
        return (_symmetric(p),)

    return result(mT(low) if upper else low, (x,), backward, "cholesky")


def cholesky_inverse(x, upper: bool = False) -> Tensor:
    """The inverse of A from its Cholesky factor `x` (A = L L^T, or U^T U when `upper`).

    >>> cholesky_inverse(cholesky(a))   # inv(a), computed from the factor
    """
    from numen.ops.solvers import solve_triangular  # solvers builds on this module

    x = as_matrix(x, "cholesky_inverse")
    xp = backend.xp_of(x.data)
    eye = Tensor(xp.broadcast_to(xp.eye(x.shape[-1], dtype=x.data.dtype), x.shape))
    factor_inv = solve_triangular(x, eye, lower=not upper)
    t = swapaxes(factor_inv, -1, -2)
    return matmul(factor_inv, t) if upper else matmul(t, factor_inv)


def eig(x) -> tuple[Tensor, Tensor]:
    """Eigenvalues and right eigenvectors of a general square matrix, as complex tensors.

    No gradient flows through `eig` (use `eigh` for symmetric matrices).

    >>> w, v = eig([[2.0, 0.0], [0.0, 3.0]])   # w = [2+0j, 3+0j]
    """
    x = as_matrix(x, "eig")
    data = backend.to_numpy(x.data)  # a general eigensolver exists only on the CPU (LAPACK)
    complex_dtype = np.result_type(data.dtype, np.complex64)
    w, v = np.linalg.eig(data)
    return (Tensor(backend.to_device(w.astype(complex_dtype))),
            Tensor(backend.to_device(v.astype(complex_dtype))))


def eigh(x) -> tuple[Tensor, Tensor]:
    """Eigenvalues (ascending) and orthonormal eigenvectors (columns) of a symmetric matrix.

    The symmetric part of `x` is decomposed. Gradients assume distinct eigenvalues.

    >>> w, v = eigh([[2.0, 1.0], [1.0, 2.0]])   # w = [1, 3]
    """
    x = as_matrix(x, "eigh")
    xp = backend.xp_of(x.data)
    w, v = xp.linalg.eigh(_symmetric(x.data))
    n = x.shape[-1]

    def backward_w(gw):
        return ((v * gw[..., None, :]) @ mT(v),)

    def backward_v(gv):
        eye = xp.eye(n, dtype=w.dtype)
        # f[i, j] = 1 / (w_j - w_i) off the diagonal, 0 on it.
        f = 1 / (w[..., None, :] - w[..., :, None] + eye) - eye
        return (_symmetric(v @ (f * (mT(v) @ gv)) @ mT(v)),)

    return result(w, (x,), backward_w, "eigh"), result(v, (x,), backward_v, "eigh")


def qr(x, mode: str = "reduced") -> tuple[Tensor, Tensor]:
    """QR decomposition x = Q R (Q with orthonormal columns, R upper triangular).

    Args:
        x: matrix (or stack) of shape (..., m, n).
        mode: 'reduced' (Q is m x k, R is k x n, k = min(m, n)) or 'complete' (Q is m x m).

    Gradients are defined except for mode='complete' with m > n.

    >>> q, r = qr([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])   # q: (3, 2), r: (2, 2)
    """
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: mode must be 'reduced' or 'complete', received {mode!r}")
    x = as_matrix(x, "qr", square=False)
    xp = backend.xp_of(x.data)
    q, r = xp.linalg.qr(x.data, mode=mode)
    m, n = x.shape[-2:]

    def grad(gq, gr):
        if m > n and mode == "complete":
            raise ValueError(f"qr: no gradient for mode='complete' when rows > columns "
                             f"(shape {x.shape}); use mode='reduced'")
        if m >= n:
            return (_qr_grad_tall(q, r, gq, gr),)
        # Wide: x = [X | Y] with X = Q U square, so Y = Q V (Roberts & Roberts; TensorFlow).
        gv = gr[..., :, m:]
        gx = _qr_grad_tall(q, r[..., :, :m], gq + x.data[..., :, m:] @ mT(gv), gr[..., :, :m])
        return (xp.concatenate([gx, q @ gv], axis=-1),)

    return (result(q, (x,), lambda gq: grad(gq, xp.zeros_like(r)), "qr"),
            result(r, (x,), lambda gr: grad(xp.zeros_like(q), gr), "qr"))


def _qr_grad_tall(q, r, gq, gr):
    """Gradient of A for A = Q R with Q (m, n), R (n, n), m >= n."""
    xp = backend.xp_of(q)
    qdq = mT(q) @ gq
    rdr = r @ mT(gr)
    lower = xp.tril(qdq - mT(qdq) + rdr - mT(rdr))

    def times_r_inv_t(a):  # a @ inv(R)^T, as a solve
        return mT(xp.linalg.solve(r, mT(a)))

    return q @ (gr + times_r_inv_t(lower)) + times_r_inv_t(gq - q @ qdq)


def svd(x, full_matrices: bool = True, compute_uv: bool = True):
    """Singular value decomposition x = U diag(S) V^T; returns (U, S, V^T), or S alone.

    Args:
        x: matrix (or stack) of shape (..., m, n).
        full_matrices: U is m x m and V^T n x n; otherwise k = min(m, n) columns/rows.
        compute_uv: return (U, S, V^T) when True, only the singular values S when False.

    Gradients of U and V^T need full_matrices=False unless x is square, and distinct nonzero
    singular values; the gradient of S is always defined.

    >>> u, s, vt = svd([[3.0, 0.0], [0.0, 4.0]])   # s = [4, 3]
    """
    x = as_matrix(x, "svd", square=False)
    xp = backend.xp_of(x.data)
    m, n = x.shape[-2:]
    k = min(m, n)
    u, s, vt = xp.linalg.svd(x.data, full_matrices=full_matrices and compute_uv)
    ur, vtr = u[..., :, :k], vt[..., :k, :]

    def backward_s(gs):
        return ((ur * gs[..., None, :]) @ vtr,)

    s_out = result(s, (x,), backward_s, "svd")
    if not compute_uv:
        return s_out
    s_row, s_col = s[..., None, :], s[..., :, None]

    def spectral_gaps():
        """f[i, j] = 1 / (s_j^2 - s_i^2) off the diagonal, 0 on it (U, V^T gradients)."""
        if full_matrices and m != n:
            raise ValueError(f"svd: gradients of U and V^T need full_matrices=False for "
                             f"non-square input (shape {x.shape})")
        eye = xp.eye(k, dtype=s.dtype)
        return 1 / ((s_row + s_col) * (s_row - s_col) + eye) - eye

    def backward_u(gu):
        j = spectral_gaps() * (mT(ur) @ gu)
        gx = ur @ ((j + mT(j)) * s_row) @ vtr
        if m > n:
            gx = gx + ((gu - ur @ (mT(ur) @ gu)) / s_row) @ vtr
        return (gx,)

    def backward_vt(gvt):
        j = spectral_gaps() * (vtr @ mT(gvt))
        gx = ur @ ((j + mT(j)) * s_col) @ vtr
        if n > m:
            gx = gx + ur @ ((gvt - (gvt @ mT(vtr)) @ vtr) / s_col)
        return (gx,)

    return result(u, (x,), backward_u, "svd"), s_out, result(vt, (x,), backward_vt, "svd")


def lu_factor(x) -> tuple[Tensor, Tensor]:
    """LU decomposition with partial pivoting, packed as SciPy's `lu_factor` packs it.

    Returns (lu, pivots): `lu` holds U on and above the diagonal and the unit-lower L below
    it; `pivots[i]` (int32) is the row swapped with row i at step i. The gradient flows
    through `lu` (the pivots held fixed).

    >>> lu, piv = lu_factor([[1.0, 2.0], [3.0, 4.0]])   # piv = [1, 1]
    """
    x = as_matrix(x, "lu_factor", square=False)
    xp = backend.xp_of(x.data)
    m, n = x.shape[-2:]
    k = min(m, n)
    batch = x.shape[:-2]
    lu = x.data.reshape((-1, m, n)).copy()
    rows = xp.arange(lu.shape[0])
    pivots = xp.zeros((lu.shape[0], k), dtype="int32")
    order = xp.broadcast_to(xp.arange(m), (lu.shape[0], m)).copy()  # x[order] = L @ U
    for j in range(k):
        p = j + xp.argmax(xp.abs(lu[:, j:, j]), axis=-1)
        pivots[:, j] = p
        for a in (lu, order):
            row_j = a[rows, j].copy()
            a[rows, j] = a[rows, p]
            a[rows, p] = row_j
        pivot = lu[:, j, j][:, None]
        # A zero pivot leaves its column as it is (LAPACK does the same).
        lu[:, j + 1:, j] /= xp.where(pivot == 0, 1, pivot)
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j, None] * lu[:, j, None, j + 1:]
    lu, order = lu.reshape(x.shape), order.reshape(batch + (m,))

    def backward(g):
        # lu = L' + U' - I with L' (m x m) and U' (n x n) the factors padded to square; a
        # change dx gives X = L'^-1 dx[order] U'^-1 and d(lu) = L' tril(X, -1) + triu(X) U'.
        low = xp.pad(xp.tril(lu[..., :, :k], -1), [(0, 0)] * len(batch) + [(0, 0), (0, m - k)])
        low = low + xp.eye(m, dtype=lu.dtype)
        up = xp.pad(xp.triu(lu[..., :k, :]), [(0, 0)] * len(batch) + [(0, n - k), (0, 0)])
        up = up + xp.diag((xp.arange(n) >= k).astype(lu.dtype))
        gx = xp.tril(mT(low) @ g, -1) + xp.triu(g @ mT(up))
        g_rows = xp.linalg.solve(mT(low), mT(xp.linalg.solve(up, mT(gx))))
        return (xp.take_along_axis(g_rows, xp.argsort(order, axis=-1)[..., None], axis=-2),)

    return result(lu, (x,), backward, "lu_factor"), \
        Tensor(pivots.reshape(batch + (k,)))
