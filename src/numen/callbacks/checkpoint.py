"""Saving during training: ModelCheckpoint (keep models/weights as training goes) and
BackupAndRestore (resume an interrupted `fit` where it stopped, bit for bit)."""

from __future__ import annotations

import json
import os
import shutil

import h5py
import numpy as np

from numen import backend
from numen.callbacks.base import Callback
from numen.callbacks.monitor import Monitor


def _check_save_freq(save_freq, owner: str):
    if save_freq == "epoch":
        return save_freq
    if isinstance(save_freq, (int, np.integer)) and not isinstance(save_freq, bool) \
            and save_freq > 0:
        return int(save_freq)
    raise ValueError(f"{owner}: save_freq must be 'epoch' or a positive integer number of "
                     f"batches, received {save_freq!r}")


class ModelCheckpoint(Callback):
    """Save the model (or its weights) during training.

    Args:
        filepath: where to save; may hold `{epoch}` (1-based), `{batch}` and any logged value,
            e.g. `'ckpt-{epoch:02d}-{val_loss:.2f}.keras'`. Must end in `.keras`, or in
            `.weights.h5` when `save_weights_only=True`.
        monitor: the logged value that decides the best model (default 'val_loss').
        verbose: 1 prints a line per save.
        save_best_only: save only when `monitor` improves on the best value so far.
        save_weights_only: write `save_weights` files instead of whole models.
        mode: 'auto', 'min' or 'max': which direction of `monitor` is better.
        save_freq: 'epoch', or an integer: save after every that many batches.
        initial_value_threshold: a value `monitor` must beat before the first save.

    >>> model.fit(x, y, callbacks=[ModelCheckpoint("best.keras", save_best_only=True)])
    """

    def __init__(self, filepath, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        self.filepath = os.fspath(filepath)
        if save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError(f"ModelCheckpoint: with save_weights_only=True the filepath must "
                             f"end in .weights.h5, received {self.filepath!r}")
        if not save_weights_only and not self.filepath.endswith(".keras"):
            raise ValueError(f"ModelCheckpoint: the filepath must end in .keras (or "
                             f".weights.h5 with save_weights_only=True), received "
                             f"{self.filepath!r}")
        self.monitor_name = monitor
        self._monitor = Monitor(monitor, mode, owner="ModelCheckpoint")
        self.monitor = monitor
        self.mode = self._monitor.mode
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.save_freq = _check_save_freq(save_freq, "ModelCheckpoint")
        self.best = None if initial_value_threshold is None else float(initial_value_threshold)
        self._batches_seen = 0
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            self._save(self._epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _save(self, epoch: int, batch, logs) -> None:
        logs = dict(logs or {})
        path = self._format(epoch, batch, logs)
        if self.save_best_only:
            value = self._monitor.read(logs)
            if value is None or not self._monitor.improved(value, self.best):
                return
            if self.verbose:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best} to "
                      f"{value:.5f}, saving model to {path}")
        elif self.verbose:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        try:
            if self.save_weights_only:
                self.model.save_weights(path, overwrite=True)
            else:
                self.model.save(path, overwrite=True)
        except OSError as exc:
            # Writes are atomic: whatever was at `path` before is still there, intact.
            message = (f"ModelCheckpoint: could not save epoch {epoch + 1} to {path} "
                       f"({exc.strerror or exc}); the previous checkpoint, if any, is unchanged")
            args = (message,) if exc.errno is None else (exc.errno, message)
            raise type(exc)(*args) from exc
        if self.save_best_only:
            self.best = value  # only once the improved model is on disk

    def _format(self, epoch: int, batch, logs: dict) -> str:
        fields = {k: float(v) if np.ndim(v) == 0 else v for k, v in logs.items()}
        fields["epoch"] = epoch + 1
        if batch is not None:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as exc:
            raise KeyError(f"ModelCheckpoint: the filepath {self.filepath!r} names {exc}, "
                           f"which is not among the logs {sorted(logs)}") from None


class BackupAndRestore(Callback):
    """Back up the training state so an interrupted `fit` resumes where it stopped.

    The backup (one HDF5 file in `backup_dir`, replaced atomically) holds the weights, the
    optimizer state, the epoch reached and numen's random generator state, so a resumed run
    ends with exactly the weights of an uninterrupted one (with `save_freq='epoch'`; with an
    integer `save_freq` the interrupted epoch restarts from mid-epoch weights).

    Args:
        backup_dir: a directory for the backup (created when needed).
        save_freq: 'epoch', or an integer: back up after every that many batches.
        delete_checkpoint: remove the backup when training finishes normally.
        double_checkpoint: accepted for Keras compatibility (writes are atomic anyway).

    >>> model.fit(x, y, epochs=10, callbacks=[BackupAndRestore("/tmp/backup")])
    """

    _FILE = "latest.weights.h5"

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint: bool = True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir must be a non-empty path")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = _check_save_freq(save_freq, "BackupAndRestore")
        self.delete_checkpoint = bool(delete_checkpoint)
        self.double_checkpoint = double_checkpoint
        self._batches_seen = 0
        self._epoch = 0

    @property
    def _path(self) -> str:
        return os.path.join(self.backup_dir, self._FILE)

    def on_train_begin(self, logs=None):
        if not os.path.exists(self._path):
            return
        from numen.saving import weights_h5

        try:
            f = h5py.File(self._path, "r")
        except OSError as exc:
            raise ValueError(f"BackupAndRestore: the backup {self._path} is unreadable: "
                             f"{exc}") from None
        with f:
            try:
                state = json.loads(f.attrs["training_state"])
                weights_h5.read_weights(f, self.model, self._path)
            except (KeyError, RuntimeError, OSError, TypeError, json.JSONDecodeError) as exc:
                raise ValueError(f"BackupAndRestore: the backup {self._path} is damaged; "
                                 f"delete it to start over: {exc}") from None
        backend.rng().bit_generator.state = state["rng"]
        self.model._initial_epoch = int(state["epoch"])

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            self._backup(next_epoch=self._epoch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._backup(next_epoch=epoch + 1)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir)

    def _backup(self, next_epoch: int) -> None:
        from numen.saving import atomic, weights_h5

        state = {"epoch": next_epoch, "rng": backend.rng().bit_generator.state}
        with atomic.atomic_path(self._path, overwrite=True) as tmp:
            with h5py.File(tmp, "w", libver=weights_h5.LIBVER) as f:
                weights_h5.write_weights(f, self.model, include_optimizer=True)
                f.attrs["training_state"] = json.dumps(state)
