"""Data-parallel training over MPI: every process holds the whole model and takes a shard of
every global batch; gradients are averaged with one all-reduce per step.

Launch one process per core (or per GPU) with the mpiexec of the same environment:

    .venv/bin/mpiexec -n 4 .venv/bin/python train.py

where train.py calls `numen.distribute.set_distribution(numen.distribute.DataParallel())`
(or `keras.distribution.set_distribution(keras.distribution.DataParallel())`) before `fit`.
`batch_size` is the global batch, as in Keras: with 4 processes and batch_size=128 each
process computes 32 samples per step, and the weights follow the same path as one process
taking batches of 128 (up to rounding).

One step on one process: take rows [lo, hi) of the global batch, forward and backward on
them, update the metric states, then one MPI all-reduce over a single float64 buffer holding

    [n * gradients | n * changes of non-trainable weights | changes of metric states | n]

(n: this process's sample count), so gradients and moving statistics are averaged weighted by
sample counts (exact for batches that do not split evenly) and metric states become the sums
over all processes. Every process then applies the same averaged gradient.
"""

from __future__ import annotations

import contextlib
import copy
import os
import sys

import numpy as np

from numen import backend
from numen.autodiff import data_of, enable_grad, gradients
from numen.callbacks import (
    BackupAndRestore,
    Callback,
    CSVLogger,
    ModelCheckpoint,
    ProgbarLogger,
    TensorBoard,
)
from numen.distribute.mpi import Communicator
from numen.training import data as data_module
from numen.training.data import unpack_x_y_sample_weight


