"""`keras.utils`."""

# Settings and helpers Keras also lists under keras.utils (the same objects as elsewhere).
from numen.backend import standardize_dtype  # noqa: E402, F401
from numen.callbacks.progbar import Progbar  # noqa: E402, F401
from numen.config import (  # noqa: E402, F401
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from numen.keras.backend import clear_session, is_keras_tensor  # noqa: E402, F401
from numen.models.function import get_source_inputs  # noqa: E402, F401
from numen.utils import *  # noqa: F401,F403
