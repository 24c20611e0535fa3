"""The progress display of fit/evaluate/predict, drawn with tqdm in Keras's layout:

    Epoch 1/10
    32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.91 - loss: 0.28
"""

from __future__ import annotations

import sys
import time

from tqdm import tqdm

from numen.callbacks.base import Callback


def _fmt_value(v) -> str:
    v = float(v)
    return f"{v:.4f}" if 1e-3 <= abs(v) < 1e4 or v == 0 else f"{v:.4e}"


def format_logs(logs: dict) -> str:
    return " - ".join(f"{k}: {_fmt_value(v)}" for k, v in logs.items())


def _fmt_time(seconds: float) -> str:
    return f"{int(round(seconds))}s" if seconds >= 1 or seconds == 0 else f"{int(seconds)}s"


def _per_step(seconds: float, steps: int) -> str:
    if not steps:
        return ""
    t = seconds / steps
    if t >= 1:
        return f"{t:.0f}s/step"
    if t >= 1e-3:
        return f"{t * 1e3:.0f}ms/step"
    return f"{t * 1e6:.0f}us/step"


class Progbar:
    """One bar for `target` steps: live (verbose=1) or a single closing line (verbose=2)."""

    def __init__(self, target, verbose=1, file=None):
        self.target, self.verbose = target, verbose
        self.file = file or sys.stdout
        self.start = time.perf_counter()
        self.seen = 0
        self.bar = None
        if verbose == 1:
            self.bar = tqdm(total=target, file=self.file, ascii=" ━", ncols=None, leave=True,
                            dynamic_ncols=False, mininterval=0.05,
                            bar_format="{n_fmt}/{total_fmt} {bar:20} {desc}")

    def update(self, step, logs=None):
        self.seen = step
        if self.bar is not None:
            self.bar.n = step
            elapsed = time.perf_counter() - self.start
            timing = f"{_fmt_time(elapsed)} {_per_step(elapsed, step)}"
            extra = format_logs(logs or {})
            self.bar.set_description_str(timing + (f" - {extra}" if extra else ""), refresh=False)
            self.bar.refresh()

    def close(self, logs=None):
        elapsed = time.perf_counter() - self.start
        if self.bar is not None:
            self.update(self.seen, logs)
            self.bar.close()
        elif self.verbose == 2:
            parts = [f"{self.seen}/{self.target or self.seen}", _fmt_time(elapsed),
                     _per_step(elapsed, self.seen)]
            extra = format_logs(logs or {})
            print(" - ".join(p for p in parts + ([extra] if extra else []) if p), file=self.file,
                  flush=True)


class ProgbarLogger(Callback):
    """Shows the progress display; fit adds one when verbose is 1 or 2."""

    def __init__(self, count_mode="steps"):
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self.bar = None
        self.logs = {}

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.steps = params.get("steps")

    def _start(self):
        self.bar = Progbar(self.steps, self.verbose) if self.verbose else None

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)
        self._start()

    def on_train_batch_end(self, batch, logs=None):
        if self.bar is not None:
            self.bar.update(batch + 1, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.bar is not None:
            self.bar.close(logs)
            self.bar = None

    def on_test_begin(self, logs=None):
        if self.bar is None and self.params.get("is_evaluate"):
            self._start()

    def on_test_batch_end(self, batch, logs=None):
        if self.params.get("is_evaluate") and self.bar is not None:
            self.bar.update(batch + 1, logs)

    def on_test_end(self, logs=None):
        if self.params.get("is_evaluate") and self.bar is not None:
            self.bar.close(logs)
            self.bar = None

    def on_predict_begin(self, logs=None):
        self._start()

    def on_predict_batch_end(self, batch, logs=None):
        if self.bar is not None:
            self.bar.update(batch + 1)

    def on_predict_end(self, logs=None):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
