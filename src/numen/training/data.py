"""Checking and converting what users pass to fit/evaluate/predict.

Inputs and targets may be one array, a list/tuple of arrays or a dict of arrays (several model
inputs or outputs); pandas DataFrames/Series and PyTorch tensors count as arrays. In-memory
arrays are checked once up front: consistent sample counts, numeric values, no NaN or infinity;
floats are cast once to `floatx()`. `np.memmap` arrays (data larger than memory) are checked
in chunks and stay on disk: rows are read, and cast, one batch at a time.
"""

from __future__ import annotations

import math
import mmap

import numpy as np

from numen import backend
from numen.autodiff import Tensor

# Rows read at a time by the streaming NaN check on a memmap (about 64 MB).
_CHUNK_BYTES = 64 * 2**20
# Elements the NaN check on in-memory arrays reads per NumPy call (a 256 KB boolean scratch).
_FINITE_CHUNK = 2**18


def unpack_x_y_sample_weight(data):
    """(x, y, sample_weight) from a batch given as x, (x,), (x, y) or (x, y, sample_weight)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(f"Data is expected as (x,), (x, y) or (x, y, sample_weight), received a "
                     f"tuple of length {len(data)}")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The inverse of `unpack_x_y_sample_weight`: (x,), (x, y) or (x, y, sample_weight)."""
    if y is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def flatten(x) -> list:
    if x is None:
        return []
    if isinstance(x, dict):
        return [v for k in x for v in flatten(x[k])]
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in flatten(item)]
    return [x]


