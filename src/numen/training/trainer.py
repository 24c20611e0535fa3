"""compile / fit / evaluate / predict: the loops, top to bottom, with every callback hook visible.

`train_step`, `test_step` and `predict_step` are the algorithm for one batch; subclasses may
override them (Keras's contract: they take one `data` tuple and return a dict of logs).
"""

from __future__ import annotations

import numpy as np

from numen import backend, metrics as metrics_module, optimizers
from numen.autodiff import Tensor, enable_grad, gradients, no_grad
from numen.callbacks import CallbackList, History, ProgbarLogger
from numen.training import data as data_module
from numen.training.compile import CompiledLoss, CompiledMetrics


def unpack_x_y_sample_weight(data):
    """(x, y, sample_weight) from a batch given as x, (x,), (x, y) or (x, y, sample_weight)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(f"Data is expected as (x,), (x, y) or (x, y, sample_weight), received a "
                     f"tuple of length {len(data)}")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    if y is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def _resolve_verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto', received {verbose!r}")
    return verbose


def _logs_in_order(logs: dict) -> dict:
    # Keras lists logs alphabetically (accuracy, loss, val_accuracy, val_loss).
    return {k: logs[k] for k in sorted(logs)}


class Trainer:
    """The training API mixed into Model."""

    compiled = False
    optimizer = None
    stop_training = False

    # -- compile -----------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configure training: `model.compile(optimizer='adam', loss='mse', metrics=['mae'])`."""
        self.optimizer = optimizers.get(optimizer)
        names = self.output_names
        self._compile_config = {"optimizer": optimizer, "loss": loss,
                                "loss_weights": loss_weights, "metrics": metrics,
                                "weighted_metrics": weighted_metrics}
        self.compiled_loss = CompiledLoss(loss, loss_weights, names) if loss is not None else None
        self.compiled_metrics = CompiledMetrics(metrics, weighted_metrics, names, loss)
        self.loss = loss
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._output_loss_trackers = [metrics_module.Mean(name=f"{n}_loss") for n in names] \
            if len(names) > 1 else []
        self.compiled = True
        self.stop_training = False

    @property
    def metrics(self) -> list:
        """The model's metric objects: the loss tracker, then the compiled metrics."""
        if not self.compiled:
            return []
        return [self._loss_tracker, *self._output_loss_trackers, *self.compiled_metrics.all()]

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def _require_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(f"You must call `compile()` before calling `{what}()`")

    # -- one batch -----------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss plus regularization and `add_loss` terms."""
        total = None
        if self.compiled_loss is not None:
            total, parts = self.compiled_loss(y, y_pred, sample_weight)
            for tracker, part in zip(self._output_loss_trackers, parts):
                if part is not None:
                    tracker.update_state(part.data, sample_weight=_batch_len(x))
        extra = self.losses
        for term in extra:
            total = term if total is None else total + term
        if total is None:
            raise ValueError("The model has no loss to minimize: pass `loss=` to compile() or "
                             "use add_loss() in the model")
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        self.compiled_metrics.update(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        return _logs_in_order({m.name: float(m.result()) for m in self.metrics})

    def train_step(self, data):
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self._clear_losses()
        with enable_grad():
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=True)
        variables = self.trainable_weights
        grads = gradients(loss, variables)
        pairs = [(g, v) for g, v in zip(grads, variables) if g is not None]
        self.optimizer.apply([g for g, _ in pairs], [v for _, v in pairs])
        self._loss_tracker.update_state(loss.data, sample_weight=_batch_len(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self._clear_losses()
        with no_grad():
            y_pred = self(x, training=False)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        self._loss_tracker.update_state(loss.data, sample_weight=_batch_len(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        x, _, _ = unpack_x_y_sample_weight(data)
        with no_grad():
            return self(x, training=False)

    # -- loops ---------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for `epochs` epochs; returns a History whose `.history` maps names to lists."""
        self._require_compiled("fit")
        verbose = _resolve_verbose(verbose)
        batch_size = _check_batch_size(batch_size)
        x, y, sample_weight = self._prepare_arrays(x, y, sample_weight)
        if validation_data is None and validation_split:
            (x, y, sample_weight), validation_data = data_module.split_validation(
                x, y, sample_weight, validation_split)
        if class_weight is not None:
            sample_weight = data_module.class_weights_to_sample_weights(y, class_weight,
                                                                        sample_weight)
        batches = data_module.ArrayBatches(x, y, sample_weight, batch_size, shuffle=shuffle,
                                           steps=steps_per_epoch)
        val = None
        if validation_data is not None:
            vx, vy, vsw = unpack_x_y_sample_weight(validation_data)
            val = self._prepare_arrays(vx, vy, vsw)
        self._check_input_shape(x)

        self.history = History()
        callbacks = self._callback_list(callbacks, verbose, epochs, batches.steps)
        self.stop_training = False
        callbacks.on_train_begin()
        logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callbacks.on_epoch_begin(epoch)
            for step, batch in enumerate(batches.epoch()):
                callbacks.on_train_batch_begin(step)
                logs = self.train_step(batch)
                callbacks.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            epoch_logs = dict(self.get_metrics_result())
            if val is not None and _should_validate(epoch, validation_freq):
                val_logs = self._evaluate_arrays(*val, validation_batch_size or batch_size,
                                                 validation_steps, callbacks)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        callbacks.on_train_end(logs)
        return self.history

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """Loss and metrics on the given data: a scalar, a list in `metrics_names` order, or a
        dict with `return_dict=True`."""
        self._require_compiled("evaluate")
        verbose = _resolve_verbose(verbose)
        batch_size = _check_batch_size(batch_size)
        x, y, sample_weight = self._prepare_arrays(x, y, sample_weight)
        self._check_input_shape(x)
        n_steps = steps or data_module.ArrayBatches(x, y, sample_weight, batch_size).steps
        cbs = self._callback_list(callbacks, verbose, 1, n_steps, is_evaluate=True, train=False)
        logs = self._evaluate_arrays(x, y, sample_weight, batch_size, steps, cbs)
        if return_dict:
            return logs
        return self._flatten_logs(logs)

    def _flatten_logs(self, logs: dict):
        names = self.metrics_names
        values = [logs[n] for n in names if n in logs]
        values += [logs[k] for k in sorted(logs) if k not in names]
        return values[0] if len(values) == 1 else values

    def _evaluate_arrays(self, x, y, sample_weight, batch_size, steps, callbacks):
        batches = data_module.ArrayBatches(x, y, sample_weight, batch_size, steps=steps)
        self.reset_metrics_for_test()
        callbacks.on_test_begin()
        logs = {}
        for step, batch in enumerate(batches.epoch()):
            callbacks.on_test_batch_begin(step)
            logs = self.test_step(batch)
            callbacks.on_test_batch_end(step, logs)
        logs = self.get_metrics_result()
        callbacks.on_test_end(logs)
        return logs

    def reset_metrics_for_test(self):
        # Validation inside fit must not disturb the training metrics already reported, so
        # evaluation uses the same objects only after the epoch's logs were read.
        self.reset_metrics()

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs for `x` as NumPy arrays (one array, or a list/dict per output)."""
        verbose = _resolve_verbose(verbose)
        batch_size = _check_batch_size(batch_size)
        x = data_module.prepare(x, "x")
        self._check_input_shape(x)
        batches = data_module.ArrayBatches(x, None, None, batch_size, steps=steps)
        cbs = self._callback_list(callbacks, verbose, 1, batches.steps, train=False)
        cbs.on_predict_begin()
        outputs = []
        for step, batch in enumerate(batches.epoch()):
            cbs.on_predict_batch_begin(step)
            out = self.predict_step(batch)
            outputs.append(data_module.map_arrays(_to_numpy, out))
            cbs.on_predict_batch_end(step, {"outputs": outputs[-1]})
        cbs.on_predict_end()
        return _concat_batches(outputs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        self._require_compiled("train_on_batch")
        x, y, sample_weight = self._prepare_arrays(x, y, sample_weight)
        if class_weight is not None:
            sample_weight = data_module.class_weights_to_sample_weights(y, class_weight,
                                                                        sample_weight)
        self.reset_metrics()
        logs = self.train_step((x, y, sample_weight))
        return logs if return_dict else self._flatten_logs(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._require_compiled("test_on_batch")
        x, y, sample_weight = self._prepare_arrays(x, y, sample_weight)
        self.reset_metrics()
        logs = self.test_step((x, y, sample_weight))
        return logs if return_dict else self._flatten_logs(logs)

    def predict_on_batch(self, x):
        x = data_module.prepare(x, "x")
        return data_module.map_arrays(_to_numpy, self.predict_step((x,)))

    # -- helpers -------------------------------------------------------------------------
    def _prepare_arrays(self, x, y, sample_weight):
        if x is None:
            raise ValueError("No input data: pass `x`")
        x = data_module.prepare(x, "x")
        y = data_module.prepare(y, "y") if y is not None else None
        if sample_weight is not None:
            sample_weight = data_module.prepare(sample_weight, "sample_weight")
        data_module.num_samples(x, y, sample_weight)
        return x, y, sample_weight

    def _check_input_shape(self, x):
        """Reject data whose per-sample shape the built model cannot take, before any step."""
        expected = getattr(self, "_expected_input_shapes", lambda: None)()
        if expected is None:
            return
        arrays = data_module.flatten(x)
        if len(arrays) != len(expected):
            raise ValueError(f"Model '{self.name}' expects {len(expected)} input(s), received "
                             f"{len(arrays)}")
        for a, shape in zip(arrays, expected):
            if shape is None:
                continue
            got = tuple(a.shape[1:])
            want = tuple(shape[1:])
            if len(got) != len(want) or any(w is not None and g != w for g, w in zip(got, want)):
                raise ValueError(
                    f"Input to model '{self.name}' has shape {(None,) + got}, but the model "
                    f"expects shape {(None,) + want}"
                )

    def _callback_list(self, callbacks, verbose, epochs, steps, is_evaluate=False, train=True):
        if isinstance(callbacks, CallbackList):
            return callbacks
        cbs = list(callbacks or [])
        if verbose and not any(isinstance(c, ProgbarLogger) for c in cbs):
            cbs.append(ProgbarLogger())
        if train:
            cbs.append(self.history)
        params = {"verbose": verbose, "epochs": epochs, "steps": steps,
                  "is_evaluate": is_evaluate}
        return CallbackList(cbs, model=self, params=params)


def _batch_len(x) -> int:
    first = data_module.flatten(x)[0]
    return int(first.shape[0])


def _to_numpy(t):
    return backend.to_numpy(t.data) if isinstance(t, Tensor) else np.asarray(t)


def _concat_batches(outputs: list):
    first = outputs[0]
    if isinstance(first, dict):
        return {k: np.concatenate([o[k] for o in outputs]) for k in first}
    if isinstance(first, (list, tuple)):
        return [np.concatenate([o[i] for o in outputs]) for i in range(len(first))]
    return np.concatenate(outputs) if len(outputs) > 1 else outputs[0]


def _check_batch_size(batch_size):
    if batch_size is None:
        return 32
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or \
            batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, received {batch_size!r}")
    return int(batch_size)


def _should_validate(epoch: int, freq) -> bool:
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return epoch + 1 in freq
