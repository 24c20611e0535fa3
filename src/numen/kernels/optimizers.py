"""Fused optimizer updates: one pass over the weights, gradient and slots per step.

Each kernel is one optimizer's `update_step` (numen/optimizers/) written as a loop over
elements, with the optimizer's decoupled weight decay folded in (`decay = lr * weight_decay`,
applied to the weight before the update, as the NumPy path does in a separate pass). NumPy
runs the same update as 5-12 whole-array passes, each reading and writing the buffer again;
the loop reads each element once and keeps the intermediate values in registers.

The kernels take 1-D arrays (`views` makes them; Adafactor's matrix kernel takes stacks of
matrices from `factored`) and Python floats, and agree with the NumPy path within float32
rounding. They compute in the arrays' dtype (float32 math vectorizes
twice as wide as float64) and run serially: on this shared 2-core host a `prange` loop
measured 3x slower than the serial one for the MLP's 235k-parameter Adam step.
"""

from __future__ import annotations

import math

import numpy as np

from numen.kernels import jit

_FLOATS = (np.dtype("float32"), np.dtype("float64"))


def views(g, *arrays):
    """1-D views of a gradient and the arrays a kernel updates, or None when they don't fit.

    The updated arrays (weights and slots) must be NumPy arrays of one float32/float64 dtype
    and C-contiguous, as they are updated in place; the gradient is only read, so a
    non-contiguous one is copied.

    Args:
        g: the gradient.
        *arrays: the weights, then the slots, in the kernel's order.

    Returns:
        A tuple `(g, *arrays)` of 1-D arrays, or None.

    >>> w = np.zeros((2, 3), "float32")
    >>> views(np.ones((2, 3), "float32"), w)[1].shape
    (6,)
    """
    dtype = arrays[0].dtype
    if dtype not in _FLOATS or type(g) is not np.ndarray or g.dtype != dtype:
        return None
    for a in arrays:
        if type(a) is not np.ndarray or a.dtype != dtype or not a.flags.c_contiguous \
                or a.shape != g.shape:
            return None
    if not g.flags.c_contiguous:
        g = np.ascontiguousarray(g)
    return (g.reshape(-1), *(a.reshape(-1) for a in arrays))


@jit
def adam(w, g, m, v, vhat, alpha, b1, b2, eps, decay, amsgrad):
    """Adam/AdamW: `alpha = lr * sqrt(1 - b2^t) / (1 - b1^t)`; `vhat` unused unless amsgrad."""
    t = w.dtype.type  # compute in the weights' dtype, as NumPy does
    one = t(1.0)
    alpha, b1, b2, eps, decay = t(alpha), t(b1), t(b2), t(eps), t(decay)
    for i in range(w.shape[0]):
        gi = g[i]
        wi = w[i] - decay * w[i]
        mi = m[i] + (gi - m[i]) * (one - b1)
        vi = v[i] + (gi * gi - v[i]) * (one - b2)
        m[i] = mi
        v[i] = vi
        if amsgrad:
            vi = max(vhat[i], vi)
            vhat[i] = vi
        w[i] = wi - mi * (alpha / (math.sqrt(vi) + eps))  # as Adam.update_step


@jit
def adamax(w, g, m, u, step_size, b1, b2, eps, decay):
    """Adamax: `step_size = lr / (1 - b1^t)`."""
    t = w.dtype.type  # compute in the weights' dtype, as NumPy does
    one = t(1.0)
    step_size, b1, b2, eps, decay = t(step_size), t(b1), t(b2), t(eps), t(decay)
    for i in range(w.shape[0]):
        gi = g[i]
        wi = w[i] - decay * w[i]
        mi = m[i] + (one - b1) * (gi - m[i])
        ui = max(u[i] * b2, abs(gi))
        m[i] = mi
        u[i] = ui
        w[i] = wi - step_size * mi / (ui + eps)


@jit
def nadam(w, g, m, v, lr, b1, b2, eps, c_m, c_g, v_correction, decay):
    """Nadam: `m_hat = c_m * m + c_g * g`, `v_hat = v / v_correction`."""
    t = w.dtype.type  # compute in the weights' dtype, as NumPy does
    one = t(1.0)
    lr, b1, b2, eps, decay = t(lr), t(b1), t(b2), t(eps), t(decay)
    c_m, c_g, v_correction = t(c_m), t(c_g), t(v_correction)
    for i in range(w.shape[0]):
        gi = g[i]
        wi = w[i] - decay * w[i]
        mi = m[i] + (one - b1) * (gi - m[i])
        vi = v[i] + (one - b2) * (gi * gi - v[i])
        m[i] = mi
        v[i] = vi
        m_hat = c_m * mi + c_g * gi
        w[i] = wi - lr * m_hat / (math.sqrt(vi / v_correction) + eps)


