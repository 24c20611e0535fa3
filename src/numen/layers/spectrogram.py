"""Audio spectrogram layers: MelSpectrogram (STFT power on a mel scale, optionally in
decibels) and STFTSpectrogram (an STFT as a strided convolution with trainable DFT kernels).
Both follow Keras 3's arguments, defaults, output layouts and weights."""

from __future__ import annotations

import math

import numpy as np

from numen import backend, initializers, ops
from numen.layers import validate
from numen.layers.base import InputSpec, Layer
from numen.layers.conv import data_format_arg

_MEL_BREAK_HZ = 700.0
_MEL_HIGH_Q = 1127.0


def _hz_to_mel(hz):
    return _MEL_HIGH_Q * np.log(1.0 + hz / _MEL_BREAK_HZ)


def mel_weight_matrix(num_mel_bins, num_spectrogram_bins, sampling_rate, lower_hz, upper_hz,
                      dtype="float32") -> np.ndarray:
    """(num_spectrogram_bins, num_mel_bins) triangular filters, linear in mel (HTK's scale),
    each peaking at 1; the DC bin gets no weight."""
    dt = np.dtype(dtype)
    nyquist = dt.type(sampling_rate) / dt.type(2.0)
    freqs = np.linspace(dt.type(0.0), nyquist, num_spectrogram_bins, dtype=dt)[1:]
    bins_mel = _hz_to_mel(freqs)[:, None]
    edges = np.linspace(_hz_to_mel(dt.type(lower_hz)), _hz_to_mel(dt.type(upper_hz)),
                        num_mel_bins + 2, dtype=dt)
    lower, center, upper = edges[:-2][None], edges[1:-1][None], edges[2:][None]
    rising = (bins_mel - lower) / (center - lower)
    falling = (upper - bins_mel) / (upper - center)
    weights = np.maximum(dt.type(0.0), np.minimum(rising, falling)).astype(dt)
    return np.pad(weights, [[1, 0], [0, 0]])


