"""`keras.utils`."""

# Settings and helpers Keras also lists under keras.utils (the same objects as elsewhere).
from numen.backend import standardize_dtype  # noqa: F401
from numen.callbacks.progbar import Progbar  # noqa: F401
from numen.config import (  # noqa: F401
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from numen.keras.backend import clear_session, is_keras_tensor  # noqa: F401
from numen.keras.legacy import saving as legacy  # noqa: F401 (keras.utils.legacy)
from numen.models.function import get_source_inputs  # noqa: F401
from numen.saving import (  # noqa: F401
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)
from numen.utils import *  # noqa: F401,F403
from numen.utils import bounding_boxes  # noqa: F401 (keras.utils.bounding_boxes)
from numen.utils.config import Config  # noqa: F401
