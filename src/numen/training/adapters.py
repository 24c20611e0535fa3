"""Data adapters: one class per kind of `x` given to fit/evaluate/predict.

Each adapter yields packed batches, `(x,)`, `(x, y)` or `(x, y, sample_weight)` of NumPy
arrays, one pass at a time, and reports `num_batches` (per pass) when it is known:

- `ArrayAdapter`: NumPy arrays, lists/dicts of them, pandas, memmaps (already checked whole);
- `PyDatasetAdapter`: a `keras.utils.PyDataset`, optionally prefetched by workers;
- `IteratorAdapter`: generators and iterators (one-shot), and any other iterable of batches
  such as a PyTorch DataLoader (a fresh pass each epoch).

`get_adapter` picks the class from the type of `x`; `EpochIterator` cuts the passes into
epochs of `steps_per_epoch` batches, as Keras does.
"""

from __future__ import annotations

import math
import warnings

from numen import backend
from numen.training import data as data_module
from numen.training.data import pack_x_y_sample_weight
from numen.training.prefetch import ordered_prefetch


class DataAdapter:
    """One pass over the data at a time; `num_batches` is None when unknown."""

    num_batches: int | None = None
    one_shot = False  # True when a finished pass cannot be started again

    def one_pass(self):
        raise NotImplementedError

    def on_epoch_begin(self) -> None:
        pass

    def on_epoch_end(self) -> None:
        pass


class ArrayAdapter(DataAdapter):
    """Batches over checked arrays, reshuffled each pass when `shuffle` is true."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False):
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.n = data_module.num_samples(x, y, sample_weight)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.num_batches = max(1, math.ceil(self.n / self.batch_size))

    def one_pass(self):
        order = backend.rng().permutation(self.n) if self.shuffle else None
        for i in range(self.num_batches):
            lo, hi = i * self.batch_size, min((i + 1) * self.batch_size, self.n)
            index = slice(lo, hi) if order is None else order[lo:hi]
            yield pack_x_y_sample_weight(data_module.take(self.x, index),
                                         data_module.take(self.y, index),
                                         data_module.take(self.sample_weight, index))


def standardize_batch(batch, source: str, class_weight=None):
    """One batch from a stream as a packed tuple of checked NumPy arrays.

    Raises:
        ValueError: a tuple of the wrong length, mismatched sample counts, NaN, or
            `class_weight` together with a sample weight in the batch.
        TypeError: non-numeric data.
    """
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple):
        batch = (batch,)
    if not 1 <= len(batch) <= 3:
        raise ValueError(f"{source} must yield batches as (x,), (x, y) or "
                         f"(x, y, sample_weight); received a tuple of length {len(batch)}")
    x, y, sample_weight = data_module.unpack_x_y_sample_weight(batch)
    x = data_module.prepare(x, f"x (from {source})")
    y = data_module.prepare(y, f"y (from {source})") if y is not None else None
    if sample_weight is not None:
        sample_weight = data_module.prepare(sample_weight, f"sample_weight (from {source})")
    data_module.num_samples(x, y, sample_weight)
    if class_weight is not None and y is not None:
        if sample_weight is not None:
            raise ValueError(f"{source} yields sample weights and `class_weight` was passed: "
                             "use one or the other")
        sample_weight = data_module.class_weights_to_sample_weights(y, class_weight)
    return pack_x_y_sample_weight(x, y, sample_weight)


class PyDatasetAdapter(DataAdapter):
    """A `PyDataset`: batch order shuffled per pass when `shuffle` is true (finite datasets),
    batches fetched ahead by the dataset's `workers` threads or processes."""

    def __init__(self, dataset, class_weight=None, shuffle=False):
        self.dataset = dataset
        self.class_weight = class_weight
        self.shuffle = shuffle
        self.num_batches = dataset.num_batches
        self.source = f"PyDataset {type(dataset).__name__}"

    def one_pass(self):
        if self.num_batches is None:
            indices = _count()
        else:
            indices = list(range(self.num_batches))
            if self.shuffle:
                indices = backend.rng().permutation(self.num_batches).tolist()
        workers = self.dataset.workers
        if workers > 1 or (workers > 0 and self.dataset.use_multiprocessing):
            batches = ordered_prefetch(self.dataset, indices, workers,
                                       self.dataset.use_multiprocessing,
                                       self.dataset.max_queue_size)
        else:
            batches = (self.dataset[i] for i in indices)
        try:
            for batch in batches:
                yield standardize_batch(batch, self.source, self.class_weight)
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()  # stops prefetch workers when a pass is cut short

    def on_epoch_begin(self) -> None:
        self.dataset.on_epoch_begin()

    def on_epoch_end(self) -> None:
        self.dataset.on_epoch_end()