class MelSpectrogram(Layer):
    """Mel spectrogram of audio signals: (batch, samples) -> (batch, num_mel_bins, frames).

    The signal's centered STFT (`numen.ops.stft`) gives magnitudes, raised to `mag_exp`,
    mapped to `num_mel_bins` mel bands between `min_freq` and `max_freq`, and (with
    `power_to_db`) converted to decibels relative to `ref_power`, floored at `top_db` below
    the batch's maximum.

    Args:
        fft_length: FFT size (default 2048); the spectrum has fft_length // 2 + 1 bins.
        sequence_stride: hop between frames (default 512).
        sequence_length: window length (default: fft_length).
        window: 'hann' (default), 'hamming' or None.
        sampling_rate: samples per second (default 16000).
        num_mel_bins: mel bands (default 128).
        min_freq / max_freq: band edges in Hz (default 20 and sampling_rate / 2).
        power_to_db: output decibels (default True).
        top_db, mag_exp, min_power, ref_power: as in Keras (80, 2, 1e-10, 1).

    >>> MelSpectrogram(fft_length=64, sequence_stride=16, num_mel_bins=8)(
    ...     np.ones((2, 160))).shape
    (2, 8, 11)
    """

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None,
                 window="hann", sampling_rate=16000, num_mel_bins=128, min_freq=20.0,
                 max_freq=None, power_to_db=True, top_db=80.0, mag_exp=2.0, min_power=1e-10,
                 ref_power=1.0, **kwargs):
        super().__init__(**kwargs)
        self.fft_length = validate.positive_int(fft_length, "fft_length", self)
        self.sequence_stride = validate.positive_int(sequence_stride, "sequence_stride", self)
        self.sequence_length = validate.positive_int(sequence_length or fft_length,
                                                     "sequence_length", self)
        if self.sequence_length > self.fft_length:
            raise ValueError(f"MelSpectrogram: `sequence_length` ({self.sequence_length}) must "
                             f"not exceed `fft_length` ({self.fft_length})")
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = validate.positive_int(num_mel_bins, "num_mel_bins", self)
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        if not 0 <= self.min_freq < self.max_freq:
            raise ValueError(f"MelSpectrogram: need 0 <= min_freq < max_freq, received "
                             f"min_freq={min_freq!r}, max_freq={self.max_freq!r}")
        self.power_to_db = bool(power_to_db)
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power

    def call(self, inputs):
        x = inputs if inputs.dtype in ("float32", "float64") else ops.cast(inputs, "float32")
        real, imag = ops.stft(x, self.sequence_length, self.sequence_stride, self.fft_length,
                              window=self.window, center=True)
        spec = ops.power(ops.sqrt(ops.add(ops.square(real), ops.square(imag))), self.mag_exp)
        matrix = mel_weight_matrix(self.num_mel_bins, spec.shape[-1], self.sampling_rate,
                                   self.min_freq, self.max_freq, dtype=spec.dtype)
        mel = ops.tensordot(spec, backend.to_device(matrix), axes=1)
        if self.power_to_db:
            db = ops.multiply(ops.log10(ops.maximum(mel, self.min_power)), 10.0)
            ref = max(abs(float(self.ref_power)), self.min_power)
            db = ops.subtract(db, 10.0 * math.log10(ref))
            if self.top_db is not None:
                db = ops.maximum(db, ops.subtract(ops.max(db), self.top_db))
            mel = db
        out = ops.swapaxes(mel, -1, -2)
        return out if out.dtype == self.dtype else ops.cast(out, self.dtype)

    def get_config(self):
        return {**super().get_config(), "fft_length": self.fft_length,
                "sequence_stride": self.sequence_stride,
                "sequence_length": self.sequence_length, "window": self.window,
                "sampling_rate": self.sampling_rate, "num_mel_bins": self.num_mel_bins,
                "min_freq": self.min_freq, "max_freq": self.max_freq,
                "power_to_db": self.power_to_db, "top_db": self.top_db,
                "mag_exp": self.mag_exp, "min_power": self.min_power,
                "ref_power": self.ref_power}


_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


