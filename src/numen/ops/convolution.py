"""Convolutions (N-D, channels-last inside): conv, conv_transpose, depthwise and separable.

Everything runs as one matrix product on the BLAS. `conv` views the padded input as sliding
windows (no copy), flattens them into a (positions, taps * channels) matrix and multiplies it by
the kernel reshaped to (taps * channels, filters) — Keras's (*kernel, in, out) layout makes that
reshape free. The input gradient scatters the window gradients back, one kernel tap at a time
(a loop over taps, never over pixels). `conv_transpose` is the same two steps run in the other
order. channels_first inputs are moved to channels-last and back.

Large arrays (window matrices, outputs, gradients) come from `scratch` (ops/scratch.py), a
small pool of buffers reused across steps. With compiled kernels on (numen/kernels/image.py)
the bias and relu after the product are one pass, and a first layer (few input channels) is
made directly, its window matrix gathered only in backward when the kernel's gradient is wanted.
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np

from numen import backend, kernels
from numen.autodiff import as_tensor, result
from numen.autodiff.replay import primitive
from numen.ops import manipulation as shape_ops
from numen.ops.bfloat16 import products_in_float32
from numen.ops.scratch import scratch

PADDINGS = ("valid", "same", "causal")
_NARROW = 4  # up to this many input channels, the window matrix is gathered tap by tap
_COMPILED_FLOATS = (np.dtype("float32"), np.dtype("float64"))


def data_format_of(data_format) -> str:
    """'channels_last' or 'channels_first'; None means the global image data format."""
    if data_format is None:
        return backend.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("data_format must be 'channels_last' or 'channels_first', received "
                         f"{data_format!r}")
    return data_format


def int_tuple(value, n: int, arg: str, op: str) -> tuple:
    """An int or a sequence of `n` positive ints, as a tuple of `n` ints."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,) * n
    try:
        out = tuple(int(v) for v in value)
    except TypeError:
        out = ()
    if len(out) != n or any(v <= 0 for v in out):
        raise ValueError(f"{op}: `{arg}` must be a positive int or a tuple of {n} positive ints, "
                         f"received {value!r}")
    return out


