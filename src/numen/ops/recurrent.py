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
scan runs in one compiled call each way (`numen.kernels.recurrent`); otherwise the NumPy scans
(ops/recurrent_numpy.py) run, one matmul and a few NumPy calls per step. Both give the same
results within float32 rounding.

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
from numen.ops import recurrent_numpy as numpy_scans


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
        return numpy_scans.lstm_inference(xp, xw, h0, c0, rk), None
    else:
        packed, backward = numpy_scans.lstm(xp, xw, h0, c0, rk, mask, rm, zero_output)

    def ordered(gy):
        gxw, dh, dc, grk = backward(gy)
        return _ordered(layout, gxw, grk, (), (dh, dc))

    return packed, ordered


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
        packed, backward = numpy_scans.gru(xp, xw, h0, rk, rb, mask, rm, zero_output)

    def ordered(gy):
        gxw, dh, grk, *grb = backward(gy)
        return _ordered(layout, gxw, grk, grb, (dh,))

    return packed, ordered


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
        packed, backward = numpy_scans.simple_rnn(xp, xw, h0, rk, mask, rm, zero_output)

    def ordered(gy):
        gxw, dh, grk = backward(gy)
        return _ordered(layout, gxw, grk, (), (dh,))

    return packed, ordered


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
