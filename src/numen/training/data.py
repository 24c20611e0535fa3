"""Turning what users pass to fit/evaluate/predict into batches.

Inputs and targets may be one array, a list/tuple of arrays or a dict of arrays (several model
inputs or outputs). All are checked once up front: consistent sample counts, numeric values, no
NaN or infinity; floats are cast once to `floatx()`.
"""

from __future__ import annotations

import math

import numpy as np

from numen import backend
from numen.autodiff import Tensor


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


def to_array(v, what: str, check_finite=True):
    """One input as a NumPy array, with a clear error for anything that cannot be one."""
    if isinstance(v, Tensor):
        v = v.numpy()
    elif hasattr(v, "to_numpy") and not isinstance(v, np.ndarray):  # pandas
        v = v.to_numpy()
    try:
        a = np.asarray(v)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{what}: could not convert to an array; expected a numeric array "
                         f"with the same length in every row ({exc})") from None
    if a.dtype == object or a.dtype.kind in "USVc":
        raise TypeError(f"{what}: expected numeric data, received an array of dtype {a.dtype}")
    if a.dtype.kind == "f":
        if a.dtype.name != backend.floatx():
            a = a.astype(backend.floatx())
        if check_finite and not np.isfinite(a).all():
            bad = int((~np.isfinite(a)).sum())
            raise ValueError(f"{what} contains {bad} NaN or infinite value(s); clean or impute "
                             "the data before training (numen does not train on NaN)")
    elif a.dtype.kind == "b":
        a = a.astype(backend.floatx())
    if a.ndim == 0:
        raise ValueError(f"{what}: expected an array with a batch axis, received a scalar")
    return a


def _is_plain_nested_list(v) -> bool:
    """A Python list of numbers (or of such lists): one array, not several model inputs."""
    if isinstance(v, (list, tuple)):
        return all(_is_plain_nested_list(item) for item in v)
    return isinstance(v, (int, float, bool, str, np.generic))


def prepare(data, what: str):
    """Check and convert every array in `data` (one array, or a list/tuple/dict of them)."""
    if isinstance(data, (list, tuple)) and data and _is_plain_nested_list(data):
        return to_array(data, what)
    return map_arrays(lambda v: to_array(v, what), data)


def num_samples(x, y=None, sample_weight=None) -> int:
    """The common number of samples, or a ValueError naming the mismatched pieces."""
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


def take(x, index):
    return map_arrays(lambda a: a[index], x)


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
    head, tail = slice(0, cut), slice(cut, n)
    return (take(x, head), take(y, head), take(sample_weight, head)), (
        take(x, tail), take(y, tail), take(sample_weight, tail))


def class_weights_to_sample_weights(y, class_weight: dict, sample_weight=None):
    """Per-sample weights from a {class: weight} dict (labels or one-hot targets)."""
    if isinstance(y, (list, tuple, dict)):
        raise ValueError("class_weight is only supported for models with a single output")
    labels = y.argmax(-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]
    labels = np.round(labels).astype(np.int64)
    missing = set(np.unique(labels).tolist()) - set(int(k) for k in class_weight)
    if missing:
        raise ValueError(f"class_weight has no entry for class(es) {sorted(missing)}; it has "
                         f"{sorted(class_weight)}")
    table = {int(k): float(v) for k, v in class_weight.items()}
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


class ArrayBatches:
    """Batches over in-memory arrays, reshuffled each epoch when `shuffle` is true."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False,
                 steps=None):
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.n = num_samples(x, y, sample_weight)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.num_batches = max(1, math.ceil(self.n / self.batch_size))
        self.steps = steps if steps is not None else self.num_batches
        self._stream = None

    def _one_pass(self):
        order = backend.rng().permutation(self.n) if self.shuffle else None
        for i in range(self.num_batches):
            lo, hi = i * self.batch_size, min((i + 1) * self.batch_size, self.n)
            index = slice(lo, hi) if order is None else order[lo:hi]
            yield (take(self.x, index), take(self.y, index), take(self.sample_weight, index))

    def epoch(self):
        """The batches of one epoch (`steps` of them, continuing across epochs if fewer)."""
        if self.steps == self.num_batches:
            yield from self._one_pass()
            return
        for _ in range(self.steps):
            if self._stream is None:
                self._stream = self._one_pass()
            try:
                yield next(self._stream)
            except StopIteration:
                self._stream = self._one_pass()
                yield next(self._stream)
