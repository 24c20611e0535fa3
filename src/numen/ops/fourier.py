"""Fourier transforms and the short-time transform, on (real, imag) pairs as Keras has them.

Complex numbers never reach the user: a complex input is a pair of float tensors of one shape
and a complex output comes back as such a pair. Each transform is linear, so its gradient is
its adjoint transform; the real part and the imaginary part of an output are separate Tensors,
each sending back its own share of the gradient.
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor, result
from numen.ops.manipulation import broadcast_to, getitem, pad
from numen.ops.math import divide, greater, multiply, where


def _pair(x, op: str) -> tuple[Tensor, Tensor]:
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"{op}: x must be a (real, imag) pair of tensors, "
                         f"received {type(x).__name__}")
    re, im = as_tensor(x[0]), as_tensor(x[1])
    if re.shape != im.shape:
        raise ValueError(f"{op}: the real and imaginary parts must have the same shape, "
                         f"received {re.shape} and {im.shape}")
    if re.data.dtype.kind != "f" or im.data.dtype.kind != "f":
        raise ValueError(f"{op}: the real and imaginary parts must be float tensors, "
                         f"received {re.dtype} and {im.dtype}")
    return re, im


def _split(z, inputs, adjoint, name):
    """(real, imag) Tensors of complex array `z`; adjoint(complex cotangent) -> input grads."""
    def backward_re(gy):
        return adjoint(gy + 0j)

    def backward_im(gy):
        return adjoint(1j * gy)

    return result(z.real.copy(), inputs, backward_re, name), \
        result(z.imag.copy(), inputs, backward_im, name)


def _complex_linear(x, op, forward, adjoint):
    """A complex-linear map of a (real, imag) pair: its gradient is adjoint(conj. cotangent)."""
    re, im = _pair(x, op)
    xp = backend.xp_of(re.data)
    z = forward(xp, re.data + 1j * im.data)

    def to_parts(gz):
        g = adjoint(xp, gz)
        return g.real.astype(re.data.dtype), g.imag.astype(im.data.dtype)

    return _split(z, (re, im), to_parts, op)


def fft(x) -> tuple[Tensor, Tensor]:
    """The discrete Fourier transform over the last axis of a (real, imag) pair.

    >>> re, im = fft((x_real, x_imag))
    """
    return _complex_linear(x, "fft", lambda xp, z: xp.fft.fft(z),
                           lambda xp, g: xp.fft.ifft(g) * g.shape[-1])


def fft2(x) -> tuple[Tensor, Tensor]:
    """The 2-D discrete Fourier transform over the last two axes of a (real, imag) pair.

    >>> re, im = fft2((x_real, x_imag))
    """
    return _complex_linear(x, "fft2", lambda xp, z: xp.fft.fft2(z),
                           lambda xp, g: xp.fft.ifft2(g) * (g.shape[-1] * g.shape[-2]))


def ifft2(x) -> tuple[Tensor, Tensor]:
    """The inverse 2-D discrete Fourier transform over the last two axes of a (real, imag) pair.

    >>> re, im = ifft2(fft2((x_real, x_imag)))   # x back
    """
    return _complex_linear(x, "ifft2", lambda xp, z: xp.fft.ifft2(z),
                           lambda xp, g: xp.fft.fft2(g) / (g.shape[-1] * g.shape[-2]))


def _fit_length(xp, a, n):
    """`a` cut or zero-padded along its last axis to length n."""
    if a.shape[-1] >= n:
        return a[..., :n]
    pad = [(0, 0)] * (a.ndim - 1) + [(0, n - a.shape[-1])]
    return xp.pad(a, pad)


def _check_length(fft_length, op):
    if fft_length is not None and (not isinstance(fft_length, (int, np.integer))
                                   or fft_length < 1):
        raise ValueError(f"{op}: fft_length must be a positive int or None, "
                         f"received {fft_length!r}")


def rfft(x, fft_length=None) -> tuple[Tensor, Tensor]:
    """The Fourier transform of real input over its last axis: the fft_length // 2 + 1
    non-negative frequencies, as a (real, imag) pair.

    Args:
        x: real tensor; integers are transformed in floatx.
        fft_length: the transform length; `x` is cut or zero-padded to it (default: its
            last axis).

    >>> re, im = rfft([1.0, 0.0, 0.0, 0.0])   # re = [1, 1, 1], im = [0, 0, 0]
    """
    _check_length(fft_length, "rfft")
    x = as_tensor(x)
    if x.data.dtype.kind != "f":
        x = Tensor(x.data.astype(backend.floatx()))
    xp = backend.xp_of(x.data)
    n = x.shape[-1] if fft_length is None else int(fft_length)
    z = xp.fft.rfft(x.data, n=n)
    length = x.shape[-1]

    def adjoint(gz):
        g = xp.fft.ifft(_fit_length(xp, gz, n)).real * n
        return (_fit_length(xp, g, length).astype(x.data.dtype),)

    return _split(z.astype(np.result_type(x.data.dtype, np.complex64)), (x,), adjoint, "rfft")


def irfft(x, fft_length=None) -> Tensor:
    """The real signal whose non-negative frequencies are the (real, imag) pair `x`.

    Args:
        fft_length: output length (default 2 * (bins - 1)); the input bins are cut or
            zero-padded to fft_length // 2 + 1.

    >>> irfft(rfft(signal))   # signal back (even length)
    """
    _check_length(fft_length, "irfft")
    re, im = _pair(x, "irfft")
    xp = backend.xp_of(re.data)
    bins = re.shape[-1]
    n = 2 * (bins - 1) if fft_length is None else int(fft_length)
    y = xp.fft.irfft(re.data + 1j * im.data, n=n)
    # Every bin but DC (and Nyquist for even n) stands for itself and its mirror image.
    weight = xp.full(n // 2 + 1, 2.0 / n, dtype=re.data.dtype)
    weight[0] = 1.0 / n
    if n % 2 == 0:
        weight[-1] = 1.0 / n

    def backward(gy):
        g = _fit_length(xp, xp.fft.rfft(gy, n=n) * weight, bins)
        return g.real.astype(re.data.dtype), g.imag.astype(im.data.dtype)

    return result(y.astype(re.data.dtype), (re, im), backward, "irfft")


def _frame(x, length: int, stride: int) -> Tensor:
    """Overlapping frames x[..., i*stride : i*stride + length], stacked on a new axis -2."""
    xp = backend.xp_of(x.data)
    count = (x.shape[-1] - length) // stride + 1
    index = xp.arange(count)[:, None] * stride + xp.arange(length)
    total = x.shape[-1]
    return result(x.data[..., index], (x,),
                  lambda gy: (_overlap_add_array(gy, stride, total),), "frame")


def _overlap_add_array(frames, stride: int, total: int):
    """Sum frames (..., count, length) placed `stride` apart into a signal of length `total`."""
    xp = backend.xp_of(frames)
    count, length = frames.shape[-2:]
    pieces = -(-length // stride)
    out = xp.zeros(frames.shape[:-2] + (count + pieces, stride), dtype=frames.dtype)
    # Piece k of frame i starts at (i + k) * stride: one vectorized add per piece.
    for k in range(pieces):
        piece = frames[..., k * stride:(k + 1) * stride]
        out[..., k:k + count, :piece.shape[-1]] += piece
    return out.reshape(frames.shape[:-2] + (-1,))[..., :total]


def _overlap_add(frames: Tensor, stride: int) -> Tensor:
    count, length = frames.shape[-2:]
    total = (count - 1) * stride + length
    index = np.arange(count)[:, None] * stride + np.arange(length)
    y = _overlap_add_array(frames.data, stride, total)
    return result(y, (frames,), lambda gy: (gy[..., backend.to_device(index)],), "overlap_add")


def _window(window, sequence_length, fft_length, dtype, op):
    """The analysis window zero-padded (centred) to fft_length, or None for no window."""
    if window is None:
        return None
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f"{op}: window must be 'hann', 'hamming', None or a tensor, "
                             f"received {window!r}")
        # Periodic windows, as SciPy's get_window gives for spectral analysis.
        a = 0.5 if window == "hann" else 0.54
        phase = 2 * np.pi * np.arange(sequence_length) / sequence_length
        window = Tensor(backend.to_device((a - (1 - a) * np.cos(phase)).astype(dtype)))
    window = as_tensor(window)
    if window.ndim != 1 or window.shape[0] != sequence_length:
        raise ValueError(f"{op}: window must have shape ({sequence_length},) "
                         f"(sequence_length), received {window.shape}")
    left = (fft_length - sequence_length) // 2
    return pad(window, [(left, fft_length - sequence_length - left)])


def _check_stft_args(sequence_length, sequence_stride, fft_length, op):
    for name, value in (("sequence_length", sequence_length),
                        ("sequence_stride", sequence_stride), ("fft_length", fft_length)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{op}: {name} must be a positive int, received {value!r}")
    if fft_length < sequence_length:
        raise ValueError(f"{op}: fft_length must be >= sequence_length, received "
                         f"fft_length={fft_length}, sequence_length={sequence_length}")


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform over the last axis: (real, imag), each of shape
    (..., frames, fft_length // 2 + 1).

    Args:
        x: float32 or float64 signal(s).
        sequence_length: samples per frame (the window's length).
        sequence_stride: samples between the starts of consecutive frames.
        fft_length: transform length per frame (>= sequence_length; the window is centred
            and zero-padded to it).
        window: 'hann', 'hamming' (periodic), None, or a tensor of length sequence_length.
        center: reflect-pad fft_length // 2 samples on both sides first, so frame t is
            centred on sample t * sequence_stride.

    >>> re, im = stft(signal, sequence_length=256, sequence_stride=64, fft_length=256)
    """
    _check_stft_args(sequence_length, sequence_stride, fft_length, "stft")
    x = as_tensor(x)
    if x.dtype not in ("float32", "float64"):
        raise TypeError(f"stft: x must be float32 or float64, received {x.dtype}")
    if center:
        half = fft_length // 2
        x = pad(x, [(0, 0)] * (x.ndim - 1) + [(half, half)], mode="reflect")
    if x.shape[-1] < fft_length:
        raise ValueError(f"stft: the signal ({x.shape[-1]} samples after padding) is shorter "
                         f"than fft_length={fft_length}")
    frames = _frame(x, fft_length, sequence_stride)
    win = _window(window, sequence_length, fft_length, x.data.dtype, "stft")
    if win is not None:
        frames = multiply(frames, win)
    return rfft(frames, fft_length)


