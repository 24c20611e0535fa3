"""`keras.models`: model classes, loading and cloning."""

from numen.models import Model, Sequential  # noqa: F401
from numen.saving import (  # noqa: F401
    clone_model,
    load_model,
    model_from_config,
    model_from_json,
    save_model,
)