@jit
def rmsprop(w, g, v, s, a, lr, rho, momentum, eps, decay, centered):
    """RMSprop; `s` (momentum) is used when momentum > 0, `a` (mean gradient) when centered."""
    t = w.dtype.type  # compute in the weights' dtype, as NumPy does
    one = t(1.0)
    lr, rho, momentum, eps, decay = t(lr), t(rho), t(momentum), t(eps), t(decay)
    for i in range(w.shape[0]):
        gi = g[i]
        wi = w[i] - decay * w[i]
        vi = v[i] * rho + (one - rho) * (gi * gi)
        v[i] = vi
        if centered:
            ai = a[i] * rho + (one - rho) * gi
            a[i] = ai
            denominator = vi - ai * ai + eps
        else:
            denominator = vi + eps
        increment = lr * gi / math.sqrt(denominator)
        if momentum > 0:
            si = s[i] * momentum + increment
            s[i] = si
            w[i] = wi - si
        else:
            w[i] = wi - increment


@jit
def sgd(w, g, m, lr, momentum, nesterov, decay):
    """SGD; `m` (velocity) is used when momentum > 0."""
    t = w.dtype.type  # compute in the weights' dtype, as NumPy does
    lr, momentum, decay = t(lr), t(momentum), t(decay)
    for i in range(w.shape[0]):
        gi = g[i]
        wi = w[i] - decay * w[i]
        if momentum > 0:
            mi = m[i] * momentum - lr * gi
            m[i] = mi
            if nesterov:
                w[i] = wi + (momentum * mi - lr * gi)
            else:
                w[i] = wi + mi
        else:
            w[i] = wi - lr * gi


@jit
def adagrad(w, g, acc, lr, eps, decay):
    """Adagrad (epsilon under the square root)."""
    t = w.dtype.type  # compute in the weights' dtype, as NumPy does
    lr, eps, decay = t(lr), t(eps), t(decay)
    for i in range(w.shape[0]):
        gi = g[i]
        wi = w[i] - decay * w[i]
        ai = acc[i] + gi * gi
        acc[i] = ai
        w[i] = wi - lr * gi / math.sqrt(ai + eps)


@jit
def adadelta(w, g, acc_g, acc_d, lr, rho, eps, decay):
    """Adadelta."""
    t = w.dtype.type  # compute in the weights' dtype, as NumPy does
    one = t(1.0)
    lr, rho, eps, decay = t(lr), t(rho), t(eps), t(decay)
    for i in range(w.shape[0]):
        gi = g[i]
        wi = w[i] - decay * w[i]
        ag = acc_g[i] * rho + (one - rho) * (gi * gi)
        acc_g[i] = ag
        delta = -math.sqrt(acc_d[i] + eps) / math.sqrt(ag + eps) * gi
        acc_d[i] = acc_d[i] * rho + (one - rho) * (delta * delta)
        w[i] = wi + lr * delta


@jit
def lion(w, g, m, lr, b1, b2, decay):
    """Lion: the sign of the interpolated momentum is the step."""
    t = w.dtype.type  # compute in the weights' dtype, as NumPy does
    one = t(1.0)
    lr, b1, b2, decay = t(lr), t(b1), t(b2), t(decay)
    for i in range(w.shape[0]):
        gi = g[i]
        wi = w[i] - decay * w[i]
        c = b1 * m[i] + (one - b1) * gi
        step = one if c > 0 else (-one if c < 0 else one - one)
        w[i] = wi - lr * step
        m[i] = m[i] * b2 + (one - b2) * gi


@jit
def ftrl(w, g, n, z, lr, power, l1, l2, shrinkage, decay):
    """FTRL-Proximal: `power = -learning_rate_power`, `l2` includes `beta / (2 lr)`,
    `shrinkage = 2 * l2_shrinkage_regularization_strength`."""
    t = w.dtype.type  # compute in the weights' dtype, as NumPy does
    one = t(1.0)
    lr, power, l1, l2, shrinkage, decay = t(lr), t(power), t(l1), t(l2), t(shrinkage), t(decay)
    for i in range(w.shape[0]):
        gi = g[i]
        wi = w[i] - decay * w[i]
        ni = n[i]
        n_new = ni + gi * gi
        zi = z[i] + (gi + shrinkage * wi)
        zi -= (n_new**power - ni**power) / lr * wi
        z[i] = zi
        n[i] = n_new
        quadratic = n_new**power / lr + (one + one) * l2
        w[i] = (min(max(zi, -l1), l1) - zi) / quadratic