class DataParallel:
    """Replicate the model on every MPI process and split each batch between them.

    Process 0 (the chief) broadcasts its weights and random generator state, prints progress
    and is the only process whose ModelCheckpoint, BackupAndRestore, CSVLogger and TensorBoard
    callbacks write files; every process reads a BackupAndRestore backup when it resumes.
    Validation and `evaluate` run whole on every process (all reach the same numbers).

    Args:
        timeout: seconds a process waits in one collective call before it aborts the job
            with a message (a process died or hung).
        quiet_workers: send the standard output of processes other than 0 to /dev/null.
        comm: an mpi4py communicator (default: MPI.COMM_WORLD).

    Raises:
        DistributedError: mpi4py is not installed.

    >>> strategy = DataParallel()
    >>> set_distribution(strategy)        # then model.fit(...) as usual
    """

    def __init__(self, timeout: float = 300.0, quiet_workers: bool = True, comm=None):
        self.comm = Communicator(comm, timeout)
        self.rank, self.size = self.comm.rank, self.comm.size
        self.quiet_workers = bool(quiet_workers)
        # id(model) -> (its trainable list when last synced, its float non-trainable weights)
        self._synced: dict[int, tuple] = {}
        # Shuffling draws from numen's generator: every process must draw the same order.
        state = self.comm.broadcast_object(backend.rng().bit_generator.state,
                                           "the random state broadcast")
        backend.rng().bit_generator.state = state
        if self.quiet_workers and not self.is_chief:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process

    @property
    def is_chief(self) -> bool:
        """True on process 0, the one that prints and writes files."""
        return self.rank == 0

    @property
    def num_processes(self) -> int:
        return self.size

    @contextlib.contextmanager
    def scope(self):
        """Scope in which this distribution is active (Keras's `distribution.scope()`)."""
        previous = backend.distribution()
        backend.set_distribution(self)
        try:
            yield self
        finally:
            backend.set_distribution(previous)

    def shard_bounds(self, n: int) -> tuple[int, int]:
        """Rows [lo, hi) of a global batch of `n` that this process takes (sizes differ by
        at most one; the first `n % size` processes take the extra rows)."""
        base, extra = divmod(n, self.size)
        lo = self.rank * base + min(self.rank, extra)
        return lo, lo + base + (1 if self.rank < extra else 0)

    # -- the step ----------------------------------------------------------------------------
    def train_step(self, model, data) -> dict:
        """One data-parallel step of `model` on the global batch `data`; returns the logs
        (metrics over all processes' samples seen since the last reset)."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        variables = getattr(model, "_trainable_cache", None)
        if variables is None:
            variables = model._trainable_cache = model.trainable_weights
            model._layers_cache = model._walk()
        # Like the trainable list, the weight lists are fixed until compile() builds a new
        # one; walking the layers for them on every step cost about 0.2 ms.
        cached = self._synced.get(id(model))
        if cached is None or cached[0] is not variables:
            self._sync_weights(model)
            others = [w for w in model.non_trainable_weights if w.data.dtype.kind == "f"]
            self._synced[id(model)] = cached = (variables, others)
        others = cached[1]
        lo, hi = self.shard_bounds(_batch_len(x))
        n = hi - lo
        before = {id(h): _metric_state(h) for m in model.metrics for h in _state_holders(m)}
        others_before = [backend.to_numpy(w.data).copy() for w in others]
        for layer in model._step_layers():
            layer._added_losses = []
        # Dropout masks differ between processes (each sees other samples); the shared
        # generator advances by the same one draw everywhere, keeping shuffles identical.
        local = np.random.default_rng([int(backend.rng().integers(2**62)), self.rank])
        grads = [None] * len(variables)
        if n > 0:
            x, y, sample_weight = (data_module.map_arrays(backend.to_device, a) for a in
                                   data_module.take((x, y, sample_weight), slice(lo, hi)))
            with backend.using_rng(local), enable_grad():
                y_pred = model(x, training=True)
                loss = model._compute_loss(x, y, y_pred, sample_weight, training=True)
            grads = gradients(loss, variables)
            model._loss_tracker.update_state(loss.data, sample_weight=n)
            model.compute_metrics(x, y, y_pred, sample_weight)
        # Compiled metrics may create their metric objects on the first update.
        metrics = [h for m in model.metrics for h in _state_holders(m)]
        states_before = [before.get(id(h)) or _reset_state(h) for h in metrics]

        parts = [_host(g) for g in grads]
        parts += [(backend.to_numpy(w.data) - b).ravel() for w, b in zip(others, others_before)]
        parts += [_state_delta(m, before) for m, before in zip(metrics, states_before)]
        sizes = [v.data.size for v in variables] + [w.data.size for w in others] \
            + [p.size for p in parts[len(variables) + len(others):]]
        # One float64 buffer written in place: no per-part float64 copies, n applied once.
        flat = np.zeros(sum(sizes) + 1)
        end = 0
        for p, size in zip(parts, sizes):
            if p is not None:
                flat[end:end + size] = p
            end += size
        flat[:sum(sizes[:len(variables) + len(others)])] *= n
        flat[-1] = n
        total = self.comm.allreduce_sum(flat, f"the gradient all-reduce (rank {self.rank})")
        count = total[-1]
        pieces = _split(total[:-1], [v.data.size for v in variables]
                        + [w.data.size for w in others]
                        + [_state_size(before) for before in states_before])
        averaged = [backend.asarray_like((p / count).astype(v.data.dtype)
                                         .reshape(v.data.shape), v.data)
                    for p, v in zip(pieces, variables)]
        pieces = pieces[len(variables):]
        for w, before, p in zip(others, others_before, pieces):
            w.assign(backend.asarray_like(before + (p / count).reshape(before.shape), w.data))
        for m, before, p in zip(metrics, states_before, pieces[len(others):]):
            _set_metric_state(m, before, p)
        scale = float(model.optimizer.scale_loss(1.0))  # loss scaling, as Trainer.train_step
        if scale != 1.0:
            averaged = [g * scale for g in averaged]
        model.optimizer.apply(averaged, variables)
        return model.get_metrics_result()

    def _sync_weights(self, model) -> None:
        """Broadcast process 0's weights the first time a model (or its weight list) is seen."""
        weights = [w for w in model.weights if w.data.dtype.kind in "fiu"]
        if not weights:
            return
        flat = np.concatenate([backend.to_numpy(w.data).astype(np.float64).ravel()
                               for w in weights])
        flat = self.comm.broadcast(flat, "the initial weight broadcast")
        for w, p in zip(weights, _split(flat, [w.data.size for w in weights])):
            w.assign(backend.asarray_like(p.reshape(w.data.shape).astype(w.data.dtype), w.data))

    # -- callbacks ---------------------------------------------------------------------------
    def worker_callbacks(self, callbacks, verbose):
        """The callbacks and verbosity this process runs: all of them on the chief; on the
        others no progress bar and no file writers, and BackupAndRestore only restores."""
        if self.is_chief or callbacks is None:
            return callbacks, verbose if self.is_chief else 0
        kept = []
        for cb in callbacks:
            if isinstance(cb, BackupAndRestore):
                kept.append(RestoreOnly(cb))
            elif not isinstance(cb, _WRITERS):
                kept.append(cb)
        return kept, 0


