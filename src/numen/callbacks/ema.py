"""SwapEMAWeights: evaluate (and optionally checkpoint) with the optimizer's moving-average
weights, training on with the raw ones."""

from __future__ import annotations

from numen.callbacks.base import Callback


class SwapEMAWeights(Callback):
    """Swaps the model's weights with the optimizer's EMA weights around evaluation.

    Use with an optimizer built with `use_ema=True`. Before validation, `evaluate` and
    `predict` the weights are exchanged in place with their moving averages, and exchanged
    back afterwards. With `swap_on_epoch=True` the EMA weights are also in the model
    between `on_epoch_end` and the next `on_epoch_begin`, so callbacks listed after this one
    (ModelCheckpoint, ...) see them; after the last epoch they stay in the model.

    Args:
        swap_on_epoch: also swap at the end of each epoch (and back at the next one).

    Raises:
        ValueError: (when swapping) the optimizer, or every optimizer of a MultiOptimizer,
            has `use_ema=False`.

    >>> model.compile(optimizer=keras.optimizers.SGD(use_ema=True), loss="mse")
    >>> model.fit(x, y, callbacks=[SwapEMAWeights(swap_on_epoch=True)])  # doctest: +SKIP
    """

    def __init__(self, swap_on_epoch: bool = False):
        super().__init__()
        self.swap_on_epoch = bool(swap_on_epoch)
        self._ema_weights_in_model = False

    def _ema_optimizers(self) -> list:
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # LossScaleOptimizer
        inner = getattr(optimizer, "optimizers", None)  # MultiOptimizer
        if inner is not None:
            chosen = [opt for opt in inner if opt.use_ema]
            if not chosen:
                raise ValueError("SwapEMAWeights needs at least one inner optimizer of the "
                                 "MultiOptimizer with use_ema=True; all have use_ema=False")
            return chosen
        if not getattr(optimizer, "use_ema", False):
            raise ValueError("SwapEMAWeights needs an optimizer with use_ema=True, received "
                             f"{type(optimizer).__name__} with use_ema=False")
        return [optimizer]

    def _swap(self) -> None:
        for opt in self._ema_optimizers():
            for v in opt._variables:
                average = opt._averages.get(id(v))
                if average is not None:
                    # In place, so flat optimizer buffers and recorded steps stay valid.
                    weights = v.data.copy()
                    v.data[...] = average
                    average[...] = weights

    def _finalize(self) -> None:
        """Make the averages equal the (EMA) weights now in the model, so later swaps keep
        them."""
        for opt in self._ema_optimizers():
            for v in opt._variables:
                average = opt._averages.get(id(v))
                if average is not None:
                    average[...] = v.data

    def _to_ema(self) -> None:
        if not self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = True

    def _to_raw(self) -> None:
        if self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = False

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._to_raw()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._to_ema()
            if epoch == self.params.get("epochs", 0) - 1:
                self._finalize()

    def on_test_begin(self, logs=None):
        self._to_ema()

    def on_test_end(self, logs=None):
        self._to_raw()

    def on_predict_begin(self, logs=None):
        self._to_ema()

    def on_predict_end(self, logs=None):
        self._to_raw()
