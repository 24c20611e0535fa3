"""Sequence helpers from `keras.utils`: pad_sequences, timeseries_dataset_from_array and
split_dataset.

numen has no `tf.data`: where Keras returns a `tf.data.Dataset`, these return NumPy arrays or a
re-iterable object that yields NumPy batches, which `Model.fit`/`evaluate`/`predict` accept as an
iterable of batches.
"""

from __future__ import annotations

import numbers

import numpy as np


def pad_sequences(sequences, maxlen: int | None = None, dtype="int32", padding: str = "pre",
                  truncating: str = "pre", value=0.0) -> np.ndarray:
    """Pad (or cut) sequences to one length and stack them into a 2-D (or deeper) array.

    Args:
        sequences: a list of sequences (lists or arrays; elements may themselves be arrays of
            one common shape).
        maxlen: output length; None uses the longest sequence.
        dtype: output dtype (a string dtype or `object` allows string values).
        padding: 'pre' or 'post': which side gets the padding.
        truncating: 'pre' or 'post': which side loses values when a sequence is too long.
        value: the padding value.

    Returns:
        An array of shape `(len(sequences), maxlen) + element_shape`.

    Raises:
        TypeError: `sequences` is not a list of sized iterables.
        ValueError: unknown `padding`/`truncating`, a string `value` with a non-string dtype,
            or elements of different shapes.

    >>> pad_sequences([[1], [2, 3], [4, 5, 6]])
    array([[0, 0, 1],
           [0, 2, 3],
           [4, 5, 6]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise TypeError(f"pad_sequences: `sequences` must be a list of sequences, received "
                        f"{type(sequences).__name__}")
    if padding not in ("pre", "post"):
        raise ValueError(f"pad_sequences: padding must be 'pre' or 'post', received {padding!r}")
    if truncating not in ("pre", "post"):
        raise ValueError(f"pad_sequences: truncating must be 'pre' or 'post', "
                         f"received {truncating!r}")
    if maxlen is not None and (not isinstance(maxlen, numbers.Integral) or maxlen < 0):
        raise ValueError(f"pad_sequences: maxlen must be None or a non-negative int, "
                         f"received {maxlen!r}")
    lengths, element_shape, found_shape = [], (), False
    for i, s in enumerate(sequences):
        try:
            lengths.append(len(s))
        except TypeError:
            raise TypeError(f"pad_sequences: `sequences` must be a list of sequences; item {i} "
                            f"is a {type(s).__name__} ({s!r})") from None
        if not found_shape and len(s):
            element_shape, found_shape = np.asarray(s).shape[1:], True
    if maxlen is None:
        maxlen = max(lengths, default=0)

    np_dtype = np.dtype(dtype)
    is_text = np.issubdtype(np_dtype, np.str_) or np.issubdtype(np_dtype, np.bytes_)
    if isinstance(value, str) and np_dtype.kind != "O" and not is_text:
        raise ValueError(f"pad_sequences: dtype {dtype!r} cannot hold the string padding value "
                         f"{value!r}; use dtype=object or a string dtype")

    out = np.full((len(sequences), maxlen) + element_shape, value, dtype=np_dtype)
    for i, s in enumerate(sequences):
        if not len(s) or maxlen == 0:
            continue
        kept = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        kept = np.asarray(kept, dtype=np_dtype)
        if kept.shape[1:] != element_shape:
            raise ValueError(f"pad_sequences: the elements of sequence {i} have shape "
                             f"{kept.shape[1:]}, expected {element_shape} like the first "
                             "non-empty sequence")
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, maxlen - len(kept):] = kept
    return out


def _positive_int(v, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v <= 0:
        raise ValueError(f"timeseries_dataset_from_array: {name} must be a positive int, "
                         f"received {v!r}")
    return int(v)


class TimeseriesBatches:
    """The batches of sliding windows that `timeseries_dataset_from_array` returns.

    Iterating yields `(x, y)` batches (or `x` alone without targets); each new iteration is
    a new epoch, reshuffled when `shuffle=True`. `len()` is the number of batches.
    """

    def __init__(self, data, targets, starts, sequence_length, sampling_rate, batch_size,
                 shuffle, seed):
        self.data, self.targets = data, targets
        self.starts = starts
        self.offsets = np.arange(sequence_length) * sampling_rate
        self.batch_size = batch_size
        self.shuffle = shuffle
        self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        if self.batch_size is None:
            return len(self.starts)
        return -(-len(self.starts) // self.batch_size)

    def _item(self, starts):
        x = self.data[starts[..., None] + self.offsets]
        return x if self.targets is None else (x, self.targets[starts])

    def __iter__(self):
        starts = self._rng.permutation(self.starts) if self.shuffle else self.starts
        if self.batch_size is None:
            for s in starts:
                yield self._item(np.asarray(s))
            return
        for i in range(0, len(starts), self.batch_size):
            yield self._item(starts[i:i + self.batch_size])


def timeseries_dataset_from_array(data, targets, sequence_length: int,
                                  sequence_stride: int = 1, sampling_rate: int = 1,
                                  batch_size: int | None = 128, shuffle: bool = False,
                                  seed: int | None = None, start_index: int | None = None,
                                  end_index: int | None = None) -> TimeseriesBatches:
    """Sliding windows over a time series, batched.

    Window `i` starts at `start_index + i * sequence_stride` and holds `sequence_length` steps
    taken every `sampling_rate` steps; its target is `targets[start]` (the target of the first
    step, so pass `targets` shifted to predict ahead). Only steps in
    `[start_index, end_index)` are used.

    numen has no `tf.data`: the result is an iterable of NumPy batches (see
    `TimeseriesBatches`) that `Model.fit`, `evaluate` and `predict` accept.

    Args:
        data: array-like with time on axis 0.
        targets: array-like aligned with `data`, or None for windows without targets.
        sequence_length: steps per window.
        sequence_stride: steps between the starts of consecutive windows.
        sampling_rate: step between consecutive samples inside a window.
        batch_size: windows per batch; None yields single windows.
        shuffle: shuffle the windows (anew on each iteration).
        seed: seed of that shuffle.
        start_index, end_index: the range of `data` to use (end exclusive).

    Returns:
        A re-iterable `TimeseriesBatches` yielding `(x, y)` (or `x`) NumPy batches with
        `x.shape == (batch, sequence_length) + data.shape[1:]`.

    Raises:
        ValueError: non-positive lengths/strides/rates or an index range outside `data`.

    >>> batches = timeseries_dataset_from_array(np.arange(10), None, sequence_length=3,
    ...                                         batch_size=4)
    >>> next(iter(batches))[:2]
    array([[0, 1, 2],
           [1, 2, 3]])
    """
    data = np.asarray(data)
    if data.ndim == 0:
        raise ValueError("timeseries_dataset_from_array: data must have a time axis, "
                         "received a scalar")
    n = len(data)
    sequence_length = _positive_int(sequence_length, "sequence_length")
    sequence_stride = _positive_int(sequence_stride, "sequence_stride")
    sampling_rate = _positive_int(sampling_rate, "sampling_rate")
    if batch_size is not None:
        batch_size = _positive_int(batch_size, "batch_size")
    start = 0 if start_index is None else int(start_index)
    end = n if end_index is None else int(end_index)
    if not 0 <= start < n:
        raise ValueError(f"timeseries_dataset_from_array: start_index must be in [0, {n}) "
                         f"for data of length {n}, received {start_index}")
    if not start < end <= n:
        raise ValueError(f"timeseries_dataset_from_array: end_index must be in "
                         f"({start}, {n}], received {end_index}")
    num_windows = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        num_windows = min(num_windows, min(end, len(targets)) - start)
    starts = start + np.arange(0, max(num_windows, 0), sequence_stride)
    return TimeseriesBatches(data, targets, starts, sequence_length, sampling_rate,
                             batch_size, shuffle, seed)


def _split_sizes(left_size, right_size, total: int) -> tuple[int, int]:
    """Keras's rules: an int is a count in (0, total), a float a fraction in (0, 1); one side
    left as None takes the rest."""
    if left_size is None and right_size is None:
        raise ValueError("split_dataset: give at least one of left_size and right_size")
    sizes = []
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is None:
            sizes.append(None)
        elif isinstance(size, bool) or not isinstance(size, (numbers.Integral, float)):
            raise TypeError(f"split_dataset: {name} must be an int, a float or None, "
                            f"received {type(size).__name__}")
        elif isinstance(size, float):
            if not 0 < size < 1:
                raise ValueError(f"split_dataset: a float {name} must be in (0, 1), "
                                 f"received {size}")
            sizes.append(round(size * total))
        else:
            if not 0 < size < total:
                raise ValueError(f"split_dataset: an int {name} must be in (0, {total}) for a "
                                 f"dataset of {total} samples, received {size}")
            sizes.append(int(size))
    left, right = sizes
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"split_dataset: left_size + right_size = {left + right} is more "
                         f"than the {total} samples in the dataset")
    if left <= 0 or right <= 0:
        raise ValueError(f"split_dataset: with {total} samples, left_size={left_size} and "
                         f"right_size={right_size} leave the {'left' if left <= 0 else 'right'}"
                         " split empty")
    return left, right


def _as_arrays(dataset):
    """(structure, flat list of arrays) for an array, a tuple/list/dict of arrays, or an
    iterable of such batches (concatenated)."""
    if isinstance(dataset, np.ndarray):
        return "array", [dataset]
    if isinstance(dataset, dict):
        return ("dict", list(dataset)), [np.asarray(v) for v in dataset.values()]
    if isinstance(dataset, (tuple, list)):
        return type(dataset), [np.asarray(v) for v in dataset]
    if hasattr(dataset, "__iter__"):
        batches = [b if isinstance(b, (tuple, list)) else (b,) for b in dataset]
        if not batches:
            raise ValueError("split_dataset: the dataset yielded no batches")
        arrays = [np.concatenate([np.asarray(b[i]) for b in batches])
                  for i in range(len(batches[0]))]
        return ("array" if len(arrays) == 1 else tuple), arrays
    raise TypeError(f"split_dataset: expected a NumPy array, a tuple/list/dict of arrays or an "
                    f"iterable of batches, received {type(dataset).__name__}")


def split_dataset(dataset, left_size=None, right_size=None, shuffle: bool = False,
                  seed: int | None = None):
    """Split a dataset in two along its first axis.

    Args:
        dataset: a NumPy array, a tuple/list/dict of arrays with the same first dimension, or
            an iterable of such batches (e.g. from `timeseries_dataset_from_array`).
        left_size: int count or float fraction for the left split; None: the rest.
        right_size: same for the right split, taken from the end of the dataset.
        shuffle: shuffle the samples before splitting.
        seed: seed of that shuffle.

    Returns:
        `(left, right)`, each with the structure of `dataset` (arrays stay arrays, tuples of
        arrays stay tuples, dicts stay dicts; an iterable of batches gives arrays/tuples).

    Raises:
        ValueError: sizes out of range, both None, or arrays of different lengths.
        TypeError: an unsupported dataset or size type.

    >>> left, right = split_dataset(np.zeros((1000, 4)), left_size=0.8)
    >>> len(left), len(right)
    (800, 200)
    """
    structure, arrays = _as_arrays(dataset)
    if not arrays or any(a.ndim == 0 for a in arrays):
        raise ValueError("split_dataset: expected arrays with a sample axis")
    total = len(arrays[0])
    if any(len(a) != total for a in arrays):
        raise ValueError(f"split_dataset: the arrays have different lengths "
                         f"{[len(a) for a in arrays]}")
    left, right = _split_sizes(left_size, right_size, total)
    order = np.random.RandomState(seed).permutation(total) if shuffle else np.arange(total)
    parts = [[a[order[:left]] for a in arrays], [a[order[total - right:]] for a in arrays]]

    def rebuild(flat):
        if structure == "array":
            return flat[0]
        if isinstance(structure, tuple) and structure[0] == "dict":
            return dict(zip(structure[1], flat))
        return structure(flat)

    return rebuild(parts[0]), rebuild(parts[1])


__all__ = ["TimeseriesBatches", "pad_sequences", "split_dataset",
           "timeseries_dataset_from_array"]
