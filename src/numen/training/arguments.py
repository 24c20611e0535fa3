"""Checking the arguments of compile/fit/evaluate/predict, with messages that name the
argument, the value received and what was expected."""

from __future__ import annotations

import numpy as np

from numen import metrics as metrics_module
from numen.training import adapters
from numen.training.compile import metrics_per_output
from numen.training.data import unpack_x_y_sample_weight


def check_verbose(verbose):
    if verbose == "auto":
        return 1
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto', received {verbose!r}")
    return int(verbose)


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_positive_int(value, name: str, default=None):
    if value is None:
        return default
    if not _is_int(value) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, received {value!r}")
    return int(value)


def check_count(value, name: str) -> int:
    if not _is_int(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, received {value!r}")
    return int(value)


def check_validation_freq(freq):
    if _is_int(freq) and freq > 0:
        return int(freq)
    if isinstance(freq, (list, tuple, set, range)) and all(_is_int(f) and f > 0 for f in freq):
        return {int(f) for f in freq}
    raise ValueError(f"validation_freq must be a positive integer or a list of 1-based epoch "
                     f"numbers, received {freq!r}")


def should_validate(epoch: int, freq) -> bool:
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return epoch + 1 in freq


def check_metric_names(metrics, names, what) -> None:
    """Unknown metric names fail in compile (as unknown losses do), not in the first batch."""
    for group in metrics_per_output(metrics, names, what):
        specs = group if isinstance(group, (list, tuple)) else [group]
        for spec in specs:
            if isinstance(spec, str) and spec.lower() not in ("accuracy", "acc"):
                metrics_module.check_name(spec)


def unpack_validation_data(validation_data, needs_targets=True):
    """(x, y, sample_weight) of `validation_data`: a stream, or x, (x,), (x, y) or
    (x, y, sample_weight) as in Keras. Without targets (x alone, or (x,)) a model compiled with
    a loss could not be evaluated, so that is refused here, before any training."""
    if adapters.is_stream(validation_data):
        return validation_data, None, None
    if isinstance(validation_data, (tuple, list)) and len(validation_data) not in (1, 2, 3):
        raise ValueError(_validation_data_message(validation_data))
    vx, vy, vsw = unpack_x_y_sample_weight(validation_data)
    if vy is None and needs_targets:
        raise ValueError(_validation_data_message(validation_data) + "; the model was "
                         "compiled with a loss, which needs the targets y_val")
    return vx, vy, vsw


def _validation_data_message(validation_data) -> str:
    return ("fit: validation_data must be a tuple (x_val, y_val) or "
            "(x_val, y_val, sample_weight_val), a PyDataset, a generator or an "
            "iterable of batches (or x_val alone for a model whose losses come from add_loss), "
            f"received {type(validation_data).__name__}"
            + (f" of length {len(validation_data)}"
               if isinstance(validation_data, (tuple, list)) else ""))
