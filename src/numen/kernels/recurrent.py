"""Compiled recurrent scans: LSTM, GRU (reset after) and simple-RNN steps, forwards and backwards.

Each kernel runs every time step of a sequence in one compiled call: per step one recurrent
matrix product (BLAS through `np.dot`, which Numba takes from SciPy) and one fused loop over
the gates, where NumPy needs a dozen small calls. They mirror the NumPy path of
`numen.ops.recurrent` step for step (same layouts, same masking rules), which stays the
reference: the results agree within float32 rounding.

This module imports Numba at its top: `numen.ops.recurrent` imports it only when
`numen.kernels.enabled()` says compiled kernels run.

Conventions shared by the kernels:
- `xw` `(batch, time, gates * units)` is the projected input; states are `(batch, units)`.
- `mask` `(batch, time)` uint8, or shape `(0, 0)` for none; `rm` `(batch, units)` recurrent
  dropout factor, or shape `(0, 0)` for none.
- Buffers saved for the backward pass are time-major `(time, batch, ...)`, except the states
  entering the product and the gradients handed back, batch-major `(batch, time, ...)` like
  `xw` (so the input projection's backward and the recurrent kernel's gradient need no
  transposed copy); with `keep` False (inference) they have zero steps and nothing is saved.
- `packed` `(batch, time + n_states, units)` receives the step outputs, then the final states.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload

from numen.kernels import jit

# tanh(x) ~ x * P(x^2) / Q(x^2) on [-9, 9] (tanh rounds to +-1 in float32 beyond), fitted here
# by reweighted least squares for relative error: at most 6 float32 ulps from the true value,
# against NumPy's 1-2, and with no library call the loop vectorizes (~15x NumPy's tanh).
_P = (0.999999997476518, 0.13419351048069128, 0.00354094477873253, 2.1348493586857177e-05,
      1.4365405087701788e-08)
_Q = (1.0, 0.4675268039526082, 0.026049960344648983, 0.00033595156548350824,
      8.193193919911468e-07)
_P0, _P1, _P2, _P3, _P4 = (np.float32(v) for v in _P)
_Q0, _Q1, _Q2, _Q3, _Q4 = (np.float32(v) for v in _Q)
_CLAMP = np.float32(9.0)
_ONE = np.float32(1.0)
_OPTIONS = {"error_model": "numpy", "fastmath": {"contract"}}


def tanh(x):
    """tanh of a scalar inside compiled code: rational in float32, the C library's otherwise."""
    return np.tanh(x)


@overload(tanh, inline="always", jit_options=_OPTIONS)
def _tanh_overload(x):
    if isinstance(x, types.Float) and x.bitwidth == 32:
        def rational(x):
            if x != x:  # NaN stays NaN (the clamp below would turn it into +-1)
                return x
            v = min(max(x, -_CLAMP), _CLAMP)
            s = v * v
            p = _P0 + s * (_P1 + s * (_P2 + s * (_P3 + s * _P4)))
            y = v * p / (_Q0 + s * (_Q1 + s * (_Q2 + s * (_Q3 + s * _Q4))))
            return min(max(y, -_ONE), _ONE)  # never past +-1 (1 + 1 ulp near the clamp)

        return rational
    return lambda x: np.tanh(x)


def sigmoid(x):
    """The logistic function of a scalar inside compiled code (float32 stays float32)."""
    return 0.5 * np.tanh(0.5 * x) + 0.5


@overload(sigmoid, inline="always", jit_options=_OPTIONS)
def _sigmoid_overload(x):
    # 0.5 * tanh(z / 2) + 0.5: sigmoid without overflow, as the NumPy path computes it.
    half = np.float32(0.5) if x.bitwidth == 32 else 0.5

    def impl(x):
        return half * tanh(half * x) + half

    return impl


_SMALL_BATCH = 4  # rows up to which a plain loop beats a BLAS call (its ~1.5 us overhead)


def matmul_into(a, w, out):
    """`out = a @ w` inside compiled code; a loop for a few rows (one-sample predict), BLAS
    otherwise. (An overload, compiled into each kernel that calls it and cached with it.)"""
    np.dot(a, w, out=out)


