"""Saving and loading: configs, Keras-compatible files (see the modules for each format)."""

from numen.saving.api import (
    clone_model,
    load_model,
    load_weights,
    model_from_config,
    model_from_json,
    save_model,
    save_weights,
)
from numen.saving.file_editor import KerasFileEditor
from numen.saving.objects import deserialize_keras_object, serialize_keras_object
from numen.saving.registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from numen.saving.serialization import deserialize_layer, serialize_layer

__all__ = ["CustomObjectScope", "KerasFileEditor", "clone_model", "custom_object_scope",
           "deserialize_keras_object", "deserialize_layer", "get_custom_objects",
           "get_registered_name", "get_registered_object", "load_model", "load_weights",
           "model_from_config", "model_from_json", "register_keras_serializable",
           "save_model", "save_weights", "serialize_keras_object", "serialize_layer"]
