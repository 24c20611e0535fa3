"""`keras.ops.linalg`: the linear-algebra functions of `keras.ops`, the very same objects (a view,
not copies)."""

# ruff: noqa: F822 - the names are bound by the update below
from numen.keras import ops as _ops

__all__ = [
    "cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq", "lu_factor",
    "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular", "svd",
]

globals().update(_ops.pick(__all__))