@overload(matmul_into, jit_options=_OPTIONS)
def _matmul_into_overload(a, w, out):
    def impl(a, w, out):
        if a.shape[0] > _SMALL_BATCH:
            np.dot(a, w, out)
            return
        for i in range(a.shape[0]):
            for j in range(w.shape[1]):
                out[i, j] = 0
            for k in range(a.shape[1]):
                x = a[i, k]
                for j in range(w.shape[1]):
                    out[i, j] += x * w[k, j]

    return impl


# -- LSTM ------------------------------------------------------------------------------------
# The elementwise loops below each touch few arrays: LLVM vectorizes a loop only when it can
# rule out overlap between every array it writes and every one it reads at run time, and gives
# up past a handful of pairs. One loop per gate block with four gates read, four written and
# the states updated measured 2.2x slower than the same arithmetic split into these loops.
@jit(one_blas_thread=True, **_OPTIONS)
def lstm_forward(xw, h0, c0, rk, mask, rm, zero_output, keep, packed, gates, c_prev, h_in,
                 tanh_c):
    b, steps, four_u = xw.shape
    u = four_u // 4
    has_mask, has_rm = mask.shape[0] > 0, rm.shape[0] > 0
    # All four gates in one branch-free loop: sigmoid(z) = 0.5 * tanh(0.5 * z) + 0.5 and
    # tanh(z) = 1 * tanh(1 * z) + 0 (exact), so each column is scale * tanh(scale * z) + shift.
    scale = np.full(four_u, 0.5, dtype=xw.dtype)
    shift = np.full(four_u, 0.5, dtype=xw.dtype)
    scale[2 * u:3 * u] = 1
    shift[2 * u:3 * u] = 0
    h, c = h0.copy(), c0.copy()
    hr = np.empty_like(h)
    g = np.empty((b, four_u), dtype=xw.dtype)  # this step's gates (saved ones when keep)
    tc = np.empty((b, u), dtype=xw.dtype)
    for t in range(steps):
        if keep:
            g = gates[t]
            tc = tanh_c[t]
        if has_rm:
            for i in range(b):
                for j in range(u):
                    hr[i, j] = h[i, j] * rm[i, j]
            matmul_into(hr, rk, g)
        else:
            matmul_into(h, rk, g)
        for i in range(b):
            for j in range(four_u):
                a = scale[j]
                g[i, j] = a * tanh(a * (g[i, j] + xw[i, t, j])) + shift[j]
            if keep:
                for j in range(u):
                    c_prev[t, i, j] = c[i, j]
                    h_in[i, t, j] = hr[i, j] if has_rm else h[i, j]
            if has_mask and mask[i, t] == 0:
                for j in range(u):
                    tc[i, j] = tanh(g[i, u + j] * c[i, j] + g[i, j] * g[i, 2 * u + j])
                    packed[i, t, j] = 0 if zero_output else h[i, j]
                continue
            for j in range(u):
                c_new = g[i, u + j] * c[i, j] + g[i, j] * g[i, 2 * u + j]
                y = tanh(c_new)
                tc[i, j] = y
                h_new = g[i, 3 * u + j] * y
                c[i, j] = c_new
                h[i, j] = h_new
                packed[i, t, j] = h_new
    packed[:, steps] = h
    packed[:, steps + 1] = c