class STFTSpectrogram(Layer):
    """Spectrogram of (batch, time, channels) signals by a strided convolution whose kernels
    (`real_kernel`, `imag_kernel`, shape (frame_length, 1, fft_length // 2 + 1)) start as the
    windowed DFT basis (`keras.initializers.STFT`) and are trainable.

    Args:
        mode: 'log' (default: log magnitude), 'magnitude', 'psd' (power, with the inner bins
            doubled), 'real', 'imag', 'angle', or 'stft' (real and imaginary bins side by
            side).
        frame_length: window length (default 256).
        frame_step: hop between frames (default frame_length // 2).
        fft_length: FFT size (default: the next power of two >= frame_length).
        window: 'hann' (default), 'hamming', 'blackman', 'bartlett', an array or None.
        periodic: use the periodic form of the named window.
        scaling: 'density' (default), 'spectrum' or None.
        padding: 'valid' (default) or 'same'.
        expand_dims: keep channels on their own axis: (batch, frames, bins, channels) instead
            of (batch, frames, channels * bins).
        data_format: 'channels_last' (default) or 'channels_first'.

    >>> STFTSpectrogram(frame_length=32)(np.ones((2, 160, 1))).shape
    (2, 9, 17)
    """

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None,
                 window="hann", periodic=False, scaling="density", padding="valid",
                 expand_dims=False, data_format=None, **kwargs):
        self.frame_length = validate.positive_int(frame_length, "frame_length", self)
        if frame_step is not None and (isinstance(frame_step, bool) or not isinstance(
                frame_step, int) or not 1 <= frame_step <= frame_length):
            raise ValueError(f"STFTSpectrogram: `frame_step` must be an int in [1, "
                             f"frame_length={frame_length}], received {frame_step!r}")
        if fft_length is not None and (isinstance(fft_length, bool) or not isinstance(
                fft_length, int) or fft_length < frame_length):
            raise ValueError(f"STFTSpectrogram: `fft_length` must be an int >= frame_length="
                             f"{frame_length}, received {fft_length!r}")
        validate.one_of(mode, _MODES, "mode", self)
        if scaling not in ("density", "spectrum", None):
            raise ValueError(f"STFTSpectrogram: `scaling` must be 'density', 'spectrum' or "
                             f"None, received {scaling!r}")
        validate.one_of(padding, ("valid", "same"), "padding", self)
        initializers.STFT("real", window, scaling, periodic)  # checks the window name
        super().__init__(**kwargs)
        self.mode = mode
        self.frame_step = frame_step
        self._frame_step = frame_step or self.frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window = window
        self.periodic = bool(periodic)
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = bool(expand_dims)
        self.data_format = data_format_arg(data_format, self)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        if self.mode != "imag":
            self.real_kernel = self.add_weight(
                name="real_kernel", shape=shape,
                initializer=initializers.STFT("real", self.window, self.scaling, self.periodic))
        if self.mode != "real":
            self.imag_kernel = self.add_weight(
                name="imag_kernel", shape=shape,
                initializer=initializers.STFT("imag", self.window, self.scaling, self.periodic))
        self.built = True

    def _conv(self, x, kernel):
        """(batch, channels, bins, frames) for each channel's signal convolved alone."""
        if self.data_format == "channels_last":
            batch, steps, channels = x.shape
            signals = ops.reshape(ops.transpose(x, (0, 2, 1)), (-1, steps, 1))
        else:
            batch, channels, steps = x.shape
            signals = ops.reshape(x, (-1, 1, steps))
        y = ops.conv(signals, ops.cast(kernel, x.dtype), strides=self._frame_step,
                     padding=self.padding, data_format=self.data_format)
        if self.data_format == "channels_last":
            y = ops.transpose(y, (0, 2, 1))
        return ops.reshape(y, (batch, channels, y.shape[1], y.shape[2]))

    def _layout(self, y):
        batch, channels, bins, frames = y.shape
        if self.expand_dims:
            return ops.transpose(y, (0, 3, 2, 1) if self.data_format == "channels_last"
                                 else (0, 1, 3, 2))
        y = ops.reshape(y, (batch, channels * bins, frames))
        return ops.transpose(y, (0, 2, 1)) if self.data_format == "channels_last" else y

    def call(self, inputs):
        if inputs.dtype not in ("float16", "float32", "float64"):
            raise TypeError(f"Layer '{self.name}' expects float16, float32 or float64 signals, "
                            f"received dtype {inputs.dtype}")
        real = self._conv(inputs, self.real_kernel) if self.mode != "imag" else None
        imag = self._conv(inputs, self.imag_kernel) if self.mode != "real" else None
        if self.mode == "real":
            return self._layout(real)
        if self.mode == "imag":
            return self._layout(imag)
        if self.mode == "angle":
            return self._layout(ops.arctan2(imag, real))
        if self.mode == "stft":
            return self._layout(ops.concatenate([real, imag], axis=2))
        power = ops.add(ops.square(real), ops.square(imag))
        if self.mode == "psd":
            inner = ops.pad(power[:, :, 1:-1, :], [[0, 0], [0, 0], [1, 1], [0, 0]])
            return self._layout(ops.add(power, inner))
        eps = backend.epsilon()
        magnitude = self._layout(ops.sqrt(ops.maximum(power, eps)))
        if self.mode == "magnitude":
            return magnitude
        return ops.log(ops.maximum(magnitude, eps))

    def get_config(self):
        window = self.window
        if window is not None and not isinstance(window, str):
            window = np.asarray(window).tolist()
        return {**super().get_config(), "mode": self.mode, "frame_length": self.frame_length,
                "frame_step": self.frame_step, "fft_length": self.fft_length,
                "window": window, "periodic": self.periodic, "scaling": self.scaling,
                "padding": self.padding, "data_format": self.data_format,
                "expand_dims": self.expand_dims}