def same_pads(size: int, k_eff: int, stride: int) -> tuple[int, int]:
    """Padding (before, after) giving ceil(size / stride) outputs; the extra one goes after."""
    total = max((-(-size // stride) - 1) * stride + k_eff - size, 0)
    return total // 2, total - total // 2


def windows(xp, x, out_sizes, kernel, strides, dilation):
    """A read-only (N, *out_sizes, *kernel, C) view of the sliding windows of `x` (N, *S, C)."""
    s = x.strides
    mid = s[1:-1]
    shape = (x.shape[0], *out_sizes, *kernel, x.shape[-1])
    strides_ = (s[0], *(a * b for a, b in zip(mid, strides)),
                *(a * b for a, b in zip(mid, dilation)), s[-1])
    # A view that must only be read (CuPy's as_strided has no writeable= flag to enforce it).
    return backend.strided_view(x, shape, strides_)


def tap_slices(taps, out_sizes, strides, dilation):
    """Index of the input pixels one kernel tap sees, for each tap in order."""
    for k in itertools.product(*(range(t) for t in taps)):
        yield k, (slice(None),) + tuple(
            slice(ki * d, ki * d + s * (o - 1) + 1, s)
            for ki, o, s, d in zip(k, out_sizes, strides, dilation)) + (slice(None),)


def scatter_windows(xp, g_win, padded_shape, taps, strides, dilation):
    """Sum window gradients (N, *out, *taps, C) back onto an input of `padded_shape`."""
    nd = len(taps)
    out_sizes = g_win.shape[1:1 + nd]
    gx = xp.zeros(padded_shape, dtype=g_win.dtype)
    lead = (slice(None),) * (nd + 1)
    for k, index in tap_slices(taps, out_sizes, strides, dilation):
        gx[index] += g_win[lead + k]
    return gx


def _to_last(x, nd):
    return shape_ops.moveaxis(x, 1, -1) if nd > 0 else x


def _to_first(y):
    return shape_ops.moveaxis(y, -1, 1)


def _check_ranks(op, x, w, w_name="kernel"):
    nd = x.ndim - 2
    if nd < 1:
        raise ValueError(f"{op}: expected inputs of rank >= 3 (batch, spatial..., channels), "
                         f"received shape {x.shape}")
    if w.ndim != nd + 2:
        raise ValueError(f"{op}: inputs of shape {x.shape} have {nd} spatial axes, so the "
                         f"{w_name} must have rank {nd + 2}; received {w_name} shape {w.shape}")
    return nd


def _conv_pads(op, padding, sizes, k_eff, strides):
    padding = padding.lower() if isinstance(padding, str) else padding
    if padding not in PADDINGS:
        raise ValueError(f"{op}: padding must be one of {PADDINGS}, received {padding!r}")
    if padding == "valid":
        return [(0, 0)] * len(sizes)
    if padding == "causal":
        if len(sizes) != 1:
            raise ValueError(f"{op}: padding='causal' is only for 1D convolutions, received "
                             f"{len(sizes)} spatial axes")
        return [(k_eff[0] - 1, 0)]
    return [same_pads(n, k, s) for n, k, s in zip(sizes, k_eff, strides)]


@products_in_float32
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1, *,
         bias=None, relu: bool = False):
    """N-D convolution (cross-correlation, as in Keras) with Keras's kernel layout.

    The number of groups is inferred: channels(inputs) / kernel.shape[-2].

    Args:
        inputs: (N, *spatial, C) for channels_last, (N, C, *spatial) for channels_first.
        kernel: (*kernel_size, C // groups, filters).
        strides / dilation_rate: an int or one int per spatial axis.
        padding: 'valid', 'same' (TensorFlow's rule: extra padding after) or 'causal' (1D).
        bias: optional (filters,) vector added to the output, fused into the same op.
        relu: if True, return max(conv + bias, 0) from the same op (what Conv layers with
            activation='relu' use: no separate output and gradient arrays for the relu).

    Returns:
        The output Tensor, in the same data format as `inputs`.

    Raises:
        ValueError: on mismatched ranks, channels, groups or an empty output.

    >>> conv(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 2))).shape
    (1, 3, 3, 2)
    """
    x, w = as_tensor(inputs), as_tensor(kernel)
    nd = _check_ranks("conv", x, w)
    if data_format_of(data_format) == "channels_first":
        y = conv(_to_last(x, nd), w, strides, padding, "channels_last", dilation_rate, bias=bias,
                 relu=relu)
        return _to_first(y)
    b = as_tensor(bias) if bias is not None else None
    strides = int_tuple(strides, nd, "strides", "conv")
    dilation = int_tuple(dilation_rate, nd, "dilation_rate", "conv")
    taps, c_in, filters = w.shape[:nd], x.shape[-1], w.shape[-1]
    cg = w.shape[-2]
    if c_in % cg:
        raise ValueError(f"conv: inputs have {c_in} channels, which is not a multiple of the "
                         f"kernel's {cg} input channels (kernel shape {w.shape})")
    groups = c_in // cg
    if filters % groups:
        raise ValueError(f"conv: {filters} filters cannot be split into {groups} groups "
                         f"(inputs with {c_in} channels, kernel shape {w.shape})")
    k_eff = [(k - 1) * d + 1 for k, d in zip(taps, dilation)]
    pads = _conv_pads("conv", padding, x.shape[1:-1], k_eff, strides)
    out_sizes = tuple((n + lo + hi - k) // s + 1 for n, (lo, hi), k, s in
                      zip(x.shape[1:-1], pads, k_eff, strides))
    if any(o <= 0 for o in out_sizes):
        raise ValueError(f"conv: kernel of size {tuple(k_eff)} (dilation included) does not fit "
                         f"inputs of shape {x.shape} with padding={padding!r}")
    inputs_ = (x, w) if b is None else (x, w, b)
    return primitive(_conv_kernel, inputs_, "conv", strides=strides, pads=tuple(pads),
                     dilation=dilation, relu=relu)


def _padded(xp, x, pads, shape):
    """`x` (N, *S, C) zero-padded on its spatial axes to `shape`, in a reused buffer."""
    if shape == x.shape:
        return x
    xpad = scratch(xp, shape, x.dtype, zero=True)
    xpad[_crop(pads, x.shape)] = x
    return xpad


def _crop(pads, shape):
    return (slice(None),) + tuple(slice(lo, lo + s) for (lo, _), s in
                                  zip(pads, shape[1:-1])) + (slice(None),)


@functools.lru_cache(maxsize=256)
def _plan(x_shape, w_shape, strides, pads, dilation):
    """The geometry of one convolution, worked out once per shape (a replayed step runs the
    same shapes every time, and one-sample inference is dominated by this Python)."""
    nd = len(x_shape) - 2
    taps = w_shape[:nd]
    k_eff = [(k - 1) * d + 1 for k, d in zip(taps, dilation)]
    padded = (x_shape[0], *(n + lo + hi for n, (lo, hi) in zip(x_shape[1:-1], pads)),
              x_shape[-1])
    out_sizes = tuple((n - k) // s + 1 for n, k, s in zip(padded[1:-1], k_eff, strides))
    index = tuple(ix for _, ix in tap_slices(taps, out_sizes, strides, dilation))
    return padded, out_sizes, taps, index, _crop(pads, x_shape)


def _compiled(x, w, b):
    """numen.kernels.image when compiled kernels run and x, w (and b) are NumPy arrays of one
    float32/float64 dtype; else None (the NumPy path)."""
    dtype = x.dtype
    if type(x) is not np.ndarray or type(w) is not np.ndarray or w.dtype != dtype or \
            dtype not in _COMPILED_FLOATS or (b is not None and b.dtype != dtype) or \
            not kernels.enabled():
        return None
    from numen.kernels import image

    return image


_NO_BIAS = {d: np.empty(0, dtype=d) for d in _COMPILED_FLOATS}


def _bias_or_none(b, dtype):
    return _NO_BIAS[dtype] if b is None else b


def _few_channels(compiled, xpad, w, b, strides, dilation, relu, out_sizes):
    """`max(conv + b, 0)` (relu optional) straight from the compiled kernel, as a (positions,
    filters) matrix; 1-D convolutions run as 2-D ones one row high."""
    n, filters = xpad.shape[0], w.shape[-1]
    y = scratch(np, (n * math.prod(out_sizes), filters), xpad.dtype)
    y4 = y.reshape(n, *out_sizes, filters)
    if len(out_sizes) == 1:
        xpad, w, y4 = xpad[:, None], w[None], y4[:, None]
        strides, dilation = (1, *strides), (1, *dilation)
    compiled.conv_few_channels(xpad, w, _bias_or_none(b, y.dtype), strides, dilation, relu, y4)
    return y


def _gather_taps(xp, xpad, tap_index, out_sizes):
    """The (positions, taps * channels) window matrix of a few-channel input, as the transpose
    of a reused buffer: the one-copy gather of wider inputs moves a few values per window and
    ran 3-8x slower than copying each tap's shifted image whole into the rows of the
    transposed matrix."""
    n, c_in, t, nd = xpad.shape[0], xpad.shape[-1], len(tap_index), len(out_sizes)
    cols_t = scratch(xp, (t * c_in, n * math.prod(out_sizes)), xpad.dtype)
    # (taps, N, *out, C) view of the rows, to copy each tap's pixels into
    rows = cols_t.reshape(t, c_in, n, *out_sizes).transpose(0, *range(2, nd + 3), 1)
    for k, index in enumerate(tap_index):
        xp.copyto(rows[k], xpad[index])
    return cols_t.T


def _conv_kernel(arrays, needs, strides, pads, dilation, relu):
    """The channels-last convolution as a replay kernel (see `conv`): x, w[, b] arrays."""
    x, w = arrays[0], arrays[1]
    b = arrays[2] if len(arrays) > 2 else None
    xp = backend.xp_of(x, w)
    padded, out_sizes, taps, tap_index, crop = _plan(x.shape, w.shape, strides, pads, dilation)
    c_in, filters, cg = x.shape[-1], w.shape[-1], w.shape[-2]
    groups = c_in // cg
    xpad = _padded(xp, x, pads, padded)
    n, t, nd = x.shape[0], len(tap_index), len(out_sizes)
    m = n * math.prod(out_sizes)
    og = filters // groups
    compiled = _compiled(x, w, b)
    # A first layer (few channels) with compiled kernels: made directly, bias and relu
    # included; its window matrix is gathered in backward, only if the kernel's gradient is
    # wanted. Eager calls, replayed steps and replayed predictions all take this path alike.
    direct = compiled is not None and groups == 1 and c_in <= _NARROW and nd <= 2
    cols = None
    if direct:
        y = _few_channels(compiled, xpad, w, b, strides, dilation, relu, out_sizes)
        w2 = w.reshape(t * c_in, filters)
    elif groups == 1:
        # The window matrix is copied into a reused buffer; it stays held (so never handed
        # out again) for as long as the backward closure below is alive.
        if c_in <= _NARROW:
            cols = _gather_taps(xp, xpad, tap_index, out_sizes)
        else:
            win = windows(xp, xpad, out_sizes, taps, strides, dilation)
            cols = scratch(xp, (m, t * c_in), x.dtype)
            xp.copyto(cols.reshape(win.shape), win)
        w2 = w.reshape(t * c_in, filters)
        y = xp.matmul(cols, w2, out=scratch(xp, (m, filters), xp.result_type(cols, w2)))
    elif cg == 1 and og == 1:  # depthwise, multiplier 1
        y = _per_channel(xp, xpad, w, tap_index, out_sizes).reshape(m, filters)
    else:
        win = windows(xp, xpad, out_sizes, taps, strides, dilation)
        cols = win.reshape(m, t, groups, cg).transpose(2, 0, 1, 3).reshape(groups, m, t * cg)
        w2 = w.reshape(t, cg, groups, og).transpose(2, 0, 1, 3).reshape(groups, t * cg, og)
        y = (cols @ w2).transpose(1, 0, 2).reshape(m, filters)
    if compiled is not None and not direct and (b is not None or relu):
        compiled.bias_relu(y, _bias_or_none(b, y.dtype), relu)  # one pass, the same values
    elif not direct:
        if b is not None:
            y += b
        if relu:
            xp.maximum(y, 0, out=y)
    y = y.reshape(n, *out_sizes, filters)
    if not any(needs):  # inference: no closure (and no window matrix held)
        return y, None

    def backward(gy):
        if relu:
            gy = xp.multiply(gy, xp.greater(y, 0, out=scratch(xp, y.shape, bool)),
                             out=scratch(xp, y.shape, xp.result_type(gy, y)))
        gy2 = gy.reshape(m, filters)
        gx = gw = gb = None
        if groups == 1:
            if needs[1]:
                c = _gather_taps(xp, xpad, tap_index, out_sizes) if cols is None else cols
                gw = (c.T @ gy2).reshape(w.shape)
            if needs[0]:
                # One small product per tap, added straight into its pixels: the
                # (positions, taps * channels) gradient matrix is never built (measured
                # faster than one big product followed by a scatter of its columns).
                dtype = xp.result_type(gy2, w2)
                gx = scratch(xp, xpad.shape, dtype, zero=True)
                g_tap = scratch(xp, (m, c_in), dtype)
                wk = w.reshape(t, c_in, filters)
                for k, index in enumerate(tap_index):
                    gx[index] += xp.matmul(gy2, wk[k].T, out=g_tap).reshape(n, *out_sizes, c_in)
        elif cg == 1 and og == 1:
            gx, gw = _per_channel_backward(xp, xpad, w, gy2, tap_index, out_sizes, needs)
        else:
            gyg = gy2.reshape(m, groups, og).transpose(1, 0, 2)
            if needs[1]:
                gw = cols.transpose(0, 2, 1) @ gyg
                gw = gw.reshape(groups, t, cg, og).transpose(1, 2, 0, 3).reshape(w.shape)
            if needs[0]:
                g_cols = (gyg @ w2.transpose(0, 2, 1)).reshape(groups, m, t, cg)
                g_win = g_cols.transpose(1, 2, 0, 3).reshape(n, *out_sizes, *taps, c_in)
                gx = scatter_windows(xp, g_win, xpad.shape, taps, strides, dilation)
        if needs[0]:
            gx = gx[crop]
        if b is not None and needs[2]:
            # A product with ones runs on the BLAS, ~10x faster than a column sum of a tall
            # matrix in NumPy.
            gb = xp.ones(m, dtype=gy2.dtype) @ gy2
        return (gx, gw) if b is None else (gx, gw, gb)

    return y, backward


def _per_channel(xp, xpad, w, tap_index, out_sizes):
    """A convolution with one input and one output channel per group (depthwise, multiplier
    1), as (N, *out, C): each tap's shifted image times that tap's weights, added up. The
    grouped path's window matrix and batched products of inner size 1 ran 3-6x slower (with
    a larger multiplier its products are wide enough, and it stays faster)."""
    wk = w.reshape(len(tap_index), xpad.shape[-1])
    dtype = xp.result_type(xpad, w)
    y = xp.zeros((xpad.shape[0], *out_sizes, xpad.shape[-1]), dtype=dtype)
    term = scratch(xp, y.shape, dtype)
    for k, index in enumerate(tap_index):
        y += xp.multiply(xpad[index], wk[k], out=term)
    return y


def _per_channel_backward(xp, xpad, w, gy2, tap_index, out_sizes, needs):
    """(gradient of the padded input, of the kernel) of `_per_channel`; None where not
    needed."""
    t, (m, c) = len(tap_index), gy2.shape
    wk = w.reshape(t, c)
    gy = gy2.reshape(xpad.shape[0], *out_sizes, c)
    dtype = xp.result_type(gy, w)
    term = scratch(xp, gy.shape, dtype)
    gx = scratch(xp, xpad.shape, dtype, zero=True) if needs[0] else None
    gw = xp.empty((t, c), dtype=dtype) if needs[1] else None
    ones = xp.ones(m, dtype=dtype)
    for k, index in enumerate(tap_index):
        if needs[1]:
            # A product with ones: the column sum on the BLAS (see the bias gradient)
            gw[k] = ones @ xp.multiply(xpad[index], gy, out=term).reshape(m, c)
        if needs[0]:
            gx[index] += xp.multiply(gy, wk[k], out=term)
    return gx, None if gw is None else gw.reshape(w.shape)


def transpose_geometry(size, k_eff, stride, padding, output_padding):
    """(output length, offset into the full scatter buffer) for one axis of conv_transpose.

    The full result of scattering n inputs is (n - 1) * stride + k_eff long; Keras's padding
    rule keeps a window of it starting at `offset` (and zero-fills past its end if needed).
    """
    if padding == "valid":
        extra = max(k_eff, stride) - k_eff if output_padding is None else output_padding
        left, right = k_eff - 1, k_eff - 1 + extra
    else:
        if output_padding is None:
            total = stride + k_eff - 2
        else:
            total = k_eff + k_eff % 2 - 2 + output_padding
        left = min(total // 2 + total % 2, k_eff - 1)
        right = total - left
    length = (size - 1) * stride + 1 + left + right - k_eff + 1
    return length, k_eff - 1 - left


@products_in_float32
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1, *, bias=None):
    """Transposed convolution (the gradient of `conv` wrt its input), Keras's layout.

    Args:
        inputs: (N, *spatial, C_in) channels_last, or channels_first.
        kernel: (*kernel_size, filters, C_in).
        strides / dilation_rate / output_padding: an int or one per spatial axis.
        padding: 'valid' or 'same'.
        bias: optional (filters,) vector, fused.

    Returns:
        The output Tensor; with padding 'same' and no output_padding its spatial sizes are
        inputs' times strides.

    >>> conv_transpose(np.ones((1, 3, 3, 1)), np.ones((2, 2, 4, 1)), strides=2).shape
    (1, 6, 6, 4)
    """
    x, w = as_tensor(inputs), as_tensor(kernel)
    nd = _check_ranks("conv_transpose", x, w)
    if data_format_of(data_format) == "channels_first":
        y = conv_transpose(_to_last(x, nd), w, strides, padding, output_padding,
                           "channels_last", dilation_rate, bias=bias)
        return _to_first(y)
    b = as_tensor(bias) if bias is not None else None
    op = "conv_transpose"
    strides = int_tuple(strides, nd, "strides", op)
    dilation = int_tuple(dilation_rate, nd, "dilation_rate", op)
    pad = padding.lower() if isinstance(padding, str) else padding
    if pad not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same', received {padding!r}")
    outpad = [None] * nd
    if output_padding is not None:
        outpad = ([int(output_padding)] * nd if isinstance(output_padding, int)
                  else [int(v) for v in output_padding])
        if len(outpad) != nd:
            raise ValueError(f"{op}: output_padding must be an int or {nd} ints, received "
                             f"{output_padding!r}")
    taps, c_in, filters = w.shape[:nd], x.shape[-1], w.shape[-2]
    if w.shape[-1] != c_in:
        raise ValueError(f"{op}: inputs have {c_in} channels but the kernel expects "
                         f"{w.shape[-1]} (kernel shape {w.shape}, inputs shape {x.shape})")
    k_eff = [(k - 1) * d + 1 for k, d in zip(taps, dilation)]
    sizes = x.shape[1:-1]
    geo = [transpose_geometry(n, k, s, pad, p)
           for n, k, s, p in zip(sizes, k_eff, strides, outpad)]
    if any(length <= 0 for length, _ in geo):
        raise ValueError(f"{op}: inputs of shape {x.shape} give an empty output")
    buf_shape = (x.shape[0], *(max((n - 1) * s + k, off + length) for n, s, k, (length, off)
                               in zip(sizes, strides, k_eff, geo)), filters)
    crop = (slice(None),) + tuple(slice(off, off + length) for length, off in geo) + (
        slice(None),)
    xp = backend.xp_of(x.data, w.data)
    n, t = x.shape[0], math.prod(taps)
    m = n * math.prod(sizes)
    x2 = x.data.reshape(m, c_in)
    w2 = w.data.reshape(t * filters, c_in)
    g_win = (x2 @ w2.T).reshape(n, *sizes, *taps, filters)
    y = xp.ascontiguousarray(scatter_windows(xp, g_win, buf_shape, taps, strides, dilation)[crop])
    if b is not None:
        y += b.data

    def backward(gy):
        gbuf = xp.zeros(buf_shape, dtype=gy.dtype)
        gbuf[crop] = gy
        cols = windows(xp, gbuf, sizes, taps, strides, dilation).reshape(m, t * filters)
        gx = (cols @ w2).reshape(x.shape) if x.requires_grad else None
        gw = (cols.T @ x2).reshape(w.shape) if w.requires_grad else None
        if b is None:
            return gx, gw
        gb = gy.reshape(-1, filters).sum(axis=0) if b.requires_grad else None
        return gx, gw, gb

    inputs_ = (x, w) if b is None else (x, w, b)
    return result(y, inputs_, backward, "conv_transpose")


@products_in_float32
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1, *, bias=None):
    """Each input channel convolved with its own `depth_multiplier` filters.

    Args:
        kernel: (*kernel_size, C, depth_multiplier); output channel c * dm + j comes from
            input channel c and kernel[..., c, j].

    >>> depthwise_conv(np.ones((1, 4, 4, 3)), np.ones((3, 3, 3, 2))).shape
    (1, 2, 2, 6)
    """
    x, w = as_tensor(inputs), as_tensor(kernel)
    nd = _check_ranks("depthwise_conv", x, w)
    c_in = x.shape[1] if data_format_of(data_format) == "channels_first" else x.shape[-1]
    if w.shape[-2] != c_in:
        raise ValueError(f"depthwise_conv: inputs have {c_in} channels but the kernel expects "
                         f"{w.shape[-2]} (kernel shape {w.shape})")
    # (*k, C, dm) -> (*k, 1, C * dm) is the grouped-conv layout with groups = C, for free.
    grouped = shape_ops.reshape(w, (*w.shape[:nd], 1, w.shape[-2] * w.shape[-1]))
    return conv(x, grouped, strides, padding, data_format, dilation_rate, bias=bias)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1, *, bias=None):
    """A depthwise convolution followed by a 1x1 (pointwise) convolution.

    Args:
        depthwise_kernel: (*kernel_size, C, depth_multiplier).
        pointwise_kernel: (1, ..., 1, C * depth_multiplier, filters).

    >>> separable_conv(np.ones((1, 4, 4, 3)), np.ones((3, 3, 3, 2)), np.ones((1, 1, 6, 5))).shape
    (1, 2, 2, 5)
    """
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", data_format, 1, bias=bias)