def _count():
    i = 0
    while True:
        yield i
        i += 1


class IteratorAdapter(DataAdapter):
    """A generator or iterator (one pass for the whole run: it is never rewound), or any
    other iterable of batches such as a PyTorch DataLoader (a fresh pass each epoch)."""

    def __init__(self, source, class_weight=None):
        self.source_object = source
        self.one_shot = iter(source) is source
        self.class_weight = class_weight
        self.num_batches = None
        if not self.one_shot and hasattr(source, "__len__"):
            self.num_batches = len(source)
        self.source = "the generator" if self.one_shot else f"the {type(source).__name__}"
        self._iterator = source if self.one_shot else None

    def one_pass(self):
        iterator = self._iterator if self.one_shot else iter(self.source_object)
        for batch in iterator:
            yield standardize_batch(batch, self.source, self.class_weight)


def _unsupported(arg: str, kind: str):
    return ValueError(f"When `x` is {kind}, `{arg}` must not be passed: include it in the "
                      f"batches that {kind} yields instead")


def is_stream(x) -> bool:
    """Whether `x` is a PyDataset, generator, iterator or iterable of batches rather than
    arrays (one array, or a list/tuple/dict of them)."""
    from numen.utils.py_dataset import PyDataset

    if isinstance(x, PyDataset):
        return True
    if x is None or isinstance(x, (list, tuple, dict, str, bytes)):
        return False
    return not data_module.is_array_like(x) and hasattr(x, "__iter__")


def get_adapter(x, y=None, sample_weight=None, batch_size=32, shuffle=False,
                class_weight=None) -> DataAdapter:
    """The adapter for a stream `x` (see `is_stream`); arrays go to `ArrayAdapter` directly
    after the trainer's up-front checks.

    Raises:
        ValueError: `y` or `sample_weight` passed beside a stream.
        TypeError: `x` of a type no adapter takes.
    """
    from numen.utils.py_dataset import PyDataset

    if not is_stream(x):
        raise TypeError(f"Unrecognized data type for x: {type(x).__name__}; expected arrays, "
                        "a PyDataset, a generator or an iterable of batches")
    kind = "a PyDataset" if isinstance(x, PyDataset) else \
        "a generator or iterator" if iter(x) is x else f"a {type(x).__name__}"
    if y is not None:
        raise _unsupported("y", kind)
    if sample_weight is not None:
        raise _unsupported("sample_weight", kind)
    if isinstance(x, PyDataset):
        return PyDatasetAdapter(x, class_weight=class_weight, shuffle=shuffle)
    return IteratorAdapter(x, class_weight=class_weight)


