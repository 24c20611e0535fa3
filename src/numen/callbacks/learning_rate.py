"""Callbacks that change the optimizer's learning rate: a schedule per epoch, or on plateaus."""

from __future__ import annotations

import inspect

import numpy as np

from numen import backend
from numen.callbacks.base import Callback
from numen.callbacks.monitor import Monitor


def _lr(model) -> float:
    """The learning rate as Keras reads it back: rounded to floatx, the dtype of the variable
    Keras keeps it in (1e-3 logs as 0.0010000000474974513 and shows as 0.0010, not 1.0000e-03)."""
    return float(np.asarray(float(model.optimizer.learning_rate), dtype=backend.floatx()))


class LearningRateScheduler(Callback):
    """At each epoch start, set the learning rate to `schedule(epoch, lr)` or `schedule(epoch)`."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be callable, received "
                            f"{schedule!r}")
        self.schedule, self.verbose = schedule, verbose
        self._two_args = len(inspect.signature(schedule).parameters) >= 2

    def on_epoch_begin(self, epoch, logs=None):
        lr = self.schedule(epoch, _lr(self.model)) if self._two_args else self.schedule(epoch)
        lr = float(lr)
        if not np.isfinite(lr):
            raise ValueError(f"LearningRateScheduler: the schedule returned {lr} at epoch "
                             f"{epoch}; expected a finite float")
        self.model.optimizer.learning_rate = lr
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = _lr(self.model)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by `factor` after `patience` epochs without improvement."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0, received "
                             f"factor={factor}")
        self.monitor, self.mode, self.min_delta = monitor, mode, abs(min_delta)
        self._monitor = Monitor(monitor, mode, min_delta, "ReduceLROnPlateau")
        self.factor, self.patience, self.verbose = float(factor), int(patience), verbose
        self.cooldown, self.min_lr = int(cooldown), float(min_lr)
        self.monitor_op = None  # set at the first epoch end, as in Keras
        self._reset()

    def _reset(self):
        self.best = None
        self.wait = 0
        self.cooldown_counter = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._monitor.set_keras_attributes(self)
        logs = logs if logs is not None else {}
        logs["learning_rate"] = _lr(self.model)
        current = self._monitor.read(logs)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._monitor.improved(current, self.best):
            self.best = current
            self.wait = 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = _lr(self.model)
                if old > self.min_lr:
                    new = max(old * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                              f"to {new}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
