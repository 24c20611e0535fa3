"""`keras.backend`: dtype rules, defaults, epsilon, unique ids and session clearing."""

from numen.backend import (  # noqa: F401
    epsilon,
    floatx,
    get_uid,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    standardize_dtype,
)
from numen.dtypes import is_float_dtype, is_int_dtype, result_type  # noqa: F401
from numen.layers.symbolic import KerasTensor


def is_keras_tensor(x) -> bool:
    """Whether `x` is a symbolic tensor of a Functional model being defined."""
    return isinstance(x, KerasTensor)


def clear_session(free_memory=True):
    """Reset layer-name counters (so new layers are named dense, dense_1, ... again) and the
    other unique ids of `get_uid`."""
    from numen.layers.base import reset_names

    reset_names()


def backend():
    return "numpy"
