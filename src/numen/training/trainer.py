"""compile / fit / evaluate / predict: the loops, top to bottom, with every callback hook visible.

`train_step`, `test_step` and `predict_step` are the algorithm for one batch; subclasses may
override them (Keras's contract: they take one `data` tuple and return a dict of logs).

Every check on the user's data runs before the first weight update, so a rejected call leaves
the model, its weights and its optimizer exactly as they were.
"""

from __future__ import annotations

import inspect
import weakref

import numpy as np

from numen import backend, config, optimizers
from numen import metrics as metrics_module
from numen.autodiff import Tensor, enable_grad, gradients, no_grad
from numen.autodiff.scopes import name_scope
from numen.callbacks import CallbackList
from numen.training import adapters, arguments
from numen.training import data as data_module
from numen.training.compile import (
    CompiledLoss,
    CompiledMetrics,
)
from numen.training.data import pack_x_y_sample_weight, unpack_x_y_sample_weight
from numen.training.data_checks import DataChecks
from numen.training.recorded_step import RecordedStep


def _logs_in_order(logs: dict) -> dict:
    # Keras lists logs alphabetically (accuracy, loss, val_accuracy, val_loss).
    return {k: logs[k] for k in sorted(logs)}


_NAMES_TRAINING: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _names_training(fn) -> bool:
    """Whether the function `fn` has a parameter called `training` (read once per function:
    a training step asks every batch)."""
    known = _NAMES_TRAINING.get(fn)
    if known is None:
        try:
            known = "training" in inspect.signature(fn).parameters
        except (TypeError, ValueError):  # no signature to read: pass it, as before
            known = True
        _NAMES_TRAINING[fn] = known
    return known


