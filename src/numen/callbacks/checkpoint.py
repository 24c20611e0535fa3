"""Saving during training: ModelCheckpoint (keep models/weights as training goes) and
BackupAndRestore (resume an interrupted `fit` where it stopped, bit for bit)."""

from __future__ import annotations

import json
import os

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
        self.mode = mode  # as given: 'auto' stays 'auto' (Keras's attribute)
        self.min_delta = 0
        self.monitor_op = None  # set at the first epoch end, as in Keras
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
        if self.monitor_op is None:
            self._monitor.set_keras_attributes(self)
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
                best = self._monitor.worst() if self.best is None else self.best
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best:.5f} to "
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
    optimizer state, where training was (the epoch, and with an integer `save_freq` the
    batches of it already done), numen's random generator state at the start of that epoch
    and after the last batch done (and that of every layer with its own seeded generator),
    and the partial epoch's metric states. Started again with the same script, `fit` resumes
    at that epoch, draws its shuffled order again, passes over the batches already done
    without training on them, and carries on: the final weights are bit for bit those of a
    run never interrupted (with a fixed seed), and so are the logs of every epoch it runs.
    The resumed `history` lists only the epochs run after the restart, as in Keras.

    Exact for arrays, PyDatasets and iterables that start a fresh pass each epoch; a one-shot
    generator started again yields from its beginning, wherever the backup was. A callback
    listed before this one that draws from numen's generator in `on_epoch_begin` makes the
    resumed epoch shuffle differently.

    Args:
        backup_dir: a directory for the backup (created when needed).
        save_freq: 'epoch', or an integer: back up after every that many batches (and at the
            end of an epoch whose last batch was backed up, so that resume starts the next).
        delete_checkpoint: remove the backup when training finishes normally.
        double_checkpoint: accepted for Keras compatibility (writes are atomic anyway).

    >>> model.fit(x, y, epochs=10, callbacks=[BackupAndRestore("/tmp/backup")])
    """

    _FILE = "latest.weights.h5"
    _ARRAYS = "training_state_arrays"

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
        self._epoch_rng = None
        self._steps_done = 0
        self._backed_up_at = None

    @property
    def _path(self) -> str:
        return os.path.join(self.backup_dir, self._FILE)

    def on_train_begin(self, logs=None):
        """Restore weights and optimizer now; hand fit the resume point for the rest."""
        if not os.path.exists(self._path):
            return
        import h5py  # imported when first needed: keeps `import numen` fast

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
                arrays = _read_arrays(f[self._ARRAYS]) if self._ARRAYS in f else {}
                resume = _ResumePoint(self.model, state, arrays)
            except (KeyError, RuntimeError, OSError, TypeError, json.JSONDecodeError) as exc:
                raise ValueError(f"BackupAndRestore: the backup {self._path} is damaged; "
                                 f"delete it to start over: {exc}") from None
        self.model._resume_point = resume

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._epoch_rng = backend.rng().bit_generator.state
        self._steps_done = 0
        self._backed_up_at = None

    def on_train_batch_end(self, batch, logs=None):
        self._steps_done = batch + 1
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            self._backup(self._epoch, self._steps_done)
            self._backed_up_at = self._steps_done

    def on_epoch_end(self, epoch, logs=None):
        # A batch backup at the epoch's last batch becomes "start at the next epoch": a run
        # stopped after this point does not redo this epoch's end.
        if self.save_freq == "epoch" or self._backed_up_at == self._steps_done:
            self._backup(epoch + 1, 0)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            import shutil  # on use: not paid by `import numen`

            shutil.rmtree(self.backup_dir)

    def _backup(self, epoch: int, step: int) -> None:
        """Write the state for resuming at batch `step` of `epoch` (0: the epoch's start)."""
        from numen.saving import atomic, weights_h5

        rng = backend.rng().bit_generator.state
        metrics, arrays = _metric_states(self.model) if step else ([], {})
        state = {"epoch": epoch, "step": step, "rng": rng,
                 "epoch_rng": self._epoch_rng if step else rng,
                 "layer_rngs": [g.bit_generator.state for g in _layer_generators(self.model)],
                 "metrics": metrics}
        with atomic.atomic_path(self._path, overwrite=True) as tmp:
            import h5py

            with h5py.File(tmp, "w", libver=weights_h5.LIBVER) as f:
                weights_h5.write_weights(f, self.model, include_optimizer=True)
                f.attrs["training_state"] = json.dumps(state)
                group = f.create_group(self._ARRAYS)
                for key, value in arrays.items():
                    group.create_dataset(key, data=value)


class _ResumePoint:
    """What `fit` needs to resume from a backup: start at `epoch`, `rewind()` before it so its
    shuffle is drawn again, pass over its first `step` batches, then `restore()` the random
    generators and metric states as they were after batch `step`."""

    def __init__(self, model, state: dict, arrays: dict):
        self.model = model
        self.epoch = int(state["epoch"])
        self.step = int(state.get("step", 0))
        self._rng = state["rng"]
        self._epoch_rng = state.get("epoch_rng", state["rng"])
        self._layer_rngs = state.get("layer_rngs", [])
        self._metrics = state.get("metrics", [])
        self._arrays = arrays
        generators = _layer_generators(model)
        if self._layer_rngs and len(self._layer_rngs) != len(generators):
            raise TypeError(f"the backup has {len(self._layer_rngs)} layer random "
                            f"generator(s), the model has {len(generators)}")
        if len(self._metrics) not in (0, len(model.metrics)):
            raise TypeError(f"the backup has {len(self._metrics)} metric(s), the model has "
                            f"{len(model.metrics)}")

    def rewind(self) -> None:
        backend.rng().bit_generator.state = self._epoch_rng

    def restore(self) -> None:
        backend.rng().bit_generator.state = self._rng
        for generator, saved in zip(_layer_generators(self.model), self._layer_rngs):
            generator.bit_generator.state = saved
        for i, (metric, saved) in enumerate(zip(self.model.metrics, self._metrics)):
            if saved["class"] is None:  # not updated yet when backed up
                continue
            target = _resolved(metric, saved["class"])
            for key, value in saved["scalars"].items():
                setattr(target, key, value)
            for key in saved["arrays"]:
                setattr(target, key, self._arrays[f"{i}.{key}"])


def _layer_generators(model) -> list:
    """The NumPy generators layers hold of their own (a `seed=` given), in a fixed order."""
    return [v for layer in model._walk() for v in vars(layer).values()
            if isinstance(v, np.random.Generator)]


def _metric_states(model) -> tuple[list, dict]:
    """Every metric's running state: JSON-able scalars, and arrays keyed `'<index>.<name>'`."""
    entries, arrays = [], {}
    for i, metric in enumerate(model.metrics):
        target = getattr(metric, "metric", metric) if _is_output_metric(metric) else metric
        entry = {"name": metric.name, "class": None, "scalars": {}, "arrays": []}
        if target is not None:
            entry["class"] = type(target).__name__
            for key, value in vars(target).items():
                if value is None or isinstance(value, (bool, int, float)):
                    entry["scalars"][key] = value
                elif isinstance(value, (np.ndarray, np.generic)):
                    entry["arrays"].append(key)
                    arrays[f"{i}.{key}"] = np.asarray(value)
        entries.append(entry)
    return entries, arrays


def _read_arrays(group) -> dict:
    return {key: group[key][()] for key in group}


def _is_output_metric(metric) -> bool:
    from numen.training.compile import OutputMetric

    return isinstance(metric, OutputMetric)


def _resolved(metric, class_name: str):
    """The metric object that holds the state: a compiled metric picks its class on its first
    batch, which a resumed epoch has not seen yet, so it is picked here as the backup says."""
    if not _is_output_metric(metric):
        return metric
    if metric.metric is None:
        from numen import metrics as metrics_module

        target = metrics_module.resolve(metric.spec, (), ())
        if type(target).__name__ != class_name:  # 'accuracy' picks its class from shapes
            target = getattr(metrics_module, class_name)(name=target.name)
        metric.metric = target
    return metric.metric
