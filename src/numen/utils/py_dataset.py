"""`keras.utils.PyDataset` (alias `keras.utils.Sequence`): batches computed by Python code.

Subclass it, implement `__len__` (the number of batches) and `__getitem__(index)` (one whole
batch: `x`, `(x,)`, `(x, y)` or `(x, y, sample_weight)`), optionally `on_epoch_begin` /
`on_epoch_end`, and pass an instance to `fit`, `evaluate` or `predict`. The constructor's
`workers`, `use_multiprocessing` and `max_queue_size` say how those loops fetch batches ahead
(threads when `workers > 1`, forked processes when `use_multiprocessing=True`); indexing the
dataset yourself applies no parallelism.
"""

from __future__ import annotations

import warnings


class PyDataset:
    """Base class for a dataset whose batches are computed by `__getitem__`.

    Args:
        workers: threads (or processes) that compute batches ahead during fit/evaluate/predict.
        use_multiprocessing: use forked processes rather than threads (for CPU-bound Python).
        max_queue_size: how many batches may be computed ahead of the loop.

    >>> class Squares(PyDataset):
    ...     def __len__(self):
    ...         return 2
    ...     def __getitem__(self, i):
    ...         x = np.arange(4.0).reshape(4, 1) + 4 * i
    ...         return x, x ** 2
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False,
                 max_queue_size: int = 10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _settings_or_defaults(self) -> None:
        if not hasattr(self, "_workers"):
            warnings.warn(f"{type(self).__name__} should call `super().__init__(**kwargs)` in "
                          "its constructor (kwargs may hold workers, use_multiprocessing and "
                          "max_queue_size); using workers=1", stacklevel=3)
            self._workers, self._use_multiprocessing, self._max_queue_size = 1, False, 10

    @property
    def workers(self) -> int:
        self._settings_or_defaults()
        return self._workers

    @workers.setter
    def workers(self, value: int) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self) -> bool:
        self._settings_or_defaults()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: bool) -> None:
        self._use_multiprocessing = value

    @property
    def max_queue_size(self) -> int:
        self._settings_or_defaults()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value: int) -> None:
        self._max_queue_size = value

    def __getitem__(self, index: int):
        """The batch at position `index`."""
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index)")

    @property
    def num_batches(self) -> int | None:
        """The number of batches (from `__len__`), or None for an endless dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(f"{type(self).__name__} must implement __len__ (or a "
                                  "`num_batches` property returning None when endless)")

    def on_epoch_begin(self) -> None:
        """Called at the start of every epoch."""

    def on_epoch_end(self) -> None:
        """Called at the end of every epoch (e.g. to reshuffle)."""


Sequence = PyDataset
