"""Fused recurrent scans: a whole sequence of LSTM, GRU or simple-RNN steps as one op.

Each op takes the input projection for every timestep at once (`xw = x @ kernel + bias`,
computed beforehand by one `dense`), runs one recurrent matmul per step, and returns one
packed Tensor `(batch, timesteps + n_states, units)`: the outputs of every step followed by the
final states. Backward walks the sequence in reverse by hand (BPTT) and forms the recurrent
kernel's gradient with a single matmul over all steps, so a step costs one matmul and a few
elementwise passes both ways. Only the default activations (tanh, sigmoid) are fused; the
layers compose other activations from ordinary ops.

The scans are replay kernels (`autodiff/replay.py`), so a recorded training step runs them
without the eager engine. When compiled kernels are enabled (`numen.kernels.enabled()`: Numba
installed, `NUMEN_KERNELS` not 'numpy') and the arrays are NumPy float32/float64, the whole
scan runs in one compiled call each way (`numen.kernels.recurrent`); otherwise the NumPy code
below runs, one matmul and a few NumPy calls per step. Both give the same results within
float32 rounding.

Masking follows Keras: at a masked step (`mask[b, t]` False) the states keep their previous
values and the output repeats the previous output, or is zero with `zero_output_for_mask`.
Initial states may be None: zeros, made inside the kernel (so a recording needs no constant).
"""

from __future__ import annotations

import functools
import importlib.util

import numpy as np

from numen import backend, kernels
from numen.autodiff import Tensor, as_tensor, data_of
from numen.autodiff.replay import primitive


def _sigmoid(xp, z):
    # 0.5 * (1 + tanh(z / 2)) is sigmoid without overflow, in one transcendental pass.
    return 0.5 * xp.tanh(0.5 * z) + 0.5


def _step_mask(mask, t, dtype):
    return None if mask is None else mask[:, t, None].astype(dtype)


@functools.cache
def _blas_in_numba() -> bool:
    # Numba's np.dot calls the BLAS that SciPy ships.
    return importlib.util.find_spec("scipy") is not None


def _use_compiled(xp, *arrays) -> bool:
    """Whether the compiled scans take these arrays: NumPy, one float32/float64 dtype."""
    if xp is not np or not kernels.enabled() or not _blas_in_numba():
        return False
    dtype = arrays[0].dtype
    return dtype in (np.float32, np.float64) and all(a.dtype == dtype for a in arrays[1:])


def _inputs(name, xw, states, rk, mask, recurrent_mask, extra=()):
    """The op's input Tensors `(xw, rk, *extra, *given states, [mask], [recurrent mask])` and
    the static layout saying which optional ones are there."""
    xw, rk = as_tensor(xw), as_tensor(rk)
    if xw.ndim != 3:
        raise ValueError(f"{name}: expected projected inputs of rank 3 (batch, time, gates), "
                         f"received shape {xw.shape}")
    xp = backend.xp_of(xw.data, rk.data)
    given = tuple(s is not None for s in states)
    inputs = [xw, rk, *extra, *(as_tensor(s) for s in states if s is not None)]
    if mask is not None:
        mask = xp.asarray(data_of(mask)).astype(bool)  # (a CuPy array's .data is a pointer)
        if mask.shape != xw.shape[:2]:
            raise ValueError(f"{name}: mask must have shape (batch, timesteps) = "
                             f"{xw.shape[:2]}, received {mask.shape}")
        inputs.append(Tensor(mask))
    if recurrent_mask is not None:
        inputs.append(Tensor(xp.asarray(data_of(recurrent_mask))))
    return tuple(inputs), (given, mask is not None, recurrent_mask is not None)


def _arrays(arrays, layout, n_extra, units):
    """Unpack a kernel's arrays: (xw, rk, extra, states with zeros for missing ones, mask,
    recurrent mask)."""
    given, has_mask, has_rm = layout
    xw, rk = arrays[0], arrays[1]
    extra = list(arrays[2:2 + n_extra])
    rest = list(arrays[2 + n_extra:])
    xp = backend.xp_of(xw)
    states = []
    for present in given:
        states.append(rest.pop(0) if present else xp.zeros((xw.shape[0], units), xw.dtype))
    mask = rest.pop(0) if has_mask else None
    rm = rest.pop(0) if has_rm else None
    return xw, rk, extra, states, mask, rm


def _ordered(layout, gxw, grk, extra_grads, state_grads):
    """Gradients in the order of the op's inputs (None for the masks)."""
    given, has_mask, has_rm = layout
    grads = [gxw, grk, *extra_grads]
    grads += [g for g, present in zip(state_grads, given) if present]
    return tuple(grads) + (None,) * (int(has_mask) + int(has_rm))


