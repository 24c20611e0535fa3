"""`keras.initializers`: numen.initializers under its Keras name, plus serialize/deserialize."""

import numen.initializers as _source
from numen.saving import objects as _objects
from numen.saving import registry as _registry

globals().update({k: v for k, v in vars(_source).items() if not k.startswith("_")})


def serialize(initializer):
    """`initializer` as a Keras 3 config dict (as keras.saving.serialize_keras_object)."""
    return _objects.serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """The initializer a config (or a name) describes; numen's own initializers by name first."""
    table = _registry.builtin_objects()["keras.initializers"]
    if isinstance(config, str):
        return get(config)  # noqa: F821 (numen.initializers.get, copied above)
    return _objects.deserialize_keras_object(config, custom_objects={**table,
                                                                     **(custom_objects or {})})
