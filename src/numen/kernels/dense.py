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


@jit
def dense_row(x, w, b, relu, y):
    """`y = max(x @ w + b, 0)` (bias and relu optional) for one row: `x` (1, k), `w` (k, m),
    `b` (m,) or (0,) for none, `y` (1, m), all one dtype.

    For one row the product is a walk through `w` (memory-bound: ~15 us for 784 x 256
    float32 on the benchmark host, as the BLAS's), and doing the bias and the relu in the
    same call saves the two NumPy calls (~1 us each) that follow a BLAS product. Each output
    sums its inputs in order, four at a time; the result differs from the BLAS's by float
    rounding. NaN passes the relu as `np.maximum(y, 0)` passes it, -0.0 too.
    """
    k, m = w.shape
    out = y[0]
    t = y.dtype.type
    zero = t(0.0)
    for j in range(m):
        out[j] = zero
    k4 = k - k % 4
    for i in range(0, k4, 4):
        x0, x1, x2, x3 = x[0, i], x[0, i + 1], x[0, i + 2], x[0, i + 3]
        for j in range(m):
            out[j] += x0 * w[i, j] + x1 * w[i + 1, j] + x2 * w[i + 2, j] + x3 * w[i + 3, j]
    for i in range(k4, k):
        xi = x[0, i]
        for j in range(m):
            out[j] += xi * w[i, j]
    if b.shape[0] == m:
        for j in range(m):
            out[j] += b[j]
    if relu:
        for j in range(m):
            if out[j] < zero:
                out[j] = zero
