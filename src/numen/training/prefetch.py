"""Fetching `PyDataset` batches ahead of the training loop, in worker threads or processes.

`ordered_prefetch(dataset, indices, ...)` yields `dataset[i]` for each index in order while up
to `max_queue_size` later batches are being computed. Threads share the dataset; processes are
forked (the dataset is inherited, never pickled; only the batches travel back). Every wait is
bounded: a dead worker raises instead of hanging, and closing joins with timeouts.
"""

from __future__ import annotations

import itertools
import queue
import threading

# How long one wait on the result queue lasts before the workers' health is checked again.
_POLL_S = 0.5
# How long closing waits for each worker before giving up on (or terminating) it.
_JOIN_S = 2.0


def _work(dataset, tasks, results) -> None:
    while True:
        index = tasks.get()
        if index is None:
            return
        try:
            results.put((index, dataset[index], None))
        except Exception as exc:  # handed to the main loop, which re-raises it
            results.put((index, None, exc))


class _Workers:
    """`workers` threads or forked processes reading indices from one queue."""

    def __init__(self, dataset, workers: int, use_multiprocessing: bool):
        if use_multiprocessing:
            import multiprocessing  # only here: not paid by `import numen`

            ctx = multiprocessing.get_context("fork")
            self.tasks, self.results = ctx.Queue(), ctx.Queue()
            make = ctx.Process
        else:
            self.tasks, self.results = queue.Queue(), queue.Queue()
            make = threading.Thread
        self.processes = use_multiprocessing
        self.pool = [make(target=_work, args=(dataset, self.tasks, self.results), daemon=True)
                     for _ in range(workers)]
        for w in self.pool:
            w.start()

    def get(self):
        while True:
            try:
                return self.results.get(timeout=_POLL_S)
            except queue.Empty:
                if not all(w.is_alive() for w in self.pool):
                    raise RuntimeError("A PyDataset worker died while loading a batch "
                                       "(killed, or out of memory)") from None

    def close(self) -> None:
        for _ in self.pool:
            self.tasks.put(None)
        for w in self.pool:
            w.join(_JOIN_S)
            if self.processes and w.is_alive():
                w.terminate()
                w.join(_JOIN_S)
        if self.processes:
            # Batches nobody will read must not keep this process waiting at exit.
            self.tasks.cancel_join_thread()
            self.results.cancel_join_thread()
            self.tasks.close()
            self.results.close()


def ordered_prefetch(dataset, indices, workers: int = 1, use_multiprocessing: bool = False,
                     max_queue_size: int = 10):
    """Yield `dataset[i]` for each `i` in `indices`, in order, computed ahead in workers.

    Args:
        dataset: anything indexable (a `PyDataset`).
        indices: the batch indices of one pass (may be endless, e.g. `itertools.count()`).
        workers: number of threads or processes.
        use_multiprocessing: fork processes instead of starting threads.
        max_queue_size: at most this many batches are requested ahead of the consumer.
    """
    pool = _Workers(dataset, max(1, int(workers)), use_multiprocessing)
    pending = iter(indices)
    ready = {}
    order = []  # the indices requested and not yet yielded, oldest first
    try:
        for i in itertools.islice(pending, max(1, int(max_queue_size))):
            pool.tasks.put(i)
            order.append(i)
        while order:
            want = order.pop(0)
            while want not in ready:
                index, batch, exc = pool.get()
                if exc is not None:
                    raise exc
                ready[index] = batch
            for i in itertools.islice(pending, 1):
                pool.tasks.put(i)
                order.append(i)
            yield ready.pop(want)
    finally:
        pool.close()