def map_arrays(fn, x):
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: map_arrays(fn, v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(map_arrays(fn, v) for v in x)
    return fn(x)


def is_array_like(v) -> bool:
    """One array in any form `to_array` takes (NumPy, Tensor, pandas, anything with
    `__array__` such as a PyTorch tensor)."""
    return isinstance(v, (np.ndarray, Tensor)) or hasattr(v, "__array__") \
        or hasattr(v, "to_numpy")


def _check_dtype(a, what: str, strings: bool = False) -> None:
    if strings and a.dtype.kind in "US":
        pass  # text for a model whose inputs take strings (keras.Input(dtype="string"))
    elif a.dtype == object or a.dtype.kind in "USVc":
        raise TypeError(f"{what}: expected numeric data, received an array of dtype {a.dtype}")
    if a.ndim == 0:
        raise ValueError(f"{what}: expected an array with a batch axis, received a scalar")


def all_finite(a: np.ndarray) -> bool:
    """Whether a float array holds no NaN or infinity, looked at `_FINITE_CHUNK` elements at a
    time: `np.isfinite(a).all()` on the whole would allocate a boolean array a quarter of
    float32 data's size, the largest allocation of fit on arrays. (Chunks that stay in the
    cache also make it faster: 9.5 ms instead of 15 ms on 60k x 784 float32.)"""
    if a.size <= _FINITE_CHUNK:
        return bool(np.isfinite(a).all())
    rows = max(1, _FINITE_CHUNK // math.prod(a.shape[1:]))
    return all(np.isfinite(a[lo:lo + rows]).all() for lo in range(0, len(a), rows))


def surely_finite(a: np.ndarray) -> bool:
    """True when a float array holds no NaN or infinity, told by one dot product of the data
    with itself (no scratch array; ~1 us for one sample against ~2 us for `np.isfinite` and
    `all`): a NaN or an infinity anywhere makes that sum of squares NaN or infinite. False
    also when the sum overflows with finite values (near 1e19 in float32), so False means
    "run `all_finite`", not "not finite"."""
    flat = a.reshape(-1)
    return math.isfinite(np.dot(flat, flat))


def _raise_not_finite(bad: int, what: str):
    raise ValueError(f"{what} contains {bad} NaN or infinite value(s); clean or impute "
                     "the data before training (numen does not train on NaN)")


def release_pages(a) -> None:
    """Drop the pages of a memmap that reading mapped into this process (the file and the OS
    cache keep the data), so reading a file larger than memory does not grow the process."""
    mm = getattr(a, "_mmap", None)
    # A copy-on-write map ('c') would lose the user's in-memory edits: leave it alone.
    if mm is not None and getattr(a, "mode", "c") != "c" and hasattr(mm, "madvise"):
        mm.madvise(mmap.MADV_DONTNEED)


def _check_finite_in_chunks(a: np.memmap, what: str) -> None:
    rows = max(1, _CHUNK_BYTES // max(1, a[:1].nbytes))
    bad = 0
    for lo in range(0, len(a), rows):
        bad += int((~np.isfinite(a[lo:lo + rows])).sum())
        release_pages(a)
    if bad:
        _raise_not_finite(bad, what)


def to_array(v, what: str, check_finite=True, strings=False):
    """One input as a NumPy array, with a clear error for anything that cannot be one.

    A `np.memmap` is checked in chunks and returned as it is (never read whole); `take`
    casts its rows batch by batch.
    """
    if type(v) is np.ndarray:  # the common case first: nothing to convert
        pass
    elif isinstance(v, np.memmap):
        _check_dtype(v, what)
        if check_finite and v.dtype.kind == "f":
            _check_finite_in_chunks(v, what)
        return v
    elif isinstance(v, Tensor):
        v = v.numpy()
    elif hasattr(v, "detach") and hasattr(v, "numpy"):  # a PyTorch tensor
        v = v.detach().cpu().numpy()
    elif hasattr(v, "to_numpy") and not isinstance(v, np.ndarray):  # pandas
        v = v.to_numpy()
    try:
        a = np.asarray(v)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{what}: could not convert to an array; expected a numeric array "
                         f"with the same length in every row ({exc})") from None
    if strings and a.dtype == object and a.size and all(isinstance(s, str) for s in a.flat):
        a = a.astype(str)
    _check_dtype(a, what, strings)
    if a.dtype.kind == "f":
        if a.dtype != np.dtype(backend.floatx()):  # (dtype.name is slow to compute)
            a = a.astype(backend.floatx())
        if check_finite and not all_finite(a):
            _raise_not_finite(int((~np.isfinite(a)).sum()), what)
    elif a.dtype.kind == "b":
        a = a.astype(backend.floatx())
    return a


def _is_plain_nested_list(v) -> bool:
    """A Python list of numbers (or of such lists): one array, not several model inputs."""
    if isinstance(v, (list, tuple)):
        return all(_is_plain_nested_list(item) for item in v)
    return isinstance(v, (int, float, bool, str, np.generic))


def prepare(data, what: str, strings: bool = False):
    """Check and convert every array in `data` (one array, or a list/tuple/dict of them);
    `strings`: text arrays are allowed too (a model with string inputs)."""
    if type(data) is np.ndarray:
        return to_array(data, what, strings=strings)
    if isinstance(data, (list, tuple)) and data and _is_plain_nested_list(data):
        return to_array(data, what, strings=strings)
    return map_arrays(lambda v: to_array(v, what, strings=strings), data)


def num_samples(x, y=None, sample_weight=None) -> int:
    """The common number of samples, or a ValueError naming the mismatched pieces."""
    if y is None and sample_weight is None and isinstance(x, np.ndarray):
        return len(x)
    counts = []
    for name, part in (("x", x), ("y", y), ("sample_weight", sample_weight)):
        for a in flatten(part):
            counts.append((name, len(a)))
    sizes = {n for _, n in counts}
    if len(sizes) > 1:
        detail = ", ".join(f"{name} has {n}" for name, n in counts)
        raise ValueError(f"Data cardinality is ambiguous: make sure all arrays contain the same "
                         f"number of samples ({detail})")
    if not counts:
        raise ValueError("No data given: pass `x` (and `y` for training)")
    return counts[0][1]


def _read_memmap_rows(a: np.memmap, index) -> np.ndarray:
    """Rows of a memmap as an in-memory copy, read one window of about `_CHUNK_BYTES` of the
    file at a time, the window's pages dropped after. (A page fault maps the pages around it
    too, so reading scattered rows in one go would map most of the file.)"""
    per_window = max(1, _CHUNK_BYTES // max(1, abs(a.strides[0])))
    if isinstance(index, slice):
        lo, hi, step = index.indices(len(a))
        if step == 1:
            out = np.empty((max(0, hi - lo),) + a.shape[1:], dtype=a.dtype)
            for start in range(lo, hi, per_window):
                stop = min(hi, start + per_window)
                out[start - lo:stop - lo] = a[start:stop]
                release_pages(a)
            return out
        index = np.arange(lo, hi, step)
    index = np.asarray(index)
    order = np.argsort(index, kind="stable")
    ordered = index[order]
    out = np.empty((len(index),) + a.shape[1:], dtype=a.dtype)
    cuts = np.flatnonzero(np.diff(ordered // per_window)) + 1
    for part in np.split(np.arange(len(index)), cuts):
        out[order[part]] = a[ordered[part]]
        release_pages(a)
    return out


def _rows(a, index):
    if not isinstance(a, np.memmap):
        return a[index]
    rows = _read_memmap_rows(a, index)
    if rows.dtype.kind in "fb" and rows.dtype.name != backend.floatx():
        rows = rows.astype(backend.floatx())
    return rows


def take(x, index):
    """The rows `index` (a slice or an index array) of every array in `x`."""
    return map_arrays(lambda a: _rows(a, index), x)


def split_validation(x, y, sample_weight, validation_split: float):
    """Keras's rule: the last `validation_split` fraction of samples, before any shuffling."""
    if isinstance(validation_split, bool) or not isinstance(validation_split, (int, float)) \
            or not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be in (0, 1), received {validation_split}")
    n = num_samples(x, y, sample_weight)
    cut = int(math.floor(n * (1.0 - validation_split)))
    if cut == 0 or cut == n:
        raise ValueError(f"validation_split={validation_split} leaves no training or no "
                         f"validation samples out of {n}")
    # Slices of arrays (and of memmaps) are views: nothing is copied here.
    head, tail = slice(0, cut), slice(cut, n)
    part = lambda data, s: map_arrays(lambda a: a[s], data)  # noqa: E731
    return (part(x, head), part(y, head), part(sample_weight, head)), (
        part(x, tail), part(y, tail), part(sample_weight, tail))


def class_weights_to_sample_weights(y, class_weight: dict, sample_weight=None):
    """Per-sample weights from a {class: weight} dict (labels or one-hot targets)."""
    if isinstance(y, (list, tuple, dict)):
        raise ValueError("class_weight is only supported for models with a single output")
    if not isinstance(class_weight, dict):
        raise TypeError(f"class_weight must be a dict mapping class indices to weights, "
                        f"received {type(class_weight).__name__}")
    labels = y.argmax(-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]
    labels = np.round(labels).astype(np.int64)
    missing = set(np.unique(labels).tolist()) - set(int(k) for k in class_weight)
    if missing:
        raise ValueError(f"class_weight has no entry for class(es) {sorted(missing)}; it has "
                         f"{sorted(class_weight)}")
    table = {int(k): float(v) for k, v in class_weight.items()}
    if not all(np.isfinite(v) for v in table.values()):
        raise ValueError(f"class_weight values must be finite numbers, received {class_weight}")
    w = np.array([table[int(c)] for c in labels], dtype=backend.floatx())
    return w if sample_weight is None else w * sample_weight


def check_class_labels(y, num_classes: int, ignore_class=None, what: str = "labels") -> None:
    """Integer class labels in [0, num_classes): a ValueError naming `what` otherwise."""
    labels = np.asarray(y)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.dtype.kind == "f" and not np.array_equal(labels, np.round(labels)):
        raise ValueError(f"{what}: labels must be whole numbers (class indices), received "
                         f"non-integer values such as {labels[labels != np.round(labels)][0]}")
    labels = labels.astype(np.int64)
    if ignore_class is not None:
        labels = labels[labels != ignore_class]
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)]
        raise ValueError(f"{what}: labels must lie in [0, {num_classes - 1}] for "
                         f"{num_classes} classes (the model's output size), received "
                         f"{bad.size} label(s) outside it, e.g. {int(bad[0])}")
