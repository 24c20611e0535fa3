"""Process-wide switches of `keras.config` that are not about arrays or devices.

Each switch is a module-level value with a getter and a setter, read where it takes effect:
interactive logging by the progress bar, the epoch and step caps by `fit`, unsafe
deserialization by the loaders.
"""

from __future__ import annotations

import os

_state = {
    "interactive_logging": True,
    "traceback_filtering": True,
    "flash_attention": None,
    "unsafe_deserialization": False,
    "max_epochs": None,
    "max_steps_per_epoch": None,
}


def enable_interactive_logging() -> None:
    """Progress and summaries go to standard output (the default)."""
    _state["interactive_logging"] = True


def disable_interactive_logging() -> None:
    """Progress and summaries go to Python's `logging` (logger "numen") instead of stdout."""
    _state["interactive_logging"] = False


def is_interactive_logging_enabled() -> bool:
    return _state["interactive_logging"]


def enable_traceback_filtering() -> None:
    """Accepted for Keras code; numen's tracebacks are short already and are never filtered."""
    _state["traceback_filtering"] = True


def disable_traceback_filtering() -> None:
    _state["traceback_filtering"] = False


def is_traceback_filtering_enabled() -> bool:
    return _state["traceback_filtering"]


def enable_flash_attention() -> None:
    """Ask for fused attention where a backend has it; numen's attention is one exact path, so
    this records the wish and results do not change."""
    _state["flash_attention"] = True


def disable_flash_attention() -> None:
    _state["flash_attention"] = False


def is_flash_attention_enabled():
    """None until enabled or disabled (Keras's "decide automatically")."""
    return _state["flash_attention"]


def enable_unsafe_deserialization() -> None:
    """Let `load_model` rebuild Lambda layers' code without `safe_mode=False` on each call."""
    _state["unsafe_deserialization"] = True


def unsafe_deserialization_enabled() -> bool:
    return _state["unsafe_deserialization"]


def _cap(value, name):
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{name}: expected a positive integer or None, received {value!r}")
    return value


def set_max_epochs(max_epochs) -> None:
    """Cap the epochs of every later `fit` (None removes the cap)."""
    _state["max_epochs"] = _cap(max_epochs, "set_max_epochs")


def max_epochs():
    return _state["max_epochs"]


def set_max_steps_per_epoch(max_steps_per_epoch) -> None:
    """Cap the steps of every epoch of later `fit`/`evaluate` calls (None removes the cap)."""
    _state["max_steps_per_epoch"] = _cap(max_steps_per_epoch, "set_max_steps_per_epoch")


def max_steps_per_epoch():
    return _state["max_steps_per_epoch"]


def capped(value, cap):
    """`value` (None meaning "all") limited by `cap` (None meaning no limit)."""
    if cap is None:
        return value
    return cap if value is None else min(value, cap)


def set_backend(backend) -> None:
    """numen is its own backend: asking for another one is an error that says so."""
    if backend in ("numen", "numpy"):
        return
    raise ValueError(f"set_backend: numen is its own backend and cannot switch to {backend!r}; "
                     "to run on another backend, import keras itself")


def _from_environment() -> None:
    # Keras reads the same two variables, to shorten a script's run without editing it.
    for variable, setter in (("KERAS_MAX_EPOCHS", set_max_epochs),
                             ("KERAS_MAX_STEPS_PER_EPOCH", set_max_steps_per_epoch)):
        value = os.environ.get(variable)
        if value:
            try:
                setter(int(value))
            except ValueError as exc:
                raise ValueError(f"{variable}={value!r}: expected a positive integer") from exc


_from_environment()
