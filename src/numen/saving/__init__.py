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
from numen.saving.registry import get_registered_name, register_keras_serializable
from numen.saving.serialization import deserialize_layer, serialize_layer

__all__ = ["clone_model", "deserialize_layer", "get_registered_name", "load_model",
           "load_weights", "model_from_config", "model_from_json", "register_keras_serializable",
           "save_model", "save_weights", "serialize_layer"]
