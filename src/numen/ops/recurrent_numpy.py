"""The recurrent scans in NumPy (or CuPy): one matrix product and a few array calls per time
step, each returning the packed output of ops/recurrent.py and its backward pass.

This is the path without numen[fast], for other dtypes and on the GPU; numen.kernels.recurrent
holds the compiled scans that give the same results within float32 rounding. `lstm_inference`
is the LSTM's lean no-gradient scan: it keeps nothing for a backward pass.
"""

from __future__ import annotations


def _sigmoid(xp, z):
    # 0.5 * (1 + tanh(z / 2)) is sigmoid without overflow, in one transcendental pass.
    return 0.5 * xp.tanh(0.5 * z) + 0.5


def _step_mask(mask, t, dtype):
    return None if mask is None else mask[:, t, None].astype(dtype)


def _split_at_mask(dh, gy_t, m, zero_output_for_mask):
    """A step's state gradient split into (what flows through the step's update, what a
    masked step passes straight back to the previous state)."""
    dh_all = dh + gy_t
    if m is None:
        return dh_all, 0.0
    if zero_output_for_mask:  # a masked step's output is zero: its gradient stops there
        return dh_all * m, dh * (1 - m)
    return dh_all * m, dh_all * (1 - m)


def lstm(xp, xw, h0, c0, rk, mask, rm, zero_output_for_mask):
    b, steps, four_u = xw.shape
    u = four_u // 4
    dtype = xw.dtype
    # Time-major state buffers, so every per-step elementwise call works on contiguous rows.
    gates = xp.empty((steps, b, four_u), dtype=dtype)
    c_seq = xp.empty((steps + 1, b, u), dtype=dtype)
    h_seq = xp.empty((steps + 1, b, u), dtype=dtype)
    h_in = h_seq if rm is None else xp.empty((steps, b, u), dtype=dtype)
    tanh_c = xp.empty((steps, b, u), dtype=dtype)
    tmp = xp.empty((b, u), dtype=dtype)
    # All four gates in three passes: sigmoid(z) = 0.5 * tanh(0.5 * z) + 0.5 (overflow-free)
    # and tanh(z) = 1 * tanh(1 * z) + 0 (exact), so each column is scale * tanh(scale * z)
    # + shift.
    scale = xp.full(four_u, 0.5, dtype=dtype)
    shift = xp.full(four_u, 0.5, dtype=dtype)
    scale[2 * u:3 * u], shift[2 * u:3 * u] = 1, 0
    h_seq[0], c_seq[0] = h0, c0
    for t in range(steps):
        if rm is not None:
            xp.multiply(h_seq[t], rm, out=h_in[t])
        g = gates[t]
        xp.matmul(h_in[t], rk, out=g)
        g += xw[:, t]
        g *= scale
        xp.tanh(g, out=g)
        g *= scale
        g += shift
        cand = g[:, 2 * u:3 * u]
        c_prev, c_new, h_new = c_seq[t], c_seq[t + 1], h_seq[t + 1]
        xp.multiply(g[:, u:2 * u], c_prev, out=c_new)
        xp.multiply(g[:, :u], cand, out=tmp)
        c_new += tmp
        xp.tanh(c_new, out=tanh_c[t])
        xp.multiply(g[:, 3 * u:], tanh_c[t], out=h_new)
        if mask is not None:
            skip = ~mask[:, t, None]
            xp.copyto(h_new, h_seq[t], where=skip)
            xp.copyto(c_new, c_prev, where=skip)
    packed = xp.empty((b, steps + 2, u), dtype=dtype)
    packed[:, :steps] = h_seq[1:].transpose(1, 0, 2)
    if mask is not None and zero_output_for_mask:
        packed[:, :steps] *= mask[:, :, None]
    packed[:, steps], packed[:, steps + 1] = h_seq[steps], c_seq[steps]

    def backward(gy):
        gdt = gy.dtype
        # Everything that does not depend on the incoming gradient, for all steps at once:
        # dz = [dc, dc, dc, dh] * coef, and dc picks up dh * o * tanh'(c).
        i, f = gates[..., :u], gates[..., u:2 * u]
        cand, o = gates[..., 2 * u:3 * u], gates[..., 3 * u:]
        coef = xp.subtract(1, gates, dtype=gdt)  # s * (1 - s): the sigmoids' derivative
        coef *= gates
        parts = [coef[..., k * u:(k + 1) * u] for k in range(4)]
        parts[0] *= cand
        parts[1] *= c_seq[:-1]
        parts[3] *= tanh_c
        xp.multiply(cand, cand, out=parts[2])
        xp.subtract(1, parts[2], out=parts[2])
        parts[2] *= i
        o_dtanh = xp.empty(tanh_c.shape, dtype=gdt)
        xp.multiply(tanh_c, tanh_c, out=o_dtanh)
        xp.subtract(1, o_dtanh, out=o_dtanh)
        o_dtanh *= o
        coef4 = coef.reshape(steps, b, 4, u)
        gz = xp.empty((steps, b, four_u), dtype=gdt)
        rk_t = xp.ascontiguousarray(rk.T)
        dh, dc = gy[:, steps].copy(), gy[:, steps + 1].copy()
        dh_new, dc_new = xp.empty_like(dh), xp.empty_like(dc)
        for t in range(steps - 1, -1, -1):
            xp.add(dh, gy[:, t], out=dh_new)
            if mask is not None:
                m = mask[:, t, None].astype(gdt)
                dh_keep = (dh if zero_output_for_mask else dh_new) * (1 - m)
                dc_keep = dc * (1 - m)
                dh_new *= m
                dc *= m
            xp.multiply(o_dtanh[t], dh_new, out=dc_new)
            dc_new += dc
            gz_t = gz[t]
            gz4 = gz_t.reshape(b, 4, u)
            xp.multiply(coef4[t, :, :3], dc_new[:, None], out=gz4[:, :3])
            xp.multiply(coef4[t, :, 3], dh_new, out=gz4[:, 3])
            xp.matmul(gz_t, rk_t, out=dh)
            if rm is not None:
                dh *= rm
            xp.multiply(dc_new, f[t], out=dc)
            if mask is not None:
                dh += dh_keep
                dc += dc_keep
        grk = h_in[:steps].reshape(-1, u).T @ gz.reshape(-1, four_u)
        return gz.transpose(1, 0, 2), dh, dc, grk

    return packed, backward