@jit(one_blas_thread=True, **_OPTIONS)
def lstm_backward(one, gy, gates, c_prev, tanh_c, rk_t, mask, rm, zero_output, gz):
    """Fills `gz` (batch, time, 4 * units), the gradient of the gates' pre-activations;
    returns the gradients of the initial h and c."""
    steps, b, four_u = gates.shape
    u = four_u // 4
    has_mask, has_rm = mask.shape[0] > 0, rm.shape[0] > 0
    gt = np.empty((b, four_u), dtype=gz.dtype)  # this step's rows, contiguous for the product
    dh = gy[:, steps].copy()
    dc = gy[:, steps + 1].copy()
    keep_h = np.zeros_like(dh)
    dh_new = np.empty(u, dtype=gz.dtype)  # one row's gradients reaching this step's h and c
    dc_new = np.empty(u, dtype=gz.dtype)
    for t in range(steps - 1, -1, -1):
        for i in range(b):
            if has_mask and mask[i, t] == 0:
                for j in range(u):
                    keep_h[i, j] = dh[i, j] if zero_output else dh[i, j] + gy[i, t, j]
                for j in range(four_u):
                    gt[i, j] = 0
                    gz[i, t, j] = 0
                continue
            for j in range(u):
                dh_new[j] = dh[i, j] + gy[i, t, j]
            for j in range(u):
                y = tanh_c[t, i, j]
                dc_new[j] = gates[t, i, 3 * u + j] * (one - y * y) * dh_new[j] + dc[i, j]
            for j in range(u):
                go = gates[t, i, 3 * u + j]
                gt[i, 3 * u + j] = dh_new[j] * (go * (one - go) * tanh_c[t, i, j])
            for j in range(u):
                gi = gates[t, i, j]
                gt[i, j] = dc_new[j] * (gi * (one - gi) * gates[t, i, 2 * u + j])
            for j in range(u):
                gc = gates[t, i, 2 * u + j]
                gt[i, 2 * u + j] = dc_new[j] * ((one - gc * gc) * gates[t, i, j])
            for j in range(u):
                gf = gates[t, i, u + j]
                gt[i, u + j] = dc_new[j] * (gf * (one - gf) * c_prev[t, i, j])
            for j in range(u):
                dc[i, j] = dc_new[j] * gates[t, i, u + j]
            for j in range(four_u):
                gz[i, t, j] = gt[i, j]
        matmul_into(gt, rk_t, dh)
        for i in range(b):
            if has_mask and mask[i, t] == 0:
                for j in range(u):
                    dh[i, j] = keep_h[i, j]
            elif has_rm:
                for j in range(u):
                    dh[i, j] *= rm[i, j]
    return dh, dc


# -- GRU (reset gate after the recurrent product) ------------------------------------------
@jit(one_blas_thread=True, **_OPTIONS)
def gru_forward(one, xw, h0, rk, rb, mask, rm, zero_output, keep, packed, zr, hh_seq, ah_seq,
                h_prev, h_in):
    b, steps, three_u = xw.shape
    u = three_u // 3
    has_mask, has_rm, has_rb = mask.shape[0] > 0, rm.shape[0] > 0, rb.shape[0] > 0
    h = h0.copy()
    hr = np.empty_like(h)
    a = np.empty((b, three_u), dtype=xw.dtype)
    g = np.empty((b, 2 * u), dtype=xw.dtype)  # this step's z and r (saved ones when keep)
    hh = np.empty((b, u), dtype=xw.dtype)
    for t in range(steps):
        if keep:
            g = zr[t]
            hh = hh_seq[t]
        if has_rm:
            for i in range(b):
                for j in range(u):
                    hr[i, j] = h[i, j] * rm[i, j]
            matmul_into(hr, rk, a)
        else:
            matmul_into(h, rk, a)
        for i in range(b):
            if has_rb:
                for j in range(three_u):
                    a[i, j] += rb[j]
            if keep:
                for j in range(u):
                    h_in[i, t, j] = hr[i, j] if has_rm else h[i, j]
                    h_prev[t, i, j] = h[i, j]
                    ah_seq[t, i, j] = a[i, 2 * u + j]
            for j in range(2 * u):
                g[i, j] = sigmoid(xw[i, t, j] + a[i, j])
            for j in range(u):
                hh[i, j] = tanh(xw[i, t, 2 * u + j] + g[i, u + j] * a[i, 2 * u + j])
            if has_mask and mask[i, t] == 0:
                for j in range(u):
                    packed[i, t, j] = 0 if zero_output else h[i, j]
                continue
            for j in range(u):
                gz = g[i, j]
                h[i, j] = gz * h[i, j] + (one - gz) * hh[i, j]
            for j in range(u):
                packed[i, t, j] = h[i, j]
    packed[:, steps] = h


