"""keras.layers MelSpectrogram and STFTSpectrogram on short signals (every STFTSpectrogram mode,
both data formats; values and input gradients)."""

from golden_cases.case import Case, f32


def _mel(k, x, **kwargs):
    return k.layers.MelSpectrogram(fft_length=32, sequence_stride=8, num_mel_bins=6,
                                   sampling_rate=8000, **kwargs)(x)


def _stft(k, x, **kwargs):
    return k.layers.STFTSpectrogram(frame_length=16, **kwargs)(x)


CASES = [
    Case("mel_spectrogram_db", lambda k, x: _mel(k, x), [f32(2, 64)], grad=True, atol=1e-3,
         rtol=1e-4),
    Case("mel_spectrogram_power",
         lambda k, x: _mel(k, x, power_to_db=False, sequence_length=24, min_freq=100.0,
                           max_freq=3000.0, mag_exp=1.0, window="hamming"),
         [f32(2, 50)], grad=True, atol=1e-4, rtol=1e-4),
    Case("mel_spectrogram_top_db_single",
         lambda k, x: _mel(k, x, top_db=20.0, ref_power=2.0), [f32(40)], atol=1e-3,
         rtol=1e-4),
    Case("stft_spectrogram_log", lambda k, x: _stft(k, x), [f32(2, 64, 1)], grad=True,
         atol=1e-4, rtol=1e-4),
    Case("stft_spectrogram_magnitude_two_channels",
         lambda k, x: _stft(k, x, mode="magnitude", frame_step=5, fft_length=32,
                            window="hamming", periodic=True),
         [f32(2, 40, 2)], grad=True, atol=1e-4, rtol=1e-4),
    Case("stft_spectrogram_psd_same",
         lambda k, x: _stft(k, x, mode="psd", padding="same", scaling="spectrum"),
         [f32(1, 40, 1)], grad=True, atol=1e-4, rtol=1e-4),
    Case("stft_spectrogram_real_expand",
         lambda k, x: _stft(k, x, mode="real", expand_dims=True, window=None, scaling=None),
         [f32(2, 40, 2)], grad=True, atol=1e-4, rtol=1e-4),
    Case("stft_spectrogram_imag_first",
         lambda k, x: _stft(k, x, mode="imag", data_format="channels_first"),
         [f32(2, 2, 40)], grad=True, atol=1e-4, rtol=1e-4),
    Case("stft_spectrogram_stft_first_expand",
         lambda k, x: _stft(k, x, mode="stft", data_format="channels_first", expand_dims=True),
         [f32(1, 2, 40)], grad=True, atol=1e-4, rtol=1e-4),
    # The first and last bins are real up to rounding, so their angle sits on the +-pi cut.
    Case("stft_spectrogram_angle",
         lambda k, x: _stft(k, x, mode="angle", frame_step=8)[:, :, 1:-1],
         [f32(1, 48, 1)], atol=1e-4, rtol=1e-4),
]