class EpochIterator:
    """Hands out each epoch's batches from an adapter.

    Without `steps`, an epoch is one full pass (a one-shot source's single pass is spent by
    the first epoch). With `steps`, an epoch is `steps` batches and the stream carries on
    across epochs, a re-iterable source starting a new pass whenever one ends. When a one-shot
    source runs dry, `exhausted` turns true and the loops stop with a warning.

    Args:
        adapter: a DataAdapter.
        steps: batches per epoch, or None for one pass.
        check_first: called on the very first batch before it is handed out (the trainer's
            model-level checks, so a rejected stream changes no weight).
    """

    def __init__(self, adapter: DataAdapter, steps: int | None = None, check_first=None):
        self.adapter = adapter
        self._steps = steps
        self._check_first = check_first
        self._stream = None
        self._peeked = None
        self._pass_count = 0
        self._empty_pass = False
        self.exhausted = False
        self.short = False
        if steps is None and adapter.num_batches is None and not adapter.one_shot \
                and isinstance(adapter, PyDatasetAdapter):
            raise ValueError("This PyDataset is endless (num_batches is None): pass "
                             "`steps_per_epoch` (or `steps`) to say how long an epoch is")

    @property
    def steps(self) -> int | None:
        """Batches per epoch, when known (given, or counted by a finished pass)."""
        return self._steps or self.adapter.num_batches

    def has_more(self) -> bool:
        """False once a one-shot source has nothing left (checked by fetching ahead)."""
        if not self.adapter.one_shot:
            return True
        if self._peeked is None and not self.exhausted:
            self._peeked = self._next()
        return self._peeked is not None

    def _next(self):
        """The next batch of the current pass, or None when the pass has ended."""
        if self._peeked is not None:
            batch, self._peeked = self._peeked, None
            return batch
        if self._stream is None:
            self._stream = self.adapter.one_pass()
            self._pass_count = 0
        try:
            batch = next(self._stream)
        except StopIteration:
            self._stream = None
            self.exhausted = self.adapter.one_shot
            self._empty_pass = self._pass_count == 0
            return None
        self._pass_count += 1
        if self._check_first is not None:
            check, self._check_first = self._check_first, None
            check(batch)
        return batch

    def epoch(self, start: int = 0, on_resume=None):
        """The batches of one epoch; `short` tells afterwards whether the source ran out
        before `steps` batches.

        Args:
            start: resume the epoch at this batch. The batches before it are still drawn
                from the source (so a shuffled pass draws the same order, and a stream is
                at the same place) but are dropped, not handed out.
            on_resume: called once those batches are passed over, before batch `start` is
                fetched (even when none is left): a resumed run restores its state there.
        """
        self.adapter.on_epoch_begin()
        count = 0
        limit = self._steps
        self.short = False
        if limit is None and not self.adapter.one_shot:
            self.close()  # a fresh pass each epoch
        while limit is None or count < limit:
            if count == start and on_resume is not None:
                on_resume()
                on_resume = None
            batch = self._next()
            if batch is None:
                if limit is not None and not self.exhausted and not self._empty_pass:
                    continue  # a re-iterable source: start its next pass
                self.short = limit is not None
                break
            if count < start:
                count += 1
                continue
            # Batches live on the host until here; on a GPU they move one batch at a time.
            yield batch if backend.get_device() == "cpu" else data_module.map_arrays(
                _to_device, batch)
            count += 1
        if on_resume is not None:  # the epoch had no batch left after `start`
            on_resume()
        if limit is None and self.adapter.num_batches is None and count:
            self.adapter.num_batches = count
        self.adapter.on_epoch_end()

    def close(self) -> None:
        """End the current pass (stopping any prefetch workers)."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None


def warn_ran_out(what: str, steps: int | None) -> None:
    warnings.warn(f"{what}: the input ran out of data; stopping. A generator or iterator is "
                  f"consumed once and never rewound: make it yield at least "
                  f"{'steps_per_epoch * epochs' if steps else 'one pass of'} batches, or pass "
                  "a re-iterable source (a PyDataset, a DataLoader)", stacklevel=3)


def _to_device(a):
    """A batch array on the device; text (for string inputs) stays on the host."""
    return a if getattr(a, "dtype", None) is not None and a.dtype.kind in "USO" \
        else backend.to_device(a)
