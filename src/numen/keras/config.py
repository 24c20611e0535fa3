"""`keras.config`: global settings."""

from numen.backend import (  # noqa: F401
    epsilon,
    floatx,
    get_device,
    image_data_format,
    set_device,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
from numen.config import (  # noqa: F401
    disable_flash_attention,
    disable_interactive_logging,
    disable_traceback_filtering,
    enable_flash_attention,
    enable_interactive_logging,
    enable_traceback_filtering,
    enable_unsafe_deserialization,
    is_flash_attention_enabled,
    is_interactive_logging_enabled,
    is_traceback_filtering_enabled,
    max_epochs,
    max_steps_per_epoch,
    set_backend,
    set_max_epochs,
    set_max_steps_per_epoch,
)
from numen.dtype_policies import dtype_policy, set_dtype_policy  # noqa: F401


def backend():
    """The name of the running backend: numen runs on its own NumPy engine."""
    return "numpy"
