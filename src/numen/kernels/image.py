"""Compiled pieces of the 2-D convolution and max pooling (channels last).

One-image inference of a small convnet is a handful of NumPy calls per layer on arrays of a
few thousand values, each call costing more than its arithmetic:

- `conv_few_channels`: a first-layer convolution (1-4 input channels) made directly, bias and
  relu included, instead of gathering a window matrix tap by tap and multiplying it on the
  BLAS (a product with 9 rows of depth, poor BLAS work) and then two more whole-array passes.
- `bias_relu`: the bias and the relu after a convolution's BLAS product, in one pass
  (`np.maximum` alone read ~3 GB/s on the benchmark host).
- `max_pool`: every output reads its window once (NumPy makes one pass per tap).

The NumPy paths in numen/ops give the same results: the pooling and `bias_relu` exactly (the
same additions and comparisons), `conv_few_channels` within float32 rounding (it adds the
taps in their order, the BLAS in its own). NaN passes each as it passes the NumPy path.
"""

from __future__ import annotations

import numpy as np

from numen.kernels import jit


@jit
def conv_few_channels(x, w, b, strides, dilation, relu, y):
    """`y = max(conv(x, w) + b, 0)` for a channels-last `x` (N, H, W, C), already padded,
    `w` (KH, KW, C, F), `b` (F,) or (0,) for none, `y` (N, HO, WO, F); relu optional.

    Each output row is accumulated in a (WO, F) buffer, one input value times one row of `w`
    at a time: the innermost loop runs over the filters, contiguous in `w` and `y`.
    """
    n, ho, wo, f = y.shape
    kh, kw, c, _ = w.shape
    sh, sw = strides
    dh, dw = dilation
    zero = y.dtype.type(0.0)
    with_bias = b.shape[0] == f
    acc = np.empty((wo, f), dtype=y.dtype)
    for i in range(n):
        for r in range(ho):
            for q in range(wo):
                for j in range(f):
                    acc[q, j] = b[j] if with_bias else zero
            for u in range(kh):
                row = r * sh + u * dh
                for v in range(kw):
                    for ch in range(c):
                        for q in range(wo):
                            xv = x[i, row, q * sw + v * dw, ch]
                            for j in range(f):
                                acc[q, j] += xv * w[u, v, ch, j]
            for q in range(wo):
                for j in range(f):
                    a = acc[q, j]
                    y[i, r, q, j] = zero if relu and a < zero else a


@jit
def bias_relu(y, b, relu):
    """In place on a 2-D `y` (M, F): `y += b` when `b` is (F,) (skipped for (0,)), then
    `y = max(y, 0)` when `relu` (NaN stays NaN, as with `np.maximum`)."""
    m, f = y.shape
    zero = y.dtype.type(0.0)
    with_bias = b.shape[0] == f
    for i in range(m):
        for j in range(f):
            a = y[i, j] + b[j] if with_bias else y[i, j]
            y[i, j] = zero if relu and a < zero else a


@jit
def max_pool(x, pool, strides, y):
    """`y` (N, HO, WO, C): the maximum of each (PH, PW) window of `x` (N, H, W, C), windows
    `strides` apart. NaN wins, as it does in `np.maximum`.

    One output row at a time, one tap at a time over it: the innermost loop runs over the
    channels, contiguous in both arrays, without a branch (`|`, not `or`), so it vectorizes.
    """
    n, ho, wo, c = y.shape
    ph, pw = pool
    sh, sw = strides
    for i in range(n):
        for r in range(ho):
            out = y[i, r]
            for u in range(ph):
                row = x[i, r * sh + u]
                for v in range(pw):
                    for q in range(wo):
                        tap, o = row[q * sw + v], out[q]
                        if u == 0 and v == 0:
                            for k in range(c):
                                o[k] = tap[k]
                        else:
                            for k in range(c):
                                a, m = tap[k], o[k]
                                o[k] = a if (a > m) | (a != a) else m