def lstm_inference(xp, xw, h0, c0, rk):
    """`lstm`'s packed output, bit for bit, when no gradient is needed: 10 NumPy calls
    a step instead of 15, none of them with a Python float (each such call converts the
    scalar: ~0.5 us of a ~1 us call), and nothing saved for a backward pass.

    The sigmoid gates' halving (sigmoid(z) = tanh(z / 2) / 2 + 1/2) is done once on their
    columns of the weights and of `xw` (`h @ (rk / 2) + xw / 2` is `(h @ rk + xw) / 2`
    exactly: halving is exact in floating point), so one tanh and one multiply-add cover
    all four gates, the candidate's tanh having been taken first. The candidate and the cell
    state sit side by side, so that `[i, f] * [candidate, c]` is one call. (Moving the gates'
    columns instead changes the BLAS's rounding, so their order stays.)
    """
    b, steps, four_u = xw.shape
    u = four_u // 4
    dtype = xw.dtype
    half = xp.asarray(0.5, dtype=dtype)  # a 0-d array: no scalar conversion per call
    scale = xp.full(four_u, 0.5, dtype=dtype)
    scale[2 * u:3 * u] = 1  # the candidate's tanh takes z itself
    rk_s = rk * scale
    xw_s = xp.empty((steps, b, four_u), dtype=dtype)  # time-major: each step's rows contiguous
    xp.multiply(xw.transpose(1, 0, 2), scale, out=xw_s)
    g = xp.empty((b, four_u), dtype=dtype)
    i_f, z_cand, o = g[:, :2 * u], g[:, 2 * u:3 * u], g[:, 3 * u:]
    cand_c = xp.empty((b, 2 * u), dtype=dtype)  # candidate, c
    cand, c = cand_c[:, :u], cand_c[:, u:]
    c[...] = c0
    products = xp.empty((b, 2 * u), dtype=dtype)  # i * candidate, f * c
    tanh_c = xp.empty((b, u), dtype=dtype)
    h_seq = xp.empty((steps, b, u), dtype=dtype)
    h = h0
    i_cand, f_c = products[:, :u], products[:, u:]
    # The ufuncs' `out` is passed by position: ~5% faster than the keyword at these sizes.
    for t in range(steps):
        xp.dot(h, rk_s, out=g)
        xp.add(g, xw_s[t], g)
        xp.tanh(z_cand, cand)
        xp.tanh(g, g)
        xp.multiply(g, half, g)  # the sigmoids (and a candidate column not read)
        xp.add(g, half, g)
        xp.multiply(i_f, cand_c, products)
        xp.add(i_cand, f_c, c)
        xp.tanh(c, tanh_c)
        h = h_seq[t]
        xp.multiply(o, tanh_c, h)
    packed = xp.empty((b, steps + 2, u), dtype=dtype)
    packed[:, :steps] = h_seq.transpose(1, 0, 2)
    packed[:, steps], packed[:, steps + 1] = h, c
    return packed


