"""keras.ops linear algebra: norms, decompositions, inverses and solves (values, gradients)."""

import numpy as np

from golden_cases.case import Case, const, f32, ints


def well(*shape):
    """Well-conditioned square matrices: random plus n on the diagonal."""
    n = shape[-1]
    return lambda rng: (rng.standard_normal(shape) + n * np.eye(n)).astype("float32")


def spd(*shape):
    """Symmetric positive-definite matrices with well-separated eigenvalues."""
    n = shape[-1]

    def make(rng):
        a = rng.standard_normal(shape)
        return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype("float32")

    return make


def factor(*shape):
    """Lower-triangular Cholesky-like factors with a positive diagonal."""
    n = shape[-1]
    return lambda rng: (np.tril(rng.standard_normal(shape), -1)
                        + np.diag(rng.uniform(1.0, 2.0, n))).astype("float32")


def triangular(*shape):
    """Upper-triangular matrices with distinct diagonals (real eigenvalues, for eig)."""
    return lambda rng: (np.triu(rng.standard_normal(shape), 1)
                        + np.diag(np.arange(1.0, shape[-1] + 1))).astype("float32")


INF = float("inf")

CASES = [
    Case("norm", lambda k, x: k.ops.norm(x), [f32(3, 4)], grad=True),
    Case("norm_axis_keepdims", lambda k, x: k.ops.norm(x, axis=1, keepdims=True),
         [f32(3, 4)], grad=True),
    Case("norm_ord1_axis0", lambda k, x: k.ops.norm(x, ord=1, axis=0), [f32(3, 4)], grad=True),
    Case("norm_ord3", lambda k, x: k.ops.norm(x, ord=3, axis=-1), [f32(2, 5)], grad=True),
    Case("norm_vector_inf", lambda k, x: k.ops.norm(x, ord=INF), [f32(6)], grad=True),
    Case("norm_matrix_2", lambda k, x: k.ops.norm(x, ord=2), [f32(3, 4)], grad=True),
    Case("norm_matrix_nuc", lambda k, x: k.ops.norm(x, ord="nuc", axis=(0, 2)),
         [f32(3, 2, 4)], grad=True),
    Case("norm_matrix_inf_keepdims",
         lambda k, x: k.ops.norm(x, ord=-INF, axis=(2, 1), keepdims=True),
         [f32(2, 3, 4)], grad=True),
    Case("norm_matrix_1", lambda k, x: k.ops.norm(x, ord=1, axis=(-2, -1)), [f32(2, 3, 4)],
         grad=True),
    Case("norm_int", lambda k, x: k.ops.norm(x), [ints(2, 3)]),
    Case("cholesky", lambda k, x: k.ops.cholesky(x), [spd(3, 3)], grad=True),
    Case("cholesky_upper_batched", lambda k, x: k.ops.linalg.cholesky(x, upper=True),
         [spd(2, 3, 3)], grad=True),
    Case("cholesky_inverse", lambda k, x: k.ops.cholesky_inverse(x), [factor(3, 3)], grad=True),
    Case("cholesky_inverse_upper",
         lambda k, x: k.ops.cholesky_inverse(k.ops.transpose(x), upper=True),
         [factor(3, 3)], grad=True),
    Case("det", lambda k, x: k.ops.det(x), [well(3, 3)], grad=True),
    Case("det_batched", lambda k, x: k.ops.linalg.det(x), [well(2, 3, 3)], grad=True),
    Case("det_int", lambda k, x: k.ops.det(x), [const([[2, 1], [1, 3]], "int32")]),
    Case("slogdet", lambda k, x: k.ops.slogdet(x), [well(2, 3, 3)], grad=True),
    Case("logdet", lambda k, x: k.ops.logdet(x), [spd(3, 3)], grad=True),
    Case("inv", lambda k, x: k.ops.inv(x), [well(3, 3)], grad=True),
    Case("inv_batched", lambda k, x: k.ops.linalg.inv(x), [well(2, 3, 3)], grad=True),
    Case("solve_vector", lambda k, a, b: k.ops.solve(a, b), [well(3, 3), f32(3)], grad=True),
    Case("solve_matrix", lambda k, a, b: k.ops.solve(a, b), [well(3, 3), f32(3, 2)],
         grad=True),
    Case("solve_batched", lambda k, a, b: k.ops.solve(a, b), [well(2, 3, 3), f32(2, 3, 2)],
         grad=True),
    Case("solve_triangular", lambda k, a, b: k.ops.solve_triangular(a, b),
         [well(3, 3), f32(3, 2)], grad=True),
    Case("solve_triangular_lower", lambda k, a, b: k.ops.solve_triangular(a, b, lower=True),
         [well(3, 3), f32(3)], grad=True),
    Case("eig", lambda k, x: k.ops.eig(x), [triangular(3, 3)]),
    Case("eigh", lambda k, x: k.ops.eigh(x), [spd(3, 3)], grad=True, rtol=1e-4, atol=1e-4),
    Case("lu_factor", lambda k, x: k.ops.lu_factor(x), [f32(3, 3)], grad=True),
    Case("lu_factor_batched_wide", lambda k, x: k.ops.lu_factor(x), [f32(2, 3, 4)], grad=True),
    Case("lu_factor_tall", lambda k, x: k.ops.linalg.lu_factor(x), [f32(4, 2)], grad=True),
    Case("matrix_rank", lambda k, x: k.ops.matrix_rank(x),
         [const([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 1.0]], "float32")]),
    Case("matrix_rank_tol", lambda k, x: k.ops.matrix_rank(x, tol=0.5),
         [const([[3.0, 0.0], [0.0, 0.1]], "float32")]),
    Case("pinv", lambda k, x: k.ops.pinv(x), [f32(4, 3)], grad=True, rtol=1e-4, atol=1e-4),
    Case("lstsq", lambda k, a, b: k.ops.lstsq(a, b), [f32(4, 3), f32(4)], grad=True,
         rtol=1e-4, atol=1e-4),
    Case("lstsq_matrix", lambda k, a, b: k.ops.lstsq(a, b), [f32(4, 2), f32(4, 3)], grad=True,
         rtol=1e-4, atol=1e-4),
    Case("qr", lambda k, x: k.ops.qr(x), [f32(4, 3)], grad=True, rtol=1e-4, atol=1e-4),
    Case("qr_complete_square", lambda k, x: k.ops.qr(x, mode="complete"), [f32(3, 3)],
         grad=True, rtol=1e-4, atol=1e-4),
    Case("qr_complete_tall", lambda k, x: k.ops.qr(x, mode="complete"), [f32(4, 2)]),
    Case("svd_square", lambda k, x: k.ops.svd(x), [f32(3, 3)], grad=True, rtol=1e-4,
         atol=1e-4),
    Case("svd_reduced", lambda k, x: k.ops.svd(x, full_matrices=False), [f32(4, 3)],
         grad=True, rtol=1e-4, atol=1e-4),
    Case("svd_values", lambda k, x: k.ops.svd(x, compute_uv=False), [f32(2, 3, 4)],
         grad=True, rtol=1e-4, atol=1e-4),
    Case("svd_full_tall", lambda k, x: k.ops.svd(x), [f32(4, 2)], rtol=1e-4, atol=1e-4),
]
