"""Watching one logged quantity: which direction is better, and whether a value improved."""

from __future__ import annotations

import warnings

import numpy as np

from numen import ops

_HIGHER_IS_BETTER = ("acc", "auc", "precision", "recall", "f1", "fbeta", "r2", "iou",
                     "top_k", "cosine_similarity")


class Monitor:
    """Compares values of `monitor` in `mode` ('min', 'max' or 'auto') with a `min_delta`."""

    def __init__(self, monitor: str, mode: str = "auto", min_delta: float = 0.0, owner="Callback"):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', received {mode!r}")
        self.monitor, self.owner = monitor, owner
        if mode == "auto":
            name = monitor.removeprefix("val_")
            mode = "max" if any(k in name for k in _HIGHER_IS_BETTER) and "loss" not in name \
                else "min"
        self.mode = mode
        self.min_delta = abs(float(min_delta))

    def set_keras_attributes(self, callback) -> None:
        """Give `callback` Keras's `monitor_op` (`ops.less` when lower values are better,
        else `ops.greater`), which Keras sets at the first epoch end (None before); with
        `ops.less` Keras also negates the callback's `min_delta`. The comparisons here do not
        read either: they are for programs that do."""
        callback.monitor_op = ops.less if self.mode == "min" else ops.greater
        if callback.monitor_op is ops.less:
            callback.min_delta = -callback.min_delta

    def worst(self) -> float:
        return np.inf if self.mode == "min" else -np.inf

    def improved(self, value, reference) -> bool:
        if reference is None:
            return True
        if self.mode == "min":
            return value < reference - self.min_delta
        return value > reference + self.min_delta

    def read(self, logs) -> float | None:
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(f"{self.owner} is conditioned on metric `{self.monitor}`, which is not "
                          f"available. Available metrics are: {', '.join(sorted(logs or {}))}",
                          stacklevel=3)
            return None
        return float(value)