# Callbacks that print or write files: on workers they would repeat the chief's output.
_WRITERS = (ModelCheckpoint, CSVLogger, ProgbarLogger, TensorBoard)


class RestoreOnly(Callback):
    """A BackupAndRestore that only reads: workers resume from the chief's backup."""

    def __init__(self, backup: BackupAndRestore):
        super().__init__()
        self.backup = backup

    def set_model(self, model) -> None:
        super().set_model(model)
        self.backup.set_model(model)

    def on_train_begin(self, logs=None):
        self.backup.on_train_begin(logs)


# -- helpers ---------------------------------------------------------------------------------
def _batch_len(x) -> int:
    return int(data_module.flatten(x)[0].shape[0])


def _host(g) -> np.ndarray | None:
    """A gradient as a flat host array (None for a variable the loss does not reach)."""
    if g is None:
        return None
    return backend.to_numpy(data_of(g)).ravel()


def _split(flat: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    return np.split(flat, np.cumsum(sizes)[:-1]) if sizes else []


def _state_holders(metric) -> list:
    """`metric` and the metrics it wraps (compiled metrics wrap the user's metric objects)."""
    inner = [v for v in vars(metric).values()
             if hasattr(v, "update_state") and hasattr(v, "result") and v is not metric]
    return [metric] + [h for v in inner for h in _state_holders(v)]


def _metric_state(metric) -> dict:
    """The numeric attributes of a metric (its running sums and counts), copied.

    Metrics keep their state in plain attributes; constant ones (thresholds) change by zero
    in every step, so summing the per-process changes leaves them exactly as they were.
    """
    state = {}
    for name, value in vars(metric).items():
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float, np.integer, np.floating)):
            state[name] = float(value)
        elif isinstance(value, np.ndarray) and value.dtype.kind in "fiu":
            state[name] = value.copy()
    return state


def _reset_state(metric) -> dict:
    fresh = copy.deepcopy(metric)
    fresh.reset_state()
    return _metric_state(fresh)


def _state_size(state: dict) -> int:
    return sum(np.size(v) for v in state.values())


def _state_delta(metric, before: dict) -> np.ndarray:
    now = vars(metric)
    parts = [np.asarray(now[k], dtype=np.float64).ravel() - np.asarray(v, np.float64).ravel()
             for k, v in before.items()]
    return np.concatenate(parts) if parts else np.zeros(0)


def _set_metric_state(metric, before: dict, summed: np.ndarray) -> None:
    for (name, value), delta in zip(before.items(), _split(summed, [np.size(v) for v in
                                                                    before.values()])):
        if isinstance(value, np.ndarray):
            setattr(metric, name, (value + delta.reshape(value.shape)).astype(value.dtype))
        else:
            old = getattr(metric, name)
            new = value + float(delta[0])
            setattr(metric, name, int(round(new)) if isinstance(old, (int, np.integer))
                    else type(old)(new) if isinstance(old, np.floating) else new)
