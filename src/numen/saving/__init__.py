"""Saving and loading: configs, Keras-compatible files (see the modules for each format)."""

from numen.saving.registry import register_keras_serializable
from numen.saving.serialization import deserialize_layer, serialize_layer

__all__ = ["deserialize_layer", "register_keras_serializable", "serialize_layer"]