@jit(one_blas_thread=True, **_OPTIONS)
def gru_backward(one, gy, zr, hh_seq, ah_seq, h_prev, rk_t, mask, rm, zero_output, gx, ga):
    """Fills `gx` (batch, time, 3 * units), the gradient of the projected inputs, and `ga`, of
    the recurrent product (plus bias); returns the gradient of the initial h."""
    steps, b, two_u = zr.shape
    u = two_u // 2
    has_mask, has_rm = mask.shape[0] > 0, rm.shape[0] > 0
    gat = np.empty((b, 3 * u), dtype=ga.dtype)
    dh = gy[:, steps].copy()
    carry = np.empty_like(dh)  # what reaches h_prev other than through the product
    din = np.empty_like(dh)
    dh_all = np.empty(u, dtype=ga.dtype)
    for t in range(steps - 1, -1, -1):
        for i in range(b):
            if has_mask and mask[i, t] == 0:
                for j in range(u):
                    carry[i, j] = dh[i, j] if zero_output else dh[i, j] + gy[i, t, j]
                for j in range(3 * u):
                    gx[i, t, j] = 0
                    gat[i, j] = 0
                continue
            for j in range(u):
                dh_all[j] = dh[i, j] + gy[i, t, j]
            for j in range(u):
                gz, y = zr[t, i, j], hh_seq[t, i, j]
                gat[i, 2 * u + j] = dh_all[j] * (one - gz) * (one - y * y)
            for j in range(u):
                gz = zr[t, i, j]
                gat[i, j] = dh_all[j] * (h_prev[t, i, j] - hh_seq[t, i, j]) * gz * (one - gz)
            for j in range(u):
                gr = zr[t, i, u + j]
                gat[i, u + j] = gat[i, 2 * u + j] * ah_seq[t, i, j] * gr * (one - gr)
            for j in range(u):
                carry[i, j] = dh_all[j] * zr[t, i, j]
            for j in range(3 * u):
                gx[i, t, j] = gat[i, j]
            for j in range(u):
                gat[i, 2 * u + j] *= zr[t, i, u + j]
        ga[:, t] = gat
        matmul_into(gat, rk_t, din)
        for i in range(b):
            for j in range(u):
                d = din[i, j] * rm[i, j] if has_rm else din[i, j]
                dh[i, j] = d + carry[i, j]
    return dh


# -- simple RNN ------------------------------------------------------------------------------
@jit(one_blas_thread=True, **_OPTIONS)
def rnn_forward(xw, h0, rk, mask, rm, zero_output, keep, packed, act, h_in):
    b, steps, u = xw.shape
    has_mask, has_rm = mask.shape[0] > 0, rm.shape[0] > 0
    h = h0.copy()
    hr = np.empty_like(h)
    a = np.empty((b, u), dtype=xw.dtype)
    for t in range(steps):
        if has_rm:
            for i in range(b):
                for j in range(u):
                    hr[i, j] = h[i, j] * rm[i, j]
            matmul_into(hr, rk, a)
        else:
            matmul_into(h, rk, a)
        if keep:
            h_in[:, t] = hr if has_rm else h
        for i in range(b):
            skip = has_mask and mask[i, t] == 0
            for j in range(u):
                y = tanh(xw[i, t, j] + a[i, j])
                if keep:
                    act[t, i, j] = y
                if skip:
                    packed[i, t, j] = 0 if zero_output else h[i, j]
                else:
                    h[i, j] = y
                    packed[i, t, j] = y
    packed[:, steps] = h


@jit(one_blas_thread=True, **_OPTIONS)
def rnn_backward(one, gy, act, rk_t, mask, rm, zero_output, gz):
    """Fills `gz` (batch, time, units), the gradient of the pre-activations; returns the
    gradient of the initial h."""
    steps, b, u = act.shape
    has_mask, has_rm = mask.shape[0] > 0, rm.shape[0] > 0
    gt = np.empty((b, u), dtype=gz.dtype)
    dh = gy[:, steps].copy()
    carry = np.zeros_like(dh)
    din = np.empty_like(dh)
    for t in range(steps - 1, -1, -1):
        for i in range(b):
            skip = has_mask and mask[i, t] == 0
            for j in range(u):
                dh_all = dh[i, j] + gy[i, t, j]
                if skip:
                    carry[i, j] = dh[i, j] if zero_output else dh_all
                    gt[i, j] = 0
                else:
                    carry[i, j] = 0
                    y = act[t, i, j]
                    gt[i, j] = dh_all * (one - y * y)
        gz[:, t] = gt
        matmul_into(gt, rk_t, din)
        for i in range(b):
            for j in range(u):
                d = din[i, j] * rm[i, j] if has_rm else din[i, j]
                dh[i, j] = d + carry[i, j]
    return dh


# -- the ops' entry points: buffers in, (packed, backward) out -------------------------------
_EMPTY_MASK = np.zeros((0, 0), dtype=np.uint8)


def _c(a, dtype):
    return np.ascontiguousarray(a, dtype=dtype)


