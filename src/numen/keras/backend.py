"""`keras.backend`: dtype defaults, epsilon and session clearing."""

from numen.backend import epsilon, floatx, set_floatx, standardize_dtype  # noqa: F401


def clear_session():
    """Reset layer-name counters (so new layers are named dense, dense_1, ... again)."""
    from numen.layers.base import reset_names

    reset_names()


def backend():
    return "numpy"