def _compiled_module():
    from numen.kernels import recurrent

    return recurrent


# -- LSTM ------------------------------------------------------------------------------------
def lstm_scan(xw, h0, c0, recurrent_kernel, mask=None, recurrent_mask=None,
              zero_output_for_mask=False):
    """Run LSTM steps (gates i, f, c, o; sigmoid and tanh) over a projected sequence.

    Args:
        xw: `(batch, time, 4 * units)`: inputs times kernel plus bias for every step.
        h0, c0: `(batch, units)` initial states, or None for zeros.
        recurrent_kernel: `(units, 4 * units)`.
        mask: optional `(batch, time)` booleans, False at steps to skip.
        recurrent_mask: optional `(batch, units)` factor on h before the recurrent matmul
            (recurrent dropout).
        zero_output_for_mask: output zeros at masked steps instead of the previous output.

    Returns:
        `(batch, time + 2, units)`: step outputs, then the final h and the final c.

    Raises:
        ValueError: `xw` not of rank 3, or a mask of the wrong shape.

    >>> lstm_scan(np.zeros((2, 5, 12)), None, None, np.zeros((3, 12))).shape
    (2, 7, 3)
    """
    inputs, layout = _inputs("lstm_scan", xw, [h0, c0], recurrent_kernel, mask,
                             recurrent_mask)
    return primitive(_lstm_kernel, inputs, "lstm_scan", layout=layout,
                     zero_output=bool(zero_output_for_mask))


def _lstm_kernel(arrays, needs, layout, zero_output):
    xw, rk, _, (h0, c0), mask, rm = _arrays(arrays, layout, 0, arrays[1].shape[0])
    xp = backend.xp_of(xw, rk)
    if _use_compiled(xp, xw, rk, h0, c0, *([] if rm is None else [rm])):
        packed, backward = _compiled_module().lstm(xw, h0, c0, rk, mask, rm, zero_output,
                                                   any(needs))
    elif not any(needs) and mask is None and rm is None and \
            xw.dtype == rk.dtype == h0.dtype == c0.dtype:  # inference: nothing to keep
        return _lstm_numpy_inference(xp, xw, h0, c0, rk), None
    else:
        packed, backward = _lstm_numpy(xp, xw, h0, c0, rk, mask, rm, zero_output)

    def ordered(gy):
        gxw, dh, dc, grk = backward(gy)
        return _ordered(layout, gxw, grk, (), (dh, dc))

    return packed, ordered


def _lstm_numpy(xp, xw, h0, c0, rk, mask, rm, zero_output_for_mask):
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