def _common(xw, rk, mask, rm, keep):
    """Contiguous inputs, the optional arrays as empty stand-ins, and the saved steps."""
    dtype = xw.dtype
    mask = _EMPTY_MASK if mask is None else _c(mask, np.uint8)
    rm = np.zeros((0, 0), dtype) if rm is None else _c(rm, dtype)
    return _c(xw, dtype), _c(rk, dtype), mask, rm, (xw.shape[1] if keep else 0)


def _grad_out(gy, dtype):
    return np.ascontiguousarray(gy, dtype=dtype)


def lstm(xw, h0, c0, rk, mask, rm, zero_output: bool, keep: bool):
    """The LSTM scan: `(packed, backward)` as `numen.ops.recurrent` returns them; with `keep`
    False nothing is saved and `backward` must not be called."""
    xw, rk, mask, rm, n = _common(xw, rk, mask, rm, keep)
    b, steps, four_u = xw.shape
    u, dtype = four_u // 4, xw.dtype
    packed = np.empty((b, steps + 2, u), dtype)
    gates = np.empty((n, b, four_u), dtype)
    c_prev, tanh_c = (np.empty((n, b, u), dtype) for _ in range(2))
    h_in = np.empty((b, n, u), dtype)
    lstm_forward(xw, _c(h0, dtype), _c(c0, dtype), rk, mask, rm, zero_output, keep, packed,
                 gates, c_prev, h_in, tanh_c)

    def backward(gy):
        gz = np.empty((b, steps, four_u), dtype)
        dh, dc = lstm_backward(dtype.type(1), _grad_out(gy, dtype), gates, c_prev, tanh_c,
                               _c(rk.T, dtype), mask, rm, zero_output, gz)
        grk = h_in.reshape(-1, u).T @ gz.reshape(-1, four_u)
        return gz, dh, dc, grk

    return packed, backward


def gru(xw, h0, rk, rb, mask, rm, zero_output: bool, keep: bool):
    """The GRU scan (reset gate after the product), as `lstm`."""
    xw, rk, mask, rm, n = _common(xw, rk, mask, rm, keep)
    b, steps, three_u = xw.shape
    u, dtype = three_u // 3, xw.dtype
    rb_c = np.zeros((0,), dtype) if rb is None else _c(rb, dtype)
    packed = np.empty((b, steps + 1, u), dtype)
    zr = np.empty((n, b, 2 * u), dtype)
    hh_seq, ah_seq, h_prev = (np.empty((n, b, u), dtype) for _ in range(3))
    h_in = np.empty((b, n, u), dtype)
    gru_forward(dtype.type(1), xw, _c(h0, dtype), rk, rb_c, mask, rm, zero_output, keep,
                packed, zr, hh_seq, ah_seq, h_prev, h_in)

    def backward(gy):
        gx = np.empty((b, steps, three_u), dtype)
        ga = np.empty((b, steps, three_u), dtype)
        dh = gru_backward(dtype.type(1), _grad_out(gy, dtype), zr, hh_seq, ah_seq, h_prev,
                          _c(rk.T, dtype), mask, rm, zero_output, gx, ga)
        ga2 = ga.reshape(-1, three_u)
        grk = h_in.reshape(-1, u).T @ ga2
        grads = (gx, dh, grk)
        return grads if rb is None else grads + (ga2.sum(axis=0),)

    return packed, backward


def simple_rnn(xw, h0, rk, mask, rm, zero_output: bool, keep: bool):
    """The simple-RNN scan (tanh), as `lstm`."""
    xw, rk, mask, rm, n = _common(xw, rk, mask, rm, keep)
    b, steps, u = xw.shape
    dtype = xw.dtype
    packed = np.empty((b, steps + 1, u), dtype)
    act = np.empty((n, b, u), dtype)
    h_in = np.empty((b, n, u), dtype)
    rnn_forward(xw, _c(h0, dtype), rk, mask, rm, zero_output, keep, packed, act, h_in)

    def backward(gy):
        gz = np.empty((b, steps, u), dtype)
        dh = rnn_backward(dtype.type(1), _grad_out(gy, dtype), act, _c(rk.T, dtype), mask, rm,
                          zero_output, gz)
        grk = h_in.reshape(-1, u).T @ gz.reshape(-1, u)
        return gz, dh, grk

    return packed, backward
