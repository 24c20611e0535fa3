"""The progress display of fit/evaluate/predict, in Keras's layout, drawn by tqdm:

    Epoch 1/10
    32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.9100 - loss: 0.2800

verbose=1 redraws a live bar in a terminal (or notebook); when the output is not a terminal
(a CI log, a pipe, a file) it writes each bar's final state once instead of hundreds of
carriage-return updates. verbose=2 writes one line per epoch: `32/32 - 0s - 2ms/step - ...`.
"""

from __future__ import annotations

import math
import sys
import time

from numen import config
from numen.callbacks.base import Callback

_BAR_CHARS = " ━"
# tqdm trims lines to the terminal width, and a terminal that reports width 0 (some pseudo-
# terminals) would make it drop the bar: lines are never trimmed or hidden, as in Keras.
_NO_TRIM = 1_000_000


def format_value(v) -> str:
    """A metric value as Keras shows it: 4 decimals, or scientific notation when tiny."""
    v = float(v)
    return f"{v:.4f}" if abs(v) > 1e-3 else f"{v:.4e}"


def format_logs(values) -> str:
    items = values.items() if isinstance(values, dict) else values
    return " - ".join(f"{k}: {format_value(v)}" for k, v in items)


def format_step_time(seconds_per_step: float, unit_name: str = "step") -> str:
    t = seconds_per_step
    if t >= 1 or t == 0:
        return f"{t:.0f}s/{unit_name}"
    if t >= 1e-3:
        return f"{t * 1e3:.0f}ms/{unit_name}"
    return f"{t * 1e6:.0f}us/{unit_name}"


def _format_eta(seconds: float) -> str:
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def is_live_output(file) -> bool:
    """True where carriage-return redraws display well: a terminal or a Jupyter kernel."""
    try:
        if file.isatty():
            return True
    except (AttributeError, ValueError):
        pass
    return "ipykernel" in sys.modules and file in (sys.stdout, sys.stderr)


class Progbar:
    """A progress bar for `target` steps (`keras.utils.Progbar`).

    Args:
        target: total number of steps, or None if unknown.
        width: characters in the bar.
        verbose: 1 (bar), 2 (one line when finished) or 0 (silent).
        interval: minimum seconds between redraws of a live bar.
        stateful_metrics: accepted for Keras compatibility; values are shown as given.
        unit_name: the unit in the time-per-unit field.
        file: where to write (standard output by default, looked up when the bar is made).

    >>> bar = Progbar(10, verbose=2)
    >>> bar.update(10, [("loss", 0.5)])  # doctest: +SKIP
    10/10 - 0s - 1ms/step - loss: 0.5000
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step", file=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.file = file if file is not None else sys.stdout
        # With interactive logging off (keras.config), finished lines go to `logging` instead.
        self.interactive = config.is_interactive_logging_enabled()
        self.live = verbose == 1 and self.interactive and is_live_output(self.file)
        self.values: dict = {}
        self.seen = 0
        self.start = time.perf_counter()
        self.finished = False
        self._bar = None

    def _count(self, current) -> str:
        digits = int(math.log10(self.target)) + 1 if self.target else 1
        return f"{current:{digits}d}/{self.target}" if self.target else f"{current}/Unknown"

    def _info(self, current, finalize) -> tuple[str, str]:
        elapsed = time.perf_counter() - self.start
        per_step = elapsed / current if current else 0.0
        if finalize or not self.target:
            clock = f"{elapsed:.0f}s"
        else:
            clock = _format_eta(per_step * (self.target - current))
        return clock, format_step_time(per_step, self.unit_name)

    def update(self, current: int, values=None, finalize: bool | None = None) -> None:
        """Show progress at step `current` with `values` ((name, value) pairs or a dict);
        `finalize` (default: `current >= target`) closes the bar."""
        if self.finished:
            return
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if values:
            self.values.update(values.items() if isinstance(values, dict) else values)
        self.seen = current
        if self.verbose == 1:
            self._show(current, finalize)
        elif self.verbose == 2 and finalize:
            clock, per_step = self._info(current, True)
            parts = [self._count(current), clock, per_step]
            if self.values:
                parts.append(format_logs(self.values))
            self._write(" - ".join(parts))
        self.finished = finalize

    def _show(self, current, finalize):
        clock, per_step = self._info(current, finalize)
        desc = f"{clock} {per_step}"
        if self.values:
            desc += " - " + format_logs(self.values)
        if not self.live:
            if finalize:
                bar = ["━" * self.width] if self.target else []
                self._write(" ".join([self._count(current), *bar, desc]))
            return
        if self._bar is None:
            # Made at the first update, starting from it, so no empty "0/N" bar is drawn.
            digits = int(math.log10(self.target)) + 1 if self.target else 1
            count = f"{{n:{digits}d}}/{{total}}" if self.target else "{n}/Unknown"
            bar = f" {{bar:{self.width}}}" if self.target else ""
            from tqdm import tqdm  # imported when a bar is first drawn: keeps `import numen` fast

            self._bar = tqdm(total=self.target, initial=current, desc=desc, file=self.file,
                             ascii=_BAR_CHARS, leave=True, mininterval=self.interval,
                             dynamic_ncols=False, bar_format=f"{count}{bar} {{desc}}",
                             ncols=_NO_TRIM, nrows=_NO_TRIM)
        else:
            self._bar.set_description_str(desc, refresh=False)
            self._bar.update(current - self._bar.n)
        if finalize:
            self._bar.close()

    def _write(self, line: str) -> None:
        if self.interactive:
            print(line, file=self.file, flush=True)
        else:
            import logging  # on use: not paid by `import numen`

            logging.getLogger("numen").info(line)

    def add(self, n: int, values=None) -> None:
        self.update(self.seen + n, values)


class ProgbarLogger(Callback):
    """Shows the progress display; fit/evaluate/predict add one when verbose is 1 or 2.
    Validation inside `fit` runs silently, its results joining the epoch's line."""

    def __init__(self, count_mode="steps"):
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self.progbar = None
        self.seen = 0
        self._in_fit = False

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _new_bar(self):
        self.seen = 0
        self.progbar = Progbar(self.target, verbose=self.verbose) if self.verbose else None

    def _update(self, batch, logs):
        self.seen = batch + 1
        if self.progbar is not None:
            self.progbar.update(self.seen, logs, finalize=False)

    def _finalize(self, logs):
        if self.progbar is not None:
            if self.progbar.target is None:
                self.progbar.target = self.seen
            self.progbar.update(self.progbar.target, logs, finalize=True)
            self.progbar = None

    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose and self.epochs > 1:
            if config.is_interactive_logging_enabled():
                print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)
            else:
                import logging

                logging.getLogger("numen").info(f"Epoch {epoch + 1}/{self.epochs}")
        self._new_bar()

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._new_bar()

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit:
            self._update(batch, logs)

    def on_test_end(self, logs=None):
        if not self._in_fit:
            self._finalize(logs)

    def on_predict_begin(self, logs=None):
        self._new_bar()

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)  # the batch's outputs are not metrics

    def on_predict_end(self, logs=None):
        self._finalize(None)