@jit
def lamb(w, g, m, v, lr, b1, b2, eps, bc1, bc2, decay):
    """Lamb for one variable: moments and both norms in one pass, the step in a second.
    `bc1, bc2 = 1 - b1^t, 1 - b2^t`."""
    t = w.dtype.type  # compute in the weights' dtype, as NumPy does
    one = t(1.0)
    lr, b1, b2, eps, bc1, bc2, decay = t(lr), t(b1), t(b2), t(eps), t(bc1), t(bc2), t(decay)
    w_sq = 0.0
    u_sq = 0.0
    for i in range(w.shape[0]):
        gi = g[i]
        wi = w[i] - decay * w[i]
        w[i] = wi
        mi = m[i] + (gi - m[i]) * (one - b1)
        vi = v[i] + (gi * gi - v[i]) * (one - b2)
        m[i] = mi
        v[i] = vi
        u = (mi / bc1) / (math.sqrt(vi / bc2) + eps)
        w_sq += wi * wi
        u_sq += u * u
    ratio = one
    if w_sq > 0 and u_sq > 0:
        ratio = t(math.sqrt(w_sq) / math.sqrt(u_sq))
    for i in range(w.shape[0]):
        u = (m[i] / bc1) / (math.sqrt(v[i] / bc2) + eps)
        w[i] -= ratio * lr * u


@jit
def schedule_free_adamw(w, g, z, v, lr, b1, b2, eps, bc2, weight, decay):
    """Schedule-free AdamW: `z` the gradient sequence, `bc2 = 1 - b2^t`, `weight = 1 / t`;
    the average x is recovered from the weights and the old z."""
    t = w.dtype.type  # compute in the weights' dtype, as NumPy does
    one = t(1.0)
    lr, b1, b2, eps, bc2, weight, decay = t(lr), t(b1), t(b2), t(eps), t(bc2), t(weight), t(decay)
    for i in range(w.shape[0]):
        gi = g[i]
        wi = w[i] - decay * w[i]
        x = (wi - (one - b1) * z[i]) / b1
        vi = v[i] + (gi * gi - v[i]) * (one - b2)
        v[i] = vi
        zi = z[i] - lr * gi / (math.sqrt(vi / bc2) + eps)
        z[i] = zi
        x = x * (one - weight) + weight * zi
        w[i] = (one - b1) * zi + b1 * x


def factored(g, w, v, r, c):
    """Adafactor's arrays for `adafactor_matrix`, or None when they don't fit (as for
    `views`): the gradient, weights and velocity as `(B, R, C)` stacks of matrices (the last
    two axes; B is 1 for a matrix), the row and column statistics as `(B, R)` and `(B, C)`.

    >>> w = np.zeros((2, 3, 4), "float32")
    >>> [a.shape for a in factored(w, w, w, np.zeros((2, 3), "float32"),
    ...                            np.zeros((2, 4), "float32"))]
    [(2, 3, 4), (2, 3, 4), (2, 3, 4), (2, 3), (2, 4)]
    """
    dtype, shape = w.dtype, w.shape
    if dtype not in _FLOATS or type(g) is not np.ndarray or g.dtype != dtype or w.size == 0:
        return None
    rows, cols = shape[-2], shape[-1]
    for a, want in ((w, shape), (v, shape), (g, shape), (r, shape[:-1]),
                    (c, shape[:-2] + (cols,))):
        if type(a) is not np.ndarray or a.dtype != dtype or a.shape != want or (
                a is not g and not a.flags.c_contiguous):
            return None
    if not g.flags.c_contiguous:
        g = np.ascontiguousarray(g)
    return (g.reshape(-1, rows, cols), w.reshape(-1, rows, cols), v.reshape(-1, rows, cols),
            r.reshape(-1, rows), c.reshape(-1, cols))


# Adafactor's means and RMS values are sums over whole variables. Each sum runs in the arrays'
# dtype over blocks of at most _BLOCK elements of a row, the blocks' sums added in float64:
# `reassoc` lets the block loops vectorize (2-3.5x faster than one float64 sum), and no float32
# sum runs long enough to lose more than NumPy's pairwise sums do. (The blocks are slices: a
# loop over `range(lo, min(lo + _BLOCK, n))` of the whole row measured 7x slower, unvectorized.)
_BLOCK = 1024