class Trainer(DataChecks):
    """The training API mixed into Model."""

    compiled = False
    optimizer = None
    stop_training = False

    # -- compile -----------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configure training: `model.compile(optimizer='adam', loss='mse', metrics=['mae'])`.

        Raises:
            ValueError: an unknown optimizer, loss or metric name. The model keeps its
                previous configuration when compile is rejected.
        """
        # Everything is resolved into locals first: a rejected compile changes nothing.
        new_optimizer = optimizers.get(optimizer)
        policy = getattr(self, "dtype_policy", None)
        if auto_scale_loss and getattr(policy, "name", None) == "mixed_float16" and \
                not isinstance(new_optimizer, optimizers.LossScaleOptimizer):
            # float16 gradients underflow without loss scaling: Keras wraps the optimizer too.
            new_optimizer = optimizers.LossScaleOptimizer(new_optimizer)
        names = self.output_names
        compiled_loss = CompiledLoss(loss, loss_weights, names) if loss is not None else None
        arguments.check_metric_names(metrics, names, "metrics")
        arguments.check_metric_names(weighted_metrics, names, "weighted_metrics")
        compiled_metrics = CompiledMetrics(metrics, weighted_metrics, names, loss)

        self.optimizer = new_optimizer
        self._compile_config = {"optimizer": optimizer, "loss": loss,
                                "loss_weights": loss_weights, "metrics": metrics,
                                "weighted_metrics": weighted_metrics}
        self.compiled_loss = compiled_loss
        self.compiled_metrics = compiled_metrics
        self.loss = loss
        self._loss_tracker = metrics_module.Mean(name="loss")
        with_loss = [n for n, fn in zip(names, compiled_loss.losses) if fn is not None] \
            if compiled_loss is not None else []
        with name_scope("compile_loss"):  # where Keras's per-output loss trackers are
            self._output_loss_trackers = [metrics_module.Mean(name=f"{n}_loss")
                                          for n in with_loss] if len(with_loss) > 1 else []
        self._trainable_cache = None
        self._layers_cache = None
        self._recorded_step = RecordedStep(enabled=not run_eagerly and jit_compile is not False)
        self._class_counts = None
        self.compiled = True
        self.stop_training = False

    @property
    def metrics(self) -> list:
        """The model's metric objects: the loss tracker, then the compiled metrics."""
        if not self.compiled:
            return []
        return [self._loss_tracker, *self._output_loss_trackers, *self.compiled_metrics.all()]

    @property
    def metrics_variables(self) -> list:
        """The variables of the loss tracker, the compiled metrics, then the per-output loss
        trackers, in Keras's order (a compiled metric has its variables once the first batch
        has resolved it, as Keras builds them on the first fit)."""
        if not self.compiled:
            return []
        trackers = [self._loss_tracker, *self.compiled_metrics.all(),
                    *self._output_loss_trackers]
        return [v for m in trackers for v in m.variables]

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    def _require_compiled(self, what):
        if not self.compiled:
            raise ValueError(f"Model '{self.name}': you must call `compile()` before "
                             f"`{what}()`, e.g. model.compile(optimizer='adam', loss='mse')")

    # -- one batch -----------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss plus regularization and `add_loss` terms."""
        total = None
        if self.compiled_loss is not None:
            total, parts = self.compiled_loss(y, y_pred, sample_weight)
            named = dict(zip(self.compiled_loss.names, parts))
            for tracker in self._output_loss_trackers:
                part = named[tracker.name[: -len("_loss")]]
                if part is not None:
                    tracker.update_state(part.data, sample_weight=_batch_len(y_pred))
        for term in [t for layer in self._step_layers() for t in layer._own_losses()]:
            total = term if total is None else total + term
        if total is None:
            raise ValueError("The model has no loss to minimize: pass `loss=` to compile() or "
                             "use add_loss() in the model")
        return total

    def _compute_loss(self, x, y, y_pred, sample_weight, training):
        """`compute_loss`, handed `training` only where its signature names it: as in Keras,
        an override written without it (keras.io's distillation example has
        `compute_loss(self, x, y, y_pred, sample_weight, allow_empty=False)`) still runs."""
        if _names_training(getattr(self.compute_loss, "__func__", self.compute_loss)):
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def _step_layers(self) -> list:
        """Every layer of the model; cached, like the variable list, until compile() again."""
        layers = getattr(self, "_layers_cache", None)
        return layers if layers is not None else self._walk()

    def compute_metrics(self, x, y, y_pred, sample_weight=None) -> dict:
        self.compiled_metrics.update(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        return _logs_in_order({m.name: float(m.result()) for m in self.metrics})

    def train_step(self, data) -> dict:
        # numen.distribute hook: under a distribution the step runs on this process's shard
        # and averages gradients and metrics across processes (distribute/data_parallel.py).
        if backend.distribution() is not None:
            return backend.distribution().train_step(self, data)
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        for layer in self._step_layers():
            layer._added_losses = []
        # The variable list is fixed between compile() calls, as in Keras (changing
        # `trainable` takes effect after compiling again); looking it up costs per step.
        variables = getattr(self, "_trainable_cache", None)
        if variables is None:  # the first step after compile() (it may build the model)
            with enable_grad():
                y_pred = self(x, training=True)
                loss = self._compute_loss(x, y, y_pred, sample_weight, training=True)
            variables = self._trainable_cache = self.trainable_weights
            self._layers_cache = self._walk()
            grads = gradients(loss, variables)
        else:  # recorded and replayed where that is safe (training/recorded_step.py)
            # A replayed step writes the gradients straight into the optimizer's buffer.
            y_pred, loss, grads = self._recorded_step.forward_backward(
                self, x, y, sample_weight, variables, self.optimizer.gradient_buffers(variables))
        # Keras differentiates `optimizer.scale_loss(loss)` (loss scaling; the optimizer
        # divides the gradients back). Gradients are linear in the loss, so scaling them is
        # the same and leaves the recorded step alone.
        scale = float(self.optimizer.scale_loss(1.0))
        pairs = [(g if scale == 1.0 else g * scale, v) for g, v in zip(grads, variables)
                 if g is not None]
        self.optimizer.apply([g for g, _ in pairs], [v for _, v in pairs])
        self._loss_tracker.update_state(loss.data, sample_weight=_batch_len(y_pred))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data) -> dict:
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        for layer in self._step_layers():
            layer._added_losses = []
        with no_grad():
            y_pred = self(x, training=False)
            loss = self._compute_loss(x, y, y_pred, sample_weight, training=False)
        self._loss_tracker.update_state(loss.data, sample_weight=_batch_len(y_pred))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        x, _, _ = unpack_x_y_sample_weight(data)
        if self.compiled:  # replayed where that is safe (training/recorded_step.py)
            return self._recorded_step.predict(self, x)
        with no_grad():
            return self(x, training=False)

    # -- loops ---------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for `epochs` epochs; returns a History whose `.history` maps names to lists.

        `x` is arrays (one, or a list/dict of them; pandas and `np.memmap` too, the latter read
        batch by batch), a `keras.utils.PyDataset`, a generator or iterator of batches, or any
        iterable of batches such as a PyTorch DataLoader; batches are `(x,)`, `(x, y)` or
        `(x, y, sample_weight)`. `validation_split` holds out the last fraction of samples
        (arrays only, taken before shuffling); `validation_data` is `(x_val, y_val)`,
        `(x_val, y_val, sample_weight_val)` or any of the forms `x` takes, and takes
        precedence. Validation runs after epochs where `validation_freq` says so (every
        `validation_freq`-th epoch, or the 1-based epochs listed).

        Raises:
            ValueError: uncompiled model, bad arguments, or data the model cannot take
                (checked before any weight changes).
            TypeError: non-numeric data.
        """
        self._require_compiled("fit")
        verbose = arguments.check_verbose(verbose)
        batch_size = arguments.check_positive_int(batch_size, "batch_size", default=32)
        epochs = config.capped(arguments.check_count(epochs, "epochs"), config.max_epochs())
        initial_epoch = arguments.check_count(initial_epoch, "initial_epoch")
        steps_per_epoch = arguments.check_positive_int(steps_per_epoch, "steps_per_epoch")
        validation_steps = arguments.check_positive_int(validation_steps, "validation_steps")
        validation_batch_size = arguments.check_positive_int(validation_batch_size,
                                                    "validation_batch_size", default=batch_size)
        validation_freq = arguments.check_validation_freq(validation_freq)
        if class_weight is not None and sample_weight is not None:
            raise ValueError("fit: pass either `class_weight` or `sample_weight`, not both")

        prepared = False
        if validation_data is None and validation_split:
            if adapters.is_stream(x):
                raise ValueError(f"fit: `validation_split` is only supported for arrays and "
                                 f"DataFrames, received x of type {type(x).__name__}; pass "
                                 "`validation_data` instead")
            x, y, sample_weight = self._prepare_arrays(x, y, sample_weight, "fit")
            (x, y, sample_weight), validation_data = data_module.split_validation(
                x, y, sample_weight, validation_split)
            prepared = True
        batches = self._epoch_iterator("fit", x, y, sample_weight, batch_size, steps_per_epoch,
                                       shuffle, class_weight, prepared=prepared)
        val = None
        if validation_data is not None:
            val = self._epoch_iterator("fit (validation_data)",
                                       *arguments.unpack_validation_data(
                                           validation_data, self.compiled_loss is not None),
                                       validation_batch_size, validation_steps,
                                       prepared=prepared)
        try:
            return self._fit_loop(batches, val, callbacks, verbose, epochs, initial_epoch,
                                  validation_freq)
        finally:
            batches.close()
            if val is not None:
                val.close()

    def _fit_loop(self, batches, val, callbacks, verbose, epochs, initial_epoch,
                  validation_freq):
        callbacks = self._callbacks(callbacks, verbose, epochs, batches.steps, add_history=True)
        self.history = callbacks.history
        self.stop_training = False
        callbacks.on_train_begin()
        # BackupAndRestore leaves a resume point here in on_train_begin when it restores a
        # backup: the epoch to start at, the batches of it already trained on, and the state
        # to put back once those batches have been passed over.
        resume, self._resume_point = getattr(self, "_resume_point", None), None
        if resume is not None:
            initial_epoch = resume.epoch
        training_logs = None
        for epoch in range(initial_epoch, epochs):
            if not batches.has_more():  # a generator spent by earlier epochs
                adapters.warn_ran_out("fit", batches.steps)
                break
            self.reset_metrics()
            start, on_resume = 0, None
            if resume is not None:  # the first epoch of a resumed run
                resume.rewind()  # so the epoch draws the same shuffle again
                start, on_resume, resume = resume.step, resume.restore, None
            callbacks.on_epoch_begin(epoch)
            for step, batch in enumerate(batches.epoch(start, on_resume), start=start):
                callbacks.on_train_batch_begin(step)
                logs = self.train_step(batch)
                callbacks.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            if batches.short:
                adapters.warn_ran_out("fit", batches.steps)
                self.stop_training = True
            epoch_logs = dict(self.get_metrics_result())
            if val is not None and arguments.should_validate(epoch, validation_freq):
                if val.has_more():
                    val_logs = self._evaluate_batches(val, callbacks)
                    epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                else:
                    adapters.warn_ran_out("fit (validation_data)", val.steps)
                    val = None
            callbacks.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            if self.stop_training:
                break
        if epochs > 0:  # as Keras: with use_ema the moving averages become the weights
            self.optimizer.finalize_variable_values(self.trainable_weights)
        callbacks.on_train_end(training_logs)
        return self.history

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """Loss and metrics on the given data: a scalar when the model has only a loss,
        `[loss, *metrics]` in `metrics_names` order otherwise, or a dict with
        `return_dict=True`."""
        self._require_compiled("evaluate")
        verbose = arguments.check_verbose(verbose)
        batch_size = arguments.check_positive_int(batch_size, "batch_size", default=32)
        steps = arguments.check_positive_int(steps, "steps")
        batches = self._epoch_iterator("evaluate", x, y, sample_weight, batch_size, steps)
        try:
            cbs = self._callbacks(callbacks, verbose, 1, batches.steps)
            logs = self._evaluate_batches(batches, cbs)
        finally:
            batches.close()
        return logs if return_dict else self._flatten_logs(logs)

    def _flatten_logs(self, logs: dict):
        names = self.metrics_names
        values = [logs[n] for n in names if n in logs]
        values += [logs[k] for k in sorted(logs) if k not in names]
        return values[0] if len(values) == 1 else values

    def _evaluate_batches(self, batches, callbacks) -> dict:
        callbacks.on_test_begin()
        # Inside fit the epoch's training logs were read already, so the same metric objects
        # can be reset and reused for validation.
        self.reset_metrics()
        for step, batch in enumerate(batches.epoch()):
            callbacks.on_test_batch_begin(step)
            logs = self.test_step(batch)
            callbacks.on_test_batch_end(step, logs)
        logs = self.get_metrics_result()
        callbacks.on_test_end(logs)
        return logs

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs for `x` as NumPy arrays of floatx (one array, or a list/dict per
        output)."""
        verbose = arguments.check_verbose(verbose)
        batch_size = arguments.check_positive_int(batch_size, "batch_size", default=32)
        steps = arguments.check_positive_int(steps, "steps")
        batches = self._epoch_iterator("predict", x, None, None, batch_size, steps)
        try:
            cbs = self._callbacks(callbacks, verbose, 1, batches.steps)
            cbs.on_predict_begin()
            outputs = []
            for step, batch in enumerate(batches.epoch()):
                cbs.on_predict_batch_begin(step)
                out = data_module.map_arrays(_to_numpy, self.predict_step(batch))
                outputs.append(out)
                cbs.on_predict_batch_end(step, {"outputs": out})
            cbs.on_predict_end()
        finally:
            batches.close()
        if not outputs:
            raise ValueError("predict: the input yielded no batches")
        return _concat_batches(outputs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One gradient update on one batch; the loss and metrics of this batch alone (Keras
        3.15 resets the metrics on every call)."""
        self._require_compiled("train_on_batch")
        self.reset_metrics()
        if class_weight is not None and sample_weight is not None:
            raise ValueError("train_on_batch: pass either `class_weight` or `sample_weight`, "
                             "not both")
        x, y, sample_weight = self._prepare_arrays(x, y, sample_weight, "train_on_batch")
        self._check_data(x, y)
        if class_weight is not None:
            sample_weight = data_module.class_weights_to_sample_weights(y, class_weight)
        logs = self.train_step(pack_x_y_sample_weight(x, y, sample_weight))
        return logs if return_dict else self._flatten_logs(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss and metrics on this batch alone (the metrics are reset first, as in Keras)."""
        self._require_compiled("test_on_batch")
        self.reset_metrics()
        x, y, sample_weight = self._prepare_arrays(x, y, sample_weight, "test_on_batch")
        self._check_data(x, y)
        logs = self.test_step(pack_x_y_sample_weight(x, y, sample_weight))
        return logs if return_dict else self._flatten_logs(logs)

    def predict_on_batch(self, x):
        """Model outputs for one batch, as NumPy arrays."""
        if type(self).predict_step is Trainer.predict_step and self.compiled and \
                type(x) is np.ndarray and x.dtype.kind == "f" and data_module.surely_finite(x):
            # the same array shape as the last replayed prediction: the replay alone (its
            # shape and dtype were checked when it was recorded)
            y = self._recorded_step.predict_array(self, x)
            if y is not None:
                return y
        x = self._prepare_arrays(x, None, None, "predict_on_batch")[0]
        self._check_data(x, None)
        return data_module.map_arrays(_to_numpy, self.predict_step((x,)))

    # -- data ----------------------------------------------------------------------------
    def _epoch_iterator(self, what: str, x, y, sample_weight, batch_size, steps,
                        shuffle=False, class_weight=None, prepared=False):
        """The one place fit/evaluate/predict take data: an EpochIterator over arrays (checked
        whole, now) or over a stream (each batch checked as it comes, the first one with the
        model-level checks before it reaches a step)."""
        if x is None:
            raise ValueError(f"{what}: no input data; pass `x`")
        steps = config.capped(steps, config.max_steps_per_epoch())
        if adapters.is_stream(x):
            adapter = adapters.get_adapter(x, y, sample_weight, batch_size, shuffle,
                                           class_weight)
            return adapters.EpochIterator(adapter, steps, check_first=self._check_batch)
        if not prepared:
            x, y, sample_weight = self._prepare_arrays(x, y, sample_weight, what)
        self._check_data(x, y)
        if class_weight is not None:
            sample_weight = data_module.class_weights_to_sample_weights(y, class_weight,
                                                                        sample_weight)
        adapter = adapters.ArrayAdapter(x, y, sample_weight, batch_size, shuffle)
        return adapters.EpochIterator(adapter, steps)

    def _check_batch(self, batch) -> None:
        x, y, _ = unpack_x_y_sample_weight(batch)
        self._check_data(x, y)

    def _callbacks(self, callbacks, verbose, epochs, steps, add_history=False) -> CallbackList:
        if isinstance(callbacks, CallbackList):
            return callbacks
        if backend.distribution() is not None:  # numen.distribute hook: only rank 0 writes
            callbacks, verbose = backend.distribution().worker_callbacks(callbacks, verbose)
        return CallbackList(callbacks, add_history=add_history, add_progbar=verbose != 0,
                            model=self, verbose=verbose, epochs=epochs, steps=steps)


def _batch_len(x) -> int:
    return int(data_module.flatten(x)[0].shape[0])


def _to_numpy(t):
    return backend.to_numpy(t.data) if isinstance(t, Tensor) else np.asarray(t)


def _concat_batches(outputs: list):
    first = outputs[0]
    if isinstance(first, dict):
        return {k: np.concatenate([o[k] for o in outputs]) for k in first}
    if isinstance(first, (list, tuple)):
        return [np.concatenate([o[i] for o in outputs]) for i in range(len(first))]
    return np.concatenate(outputs) if len(outputs) > 1 else outputs[0]
