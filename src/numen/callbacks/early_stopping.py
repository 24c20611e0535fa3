"""EarlyStopping: stop when a monitored quantity has stopped improving."""

from __future__ import annotations

from numen.callbacks.base import Callback
from numen.callbacks.monitor import Monitor


class EarlyStopping(Callback):
    """Stop training after `patience` epochs without improvement of `monitor`.

    Args:
        monitor: the log to watch (default 'val_loss').
        min_delta: smallest change that counts as an improvement.
        patience: epochs without improvement before stopping.
        mode: 'min', 'max' or 'auto' (from the name).
        baseline: a value the monitor must beat; until it does, patience keeps running.
        restore_best_weights: put back the weights of the best epoch when stopping.
        start_from_epoch: epochs to wait before watching at all.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self._monitor = Monitor(monitor, mode, min_delta, "EarlyStopping")
        # Keras's attributes, readable before fit (a program may print es.stopped_epoch after).
        self.monitor, self.mode, self.min_delta = monitor, mode, abs(min_delta)
        self.wait, self.stopped_epoch, self.best = 0, 0, None
        self.patience, self.verbose = int(patience), verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = int(start_from_epoch)
        self.best_weights = None
        self.monitor_op = None  # set at the first epoch end, as in Keras

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._monitor.set_keras_attributes(self)
        if epoch < self.start_from_epoch:
            return
        current = self._monitor.read(logs)
        if current is None:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._monitor.improved(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._monitor.improved(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None and self.stopped_epoch:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)