def _lstm_numpy_inference(xp, xw, h0, c0, rk):
    """`_lstm_numpy`'s packed output, bit for bit, when no gradient is needed: 10 NumPy calls
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


# -- GRU -------------------------------------------------------------------------------------
def gru_scan(xw, h0, recurrent_kernel, recurrent_bias=None, mask=None, recurrent_mask=None,
             zero_output_for_mask=False):
    """Run GRU steps with the reset gate applied after the matmul (Keras's reset_after=True).

    Gates z, r, h in Keras's order; `h = z * h_prev + (1 - z) * tanh(x_h + r * (h_prev @ R_h
    + b_h))`.

    Args:
        xw: `(batch, time, 3 * units)`: inputs times kernel plus input bias.
        h0: `(batch, units)` initial state, or None for zeros.
        recurrent_kernel: `(units, 3 * units)`; recurrent_bias: `(3 * units,)` or None.
        mask, recurrent_mask, zero_output_for_mask: as in `lstm_scan`.

    Returns:
        `(batch, time + 1, units)`: step outputs, then the final h.

    Raises:
        ValueError: `xw` not of rank 3, or a mask of the wrong shape.

    >>> gru_scan(np.zeros((2, 5, 9)), None, np.zeros((3, 9))).shape
    (2, 6, 3)
    """
    extra = () if recurrent_bias is None else (as_tensor(recurrent_bias),)
    inputs, layout = _inputs("gru_scan", xw, [h0], recurrent_kernel, mask, recurrent_mask,
                             extra)
    return primitive(_gru_kernel, inputs, "gru_scan", layout=layout, has_bias=bool(extra),
                     zero_output=bool(zero_output_for_mask))


def _gru_kernel(arrays, needs, layout, has_bias, zero_output):
    xw, rk, extra, (h0,), mask, rm = _arrays(arrays, layout, int(has_bias),
                                             arrays[1].shape[0])
    rb = extra[0] if has_bias else None
    xp = backend.xp_of(xw, rk)
    checked = [a for a in (rb, rm) if a is not None]
    if _use_compiled(xp, xw, rk, h0, *checked):
        packed, backward = _compiled_module().gru(xw, h0, rk, rb, mask, rm, zero_output,
                                                  any(needs))
    else:
        packed, backward = _gru_numpy(xp, xw, h0, rk, rb, mask, rm, zero_output)

    def ordered(gy):
        gxw, dh, grk, *grb = backward(gy)
        return _ordered(layout, gxw, grk, grb, (dh,))

    return packed, ordered


def _gru_numpy(xp, xw, h0, rk, rb, mask, rm, zero_output_for_mask):
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
            dh_all = dh + gy[:, t]
            if m is None:
                dh_new, dh_keep = dh_all, 0.0
            elif zero_output_for_mask:
                dh_new, dh_keep = dh_all * m, dh * (1 - m)
            else:
                dh_new, dh_keep = dh_all * m, dh_all * (1 - m)
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


# -- simple RNN ------------------------------------------------------------------------------
def simple_rnn_scan(xw, h0, recurrent_kernel, mask=None, recurrent_mask=None,
                    zero_output_for_mask=False):
    """Run `h = tanh(xw_t + h_prev @ R)` over a projected sequence.

    Args:
        xw: `(batch, time, units)`: inputs times kernel plus bias.
        h0: `(batch, units)` initial state, or None for zeros.
        recurrent_kernel: `(units, units)`.
        mask, recurrent_mask, zero_output_for_mask: as in `lstm_scan`.

    Returns:
        `(batch, time + 1, units)`: step outputs, then the final h.

    Raises:
        ValueError: `xw` not of rank 3, or a mask of the wrong shape.

    >>> simple_rnn_scan(np.zeros((2, 5, 3)), None, np.zeros((3, 3))).shape
    (2, 6, 3)
    """
    inputs, layout = _inputs("simple_rnn_scan", xw, [h0], recurrent_kernel, mask,
                             recurrent_mask)
    return primitive(_rnn_kernel, inputs, "simple_rnn_scan", layout=layout,
                     zero_output=bool(zero_output_for_mask))


def _rnn_kernel(arrays, needs, layout, zero_output):
    xw, rk, _, (h0,), mask, rm = _arrays(arrays, layout, 0, arrays[1].shape[0])
    xp = backend.xp_of(xw, rk)
    if _use_compiled(xp, xw, rk, h0, *([] if rm is None else [rm])):
        packed, backward = _compiled_module().simple_rnn(xw, h0, rk, mask, rm, zero_output,
                                                         any(needs))
    else:
        packed, backward = _rnn_numpy(xp, xw, h0, rk, mask, rm, zero_output)

    def ordered(gy):
        gxw, dh, grk = backward(gy)
        return _ordered(layout, gxw, grk, (), (dh,))

    return packed, ordered


def _rnn_numpy(xp, xw, h0, rk, mask, rm, zero_output_for_mask):
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
            dh_all = dh + gy[:, t]
            if m is None:
                dh_new, dh_keep = dh_all, 0.0
            elif zero_output_for_mask:
                dh_new, dh_keep = dh_all * m, dh * (1 - m)
            else:
                dh_new, dh_keep = dh_all * m, dh_all * (1 - m)
            dz = gxw[:, t]
            dz[:] = dh_new * (1 - act[t] * act[t])
            dh_in = dz @ rk.T
            dh = (dh_in if rm is None else dh_in * rm) + dh_keep
        grk = h_in.reshape(-1, u).T @ gxw.transpose(1, 0, 2).reshape(-1, u)
        return gxw, dh, grk

    return packed, backward


# -- taking the packed result apart ----------------------------------------------------------
def take_steps(x, index):
    """`x[index]` for a basic index (slices and integers) as a replay kernel: how the layers
    take outputs and states out of a packed scan result.

    >>> take_steps(np.zeros((2, 7, 3)), (slice(None), -1)).shape
    (2, 3)
    """
    return primitive(_take_kernel, (as_tensor(x),), "take_steps", index=index)


def _take_kernel(arrays, needs, index):
    (x,) = arrays
    xp = backend.xp_of(x)

    def backward(gy):
        g = xp.zeros(x.shape, dtype=gy.dtype)
        g[index] = gy
        return (g,)

    return x[index], backward