def gru(xp, xw, h0, rk, rb, mask, rm, zero_output_for_mask):
    b, steps, three_u = xw.shape
    u = three_u // 3
    dtype = xw.dtype
    packed = xp.empty((b, steps + 1, u), dtype=dtype)
    zr = xp.empty((steps, b, 2 * u), dtype=dtype)
    hh_seq = xp.empty((steps, b, u), dtype=dtype)
    ah_seq = xp.empty((steps, b, u), dtype=dtype)
    h_seq = xp.empty((steps + 1, b, u), dtype=dtype)
    h_in = xp.empty((steps, b, u), dtype=dtype)
    h_seq[0] = h0
    for t in range(steps):
        h = h_seq[t]
        h_in[t] = h if rm is None else h * rm
        a = h_in[t] @ rk
        if rb is not None:
            a += rb
        x_t = xw[:, t]
        zr[t] = _sigmoid(xp, x_t[:, :2 * u] + a[:, :2 * u])
        z, r = zr[t, :, :u], zr[t, :, u:]
        ah_seq[t] = a[:, 2 * u:]
        hh_seq[t] = xp.tanh(x_t[:, 2 * u:] + r * ah_seq[t])
        h_new = z * h + (1 - z) * hh_seq[t]
        m = _step_mask(mask, t, dtype)
        if m is None:
            packed[:, t] = h_new
        else:
            packed[:, t] = h_new * m if zero_output_for_mask else xp.where(m > 0, h_new, h)
            h_new = xp.where(m > 0, h_new, h)
        h_seq[t + 1] = h_new
    packed[:, steps] = h_seq[steps]

    def backward(gy):
        gxw = xp.empty(xw.shape, dtype=gy.dtype)
        ga = xp.empty((steps, b, three_u), dtype=gy.dtype)
        dh = gy[:, steps].copy()
        for t in range(steps - 1, -1, -1):
            m = _step_mask(mask, t, dtype)
            dh_new, dh_keep = _split_at_mask(dh, gy[:, t], m, zero_output_for_mask)
            z, r, hh = zr[t, :, :u], zr[t, :, u:], hh_seq[t]
            dx = gxw[:, t]
            dx[:, 2 * u:] = dh_new * (1 - z) * (1 - hh * hh)
            dx[:, :u] = dh_new * (h_seq[t] - hh) * z * (1 - z)
            dx[:, u:2 * u] = dx[:, 2 * u:] * ah_seq[t] * r * (1 - r)
            da = ga[t]
            da[:, :2 * u] = dx[:, :2 * u]
            da[:, 2 * u:] = dx[:, 2 * u:] * r
            dh_in = da @ rk.T
            dh = dh_new * z + (dh_in if rm is None else dh_in * rm) + dh_keep
        ga2 = ga.reshape(-1, three_u)
        grk = h_in.reshape(-1, u).T @ ga2
        grads = (gxw, dh, grk)
        return grads if rb is None else grads + (ga2.sum(axis=0),)

    return packed, backward


def simple_rnn(xp, xw, h0, rk, mask, rm, zero_output_for_mask):
    b, steps, u = xw.shape
    dtype = xw.dtype
    packed = xp.empty((b, steps + 1, u), dtype=dtype)
    act = xp.empty((steps, b, u), dtype=dtype)
    h_in = xp.empty((steps, b, u), dtype=dtype)
    h = h0
    for t in range(steps):
        h_in[t] = h if rm is None else h * rm
        act[t] = xp.tanh(xw[:, t] + h_in[t] @ rk)
        m = _step_mask(mask, t, dtype)
        if m is None:
            h = packed[:, t] = act[t]
        else:
            packed[:, t] = act[t] * m if zero_output_for_mask else xp.where(m > 0, act[t], h)
            h = xp.where(m > 0, act[t], h)
    packed[:, steps] = h

    def backward(gy):
        gxw = xp.empty(xw.shape, dtype=gy.dtype)
        dh = gy[:, steps].copy()
        for t in range(steps - 1, -1, -1):
            m = _step_mask(mask, t, dtype)
            dh_new, dh_keep = _split_at_mask(dh, gy[:, t], m, zero_output_for_mask)
            dz = gxw[:, t]
            dz[:] = dh_new * (1 - act[t] * act[t])
            dh_in = dz @ rk.T
            dh = (dh_in if rm is None else dh_in * rm) + dh_keep
        grk = h_in.reshape(-1, u).T @ gxw.transpose(1, 0, 2).reshape(-1, u)
        return gxw, dh, grk

    return packed, backward
