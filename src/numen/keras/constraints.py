"""`keras.constraints`: numen.constraints under its Keras name, plus serialize/deserialize."""

import numen.constraints as _source
from numen.saving import objects as _objects
from numen.saving import registry as _registry

globals().update({k: v for k, v in vars(_source).items() if not k.startswith("_")})


def serialize(constraint):
    """`constraint` as a Keras 3 config dict (as keras.saving.serialize_keras_object)."""
    return _objects.serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    """The constraint a config (or a name) describes; numen's own constraints by name first."""
    table = _registry.builtin_objects()["keras.constraints"]
    if isinstance(config, str):
        return get(config)  # noqa: F821 (numen.constraints.get, copied above)
    return _objects.deserialize_keras_object(config, custom_objects={**table,
                                                                     **(custom_objects or {})})