@jit(fastmath={"reassoc"})
def adafactor_matrix(w, g, v, r, c, rho, eps1, eps2, beta, clip, decay):
    """Adafactor for a stack of matrices `(B, R, C)` with row and column statistics `r`
    `(B, R)` and `c` `(B, C)`: `rho = min(lr, 1 / sqrt(t))`, `beta = 1 - t^beta_2_decay`.
    Three passes: decay and the statistics of `g^2`, the velocity and `rms(u)`, the step."""
    t = w.dtype.type  # compute in the weights' dtype, as NumPy does
    one, zero = t(1.0), t(0.0)
    eps1, beta, decay = t(eps1), t(beta), t(decay)
    stacks, rows, cols = w.shape
    w_sq = 0.0
    u_sq = 0.0
    col = np.empty(cols, dtype=w.dtype)  # column sums run down the rows, as NumPy's do
    for b in range(stacks):
        col[:] = zero
        for i in range(rows):
            row = 0.0
            for lo in range(0, cols, _BLOCK):
                hi = min(lo + _BLOCK, cols)
                wb, gb, cb = w[b, i, lo:hi], g[b, i, lo:hi], col[lo:hi]
                part_w, part_g = zero, zero
                for j in range(hi - lo):
                    wj = wb[j] - decay * wb[j]
                    wb[j] = wj
                    part_w += wj * wj
                    g2 = gb[j] * gb[j] + eps1
                    part_g += g2
                    cb[j] += g2
                w_sq += part_w
                row += part_g
            r[b, i] = r[b, i] * beta + (one - beta) * t(row / cols)
        for j in range(cols):
            c[b, j] = c[b, j] * beta + (one - beta) * (col[j] / t(rows))
        r_sum = 0.0
        for i in range(rows):
            r_sum += r[b, i]
        r_mean = t(r_sum / rows)
        for i in range(rows):
            r_hat = r[b, i] / r_mean
            for lo in range(0, cols, _BLOCK):
                hi = min(lo + _BLOCK, cols)
                vb, gb, cb = v[b, i, lo:hi], g[b, i, lo:hi], c[b, lo:hi]
                part_u = zero
                for j in range(hi - lo):
                    vj = r_hat * cb[j]
                    vb[j] = vj
                    part_u += gb[j] * gb[j] / vj  # u^2, without the square root
                u_sq += part_u
    n = w.size
    alpha = max(eps2, math.sqrt(w_sq / n)) * rho
    scale = t(alpha / max(1.0, math.sqrt(u_sq / n) / clip))
    w, g, v = w.reshape(-1), g.reshape(-1), v.reshape(-1)
    for i in range(n):
        w[i] -= scale * (g[i] / math.sqrt(v[i]))


@jit(fastmath={"reassoc"})
def adafactor_vector(w, g, v, rho, eps1, eps2, beta, clip, decay):
    """Adafactor for a variable of rank < 2 (an unfactored velocity `v`), in two passes."""
    t = w.dtype.type  # compute in the weights' dtype, as NumPy does
    one, zero = t(1.0), t(0.0)
    eps1, beta, decay = t(eps1), t(beta), t(decay)
    n = w.shape[0]
    w_sq = 0.0
    u_sq = 0.0
    for lo in range(0, n, _BLOCK):
        hi = min(lo + _BLOCK, n)
        wb, gb, vb = w[lo:hi], g[lo:hi], v[lo:hi]
        part_w, part_u = zero, zero
        for i in range(hi - lo):
            wi = wb[i] - decay * wb[i]
            wb[i] = wi
            part_w += wi * wi
            gi = gb[i]
            vi = vb[i] * beta + (one - beta) * (gi * gi + eps1)
            vb[i] = vi
            part_u += gi * gi / vi
        w_sq += part_w
        u_sq += part_u
    alpha = max(eps2, math.sqrt(w_sq / n)) * rho
    scale = t(alpha / max(1.0, math.sqrt(u_sq / n) / clip))
    for i in range(n):
        w[i] -= scale * (g[i] / math.sqrt(v[i]))


@jit(fastmath={"reassoc"})
def muon_momentum(g, m, d, momentum, nesterov):
    """Muon's momentum `m += g + m * (momentum - 1)` and its direction `d` (Nesterov:
    `g + momentum * m`, else `m`); returns the sum of `d^2`, for the normalization."""
    t = g.dtype.type  # compute in the arrays' dtype, as NumPy does
    zero = t(0.0)
    keep, momentum = t(momentum - 1), t(momentum)
    n = g.shape[0]
    total = 0.0
    for lo in range(0, n, _BLOCK):
        hi = min(lo + _BLOCK, n)
        gb, mb, db = g[lo:hi], m[lo:hi], d[lo:hi]
        part = zero
        for i in range(hi - lo):
            mi = mb[i] + (gb[i] + mb[i] * keep)
            mb[i] = mi
            di = gb[i] + momentum * mi if nesterov else mi
            db[i] = di
            part += di * di
        total += part
    return total


@jit
def muon_step(w, u, factor, decay):
    """Muon's step on a matrix: `w -= decay * w`, then `w -= factor * u` (`u` in any
    layout: the orthogonalized direction of a tall matrix is a transposed view)."""
    t = w.dtype.type  # compute in the weights' dtype, as NumPy does
    factor, decay = t(factor), t(decay)
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            wi = w[i, j] - decay * w[i, j]
            w[i, j] = wi - factor * u[i, j]
