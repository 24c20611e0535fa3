"""Compiled pieces of the dense layer's backward pass around its matrix products.

With a ReLU, NumPy makes the gradient reaching the product in two whole-array calls (a
boolean mask `y > 0`, then `gy * mask`) and the bias gradient in a third (a column sum);
`relu_grad_and_bias_sum` does the three in one pass. The products themselves stay with
the BLAS. The results agree with the NumPy path within float32 rounding (the gradient is
the same product `gy * 1` or `gy * 0`, so NaN and infinities pass the same way).
"""

from __future__ import annotations

from numen.kernels import jit


@jit
def relu_grad_and_bias_sum(gy, y, g, gb):
    """`g = gy * (y > 0)` and `gb = g.sum(axis=0)` for 2-D `gy`, `y`, `g` (n, m), `gb` (m,);
    with `gb` of shape (0,) the sum is skipped."""
    t = g.dtype.type
    n, m = gy.shape
    one, zero = t(1.0), t(0.0)
    with_bias = gb.shape[0] == m
    for i in range(n):
        for j in range(m):
            v = gy[i, j] * (one if y[i, j] > zero else zero)
            g[i, j] = v
            if with_bias:
                gb[j] = v if i == 0 else gb[j] + v
