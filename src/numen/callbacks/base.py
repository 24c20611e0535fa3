"""Callback base class, CallbackList (fires hooks on each) and History."""

from __future__ import annotations


class Callback:
    """Base class: override any `on_*` hook. `self.model` is set by fit/evaluate/predict."""

    def __init__(self):
        self.model = None
        self.params = {}
        self.validation_data = None

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_train_batch_begin(self, batch, logs=None): ...
    def on_train_batch_end(self, batch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...

    # tf.keras 1 spellings of the train-batch hooks.
    def on_batch_begin(self, batch, logs=None):
        self.on_train_batch_begin(batch, logs)

    def on_batch_end(self, batch, logs=None):
        self.on_train_batch_end(batch, logs)


class History(Callback):
    """Records each epoch's logs: `history.history['loss']` is the list of epoch losses."""

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)


class CallbackList:
    """Calls one hook on every callback in order. fit adds History (and a progress bar)."""

    def __init__(self, callbacks=None, model=None, params=None):
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be Callback instances, received {cb!r}")
        if model is not None:
            for cb in self.callbacks:
                cb.set_model(model)
        if params is not None:
            for cb in self.callbacks:
                cb.set_params(params)

    def append(self, cb):
        self.callbacks.append(cb)

    def _fire(self, hook, *args):
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

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
