"""`keras.utils`."""

from numen.keras.legacy import saving as legacy  # noqa: F401 (keras.utils.legacy)
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
from numen.utils.config import Config  # noqa: F401
