"""`keras.utils.audio_dataset_from_directory`: batches of WAV audio read from a folder tree.

WAV files are decoded with the standard library's `wave` module (PCM of 8, 16, 24 or 32
bits), as float32 in [-1, 1) with shape (samples, channels), as `tf.audio.decode_wav` does.
"""

from __future__ import annotations

import functools
import wave

import numpy as np

from numen.utils.dataset_from_directory import build_datasets

AUDIO_FORMATS = (".wav",)


def read_wav(path) -> tuple[np.ndarray, int]:
    """`(audio, rate)`: float32 samples of shape (samples, channels) and the file's rate.

    Raises:
        ValueError: a sample width other than 1, 2, 3 or 4 bytes.
    """
    with wave.open(str(path), "rb") as f:
        channels, width, rate = f.getnchannels(), f.getsampwidth(), f.getframerate()
        raw = f.readframes(f.getnframes())
    if width == 1:  # 8-bit WAV is unsigned, centred on 128
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 2:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
        x = v.astype(np.float32) / float(1 << 23)
    elif width == 4:
        x = (np.frombuffer(raw, dtype="<i4").astype(np.float64) / float(1 << 31)).astype(
            np.float32)
    else:
        raise ValueError(f"audio_dataset_from_directory: {path}: unsupported WAV sample width "
                         f"of {width} bytes (expected 1, 2, 3 or 4)")
    return x.reshape(-1, channels), rate


def _resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Linear-interpolation resampling along the time axis."""
    if rate_in == rate_out or len(x) == 0:
        return x
    n_out = max(1, int(round(len(x) * rate_out / rate_in)))
    t_out = np.arange(n_out) * (rate_in / rate_out)
    t_in = np.arange(len(x))
    return np.stack([np.interp(t_out, t_in, x[:, c]) for c in range(x.shape[1])],
                    axis=1).astype(np.float32)


def load_audio(path, sampling_rate=None, output_sequence_length=None) -> np.ndarray:
    """One WAV file as float32 (samples, channels), resampled to `sampling_rate` and cut or
    zero-padded to `output_sequence_length` when given."""
    x, rate = read_wav(path)
    if sampling_rate is not None:
        x = _resample(x, rate, sampling_rate)
    if output_sequence_length is not None:
        x = x[:output_sequence_length]
        if len(x) < output_sequence_length:
            x = np.pad(x, ((0, output_sequence_length - len(x)), (0, 0)))
    return x


def pad_and_stack(clips) -> np.ndarray:
    """Clips of different lengths zero-padded at the end to the longest, then stacked."""
    longest = max(len(c) for c in clips)
    return np.stack([np.pad(c, ((0, longest - len(c)), (0, 0))) for c in clips])


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, batch_size=32, sampling_rate=None,
                                 output_sequence_length=None, ragged=False, shuffle=True,
                                 seed=None, validation_split=None, subset=None,
                                 follow_links=False, verbose=True):
    """A dataset of audio batches from the `.wav` files under `directory`.

    The listing, labels and split are those of `image_dataset_from_directory`; each file is
    decoded only when its batch is requested.

    Args:
        directory: the folder; with labels='inferred' one sub-folder per class.
        labels, label_mode, class_names, batch_size, shuffle, seed, validation_split, subset,
            follow_links, verbose: as in `image_dataset_from_directory`.
        sampling_rate: resample every clip to this rate (samples per second). Keras uses
            TensorFlow-IO's resampler; numen interpolates linearly, so values differ slightly.
        output_sequence_length: cut or zero-pad every clip to this many samples. Without it
            (and without `ragged`), each batch is zero-padded to its longest clip.
        ragged: yield each batch's clips as a list of arrays of their own lengths (numen has
            no ragged tensors).

    Returns:
        A `FileDataset` yielding `(audio, labels)` (or `audio`), float32 audio of shape
        (batch, samples, channels).

    Raises:
        ValueError: bad arguments, both `ragged` and `output_sequence_length`, or no WAV files.

    >>> ds = audio_dataset_from_directory("speech", output_sequence_length=16000)  # doctest: +SKIP
    """
    name = "audio_dataset_from_directory"
    if ragged and output_sequence_length is not None:
        raise ValueError(f"{name}: ragged=True and output_sequence_length cannot both be set")
    for arg, value in (("sampling_rate", sampling_rate),
                       ("output_sequence_length", output_sequence_length)):
        if value is not None and (isinstance(value, bool) or
                                  not isinstance(value, (int, np.integer)) or value <= 0):
            raise ValueError(f"{name}: {arg} must be a positive int or None, received "
                             f"{value!r}")
    load = functools.partial(load_audio, sampling_rate=sampling_rate,
                             output_sequence_length=output_sequence_length)
    collate = list if ragged else np.stack if output_sequence_length is not None \
        else pad_and_stack
    return build_datasets(name, directory, labels, label_mode, class_names, AUDIO_FORMATS,
                          batch_size, shuffle, seed, validation_split, subset, follow_links,
                          verbose, load, collate)


__all__ = ["audio_dataset_from_directory"]