def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True) -> Tensor:
    """The inverse of `stft`: the signal from its (real, imag) short-time spectrum.

    Frames are inverse-transformed, windowed and overlap-added, divided by the overlap-added
    squared window. Arguments are those of `stft`; `length` cuts the output to that many
    samples (by default the padding `center` added is removed).

    >>> signal_back = istft(stft(signal, 8, 4, 8), 8, 4, 8)
    """
    _check_stft_args(sequence_length, sequence_stride, fft_length, "istft")
    re, im = _pair(x, "istft")
    if re.ndim < 2:
        raise ValueError(f"istft: x must have rank >= 2 (..., frames, bins), received shape "
                         f"{re.shape}")
    xp = backend.xp_of(re.data)
    frames = irfft((re, im), fft_length)
    win = _window(window, sequence_length, fft_length, re.data.dtype, "istft")
    if win is None:
        win = Tensor(xp.ones(fft_length, dtype=re.data.dtype))
        scale = fft_length / sequence_stride  # what Keras (on JAX) gives without a window
    else:
        frames = multiply(frames, win)
        scale = 1.0
    y = _overlap_add(frames, sequence_stride)
    # Divide by the overlap-added squared window (a Tensor: a window tensor gets a gradient).
    win_squared = multiply(win, win)
    norm = _overlap_add(broadcast_to(win_squared, (re.shape[-2], fft_length)), sequence_stride)
    norm = where(greater(norm, 1e-10), norm, 1.0)
    y = divide(y, norm) if scale == 1.0 else multiply(divide(y, norm), scale)
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + length
    elif center:
        end = y.shape[-1] - fft_length // 2
    else:
        end = y.shape[-1]
    return getitem(y, (Ellipsis, slice(start, end)))
