"""Callback base class, CallbackList (fires one hook on each callback) and History.

Hook order in `fit`, as in Keras: on_train_begin; per epoch on_epoch_begin, then
on_train_batch_begin/end per batch, then (when validating) on_test_begin, on_test_batch_begin/end
per batch and on_test_end, then on_epoch_end; finally on_train_end.

What each hook's `logs` holds, as in Keras: an empty dict for the `*_begin` hooks and
on_predict_end; the running metrics (`loss`, ...) for on_train_batch_end and
on_test_batch_end; the epoch's metrics plus `val_*` ones for on_epoch_end and on_train_end;
the evaluation's metrics for on_test_end; `{"outputs": batch_predictions}` for
on_predict_batch_end.
"""

from __future__ import annotations

import math
import warnings


class Callback:
    """Base class: override any `on_*` hook. `self.model` and `self.params` are set by
    fit/evaluate/predict (`params` is `{'verbose', 'epochs', 'steps'}`).

    >>> class Stop(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         if logs["loss"] < 0.1:
    ...             self.model.stop_training = True
    """

    def __init__(self):
        self.model = None
        self.params = {}
        self.validation_data = None

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    # The batch hooks default to the older spellings (`on_batch_begin/end`), so a callback
    # written for either name is called during training.
    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...


class History(Callback):
    """Records each epoch's logs: `history.history['loss']` lists the epoch losses,
    `history.epoch` the epoch indices, `history.params` the run's verbose/epochs/steps."""

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []
        self._warned_non_finite = False

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        loss = (logs or {}).get("loss")
        # Training goes on after the loss turns NaN (as in Keras), but never silently; a
        # callback that already stopped the run (TerminateOnNaN) has said so itself.
        stopped = getattr(self.model, "stop_training", False)
        if _non_finite(loss) and not stopped and not getattr(self, "_warned_non_finite", False):
            self._warned_non_finite = True
            warnings.warn(f"fit: the training loss is {loss} at epoch {epoch + 1}; the "
                          "weights are no longer finite and further epochs learn nothing. "
                          "Lower the learning rate, clip gradients (clipnorm=/clipvalue= on "
                          "the optimizer) or pass keras.callbacks.TerminateOnNaN() to stop at "
                          "the first bad batch", RuntimeWarning, stacklevel=2)
        if self.model is not None:
            self.model.history = self


def _non_finite(value) -> bool:
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):  # absent, or not a scalar (a custom train_step's logs)
        return False


class CallbackList:
    """Calls one hook on every callback, in order.

    Args:
        callbacks: Callback instances.
        add_history: append a History (fit does).
        add_progbar: append a ProgbarLogger unless one is already in `callbacks`.
        model: given to each callback's `set_model`.
        **params: given to each callback's `set_params` (verbose, epochs, steps).
    """

    def __init__(self, callbacks=None, add_history: bool = False, add_progbar: bool = False,
                 model=None, **params):
        from numen.callbacks.progbar import ProgbarLogger

        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks: expected Callback instances, received "
                                f"{type(cb).__name__} ({cb!r})")
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        self.history = None
        if add_history:
            self.history = next((c for c in self.callbacks if isinstance(c, History)), None)
            if self.history is None:
                self.history = History()
                self.callbacks.append(self.history)
        self.model = model
        self.params = params
        for cb in self.callbacks:
            if model is not None:
                cb.set_model(model)
            if params:
                cb.set_params(params)

    def append(self, cb: Callback) -> None:
        self.callbacks.append(cb)
        if self.model is not None:
            cb.set_model(self.model)
        if self.params:
            cb.set_params(self.params)

    def set_model(self, model) -> None:
        self.model = model
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params: dict) -> None:
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def _fire(self, hook, *args):
        # As in Keras every hook receives a dict (empty where there is nothing to report),
        # so a callback may read or update `logs` without checking for None.
        *head, logs = args
        logs = {} if logs is None else logs
        for cb in self.callbacks:
            getattr(cb, hook)(*head, logs)

    def on_train_begin(self, logs=None):
        self._fire("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._fire("on_train_end", logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._fire("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._fire("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._fire("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._fire("on_train_batch_end", batch, logs)

    def on_test_begin(self, logs=None):
        self._fire("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._fire("on_test_end", logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._fire("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._fire("on_test_batch_end", batch, logs)

    def on_predict_begin(self, logs=None):
        self._fire("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._fire("on_predict_end", logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._fire("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._fire("on_predict_batch_end", batch, logs)
