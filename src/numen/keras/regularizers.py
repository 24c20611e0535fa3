"""`keras.regularizers`: numen.regularizers under its Keras name, plus serialize/deserialize."""

import numen.regularizers as _source
from numen.saving import objects as _objects
from numen.saving import registry as _registry

globals().update({k: v for k, v in vars(_source).items() if not k.startswith("_")})


def serialize(regularizer):
    """`regularizer` as a Keras 3 config dict (as keras.saving.serialize_keras_object)."""
    return _objects.serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    """The regularizer a config (or a name) describes; numen's own regularizers by name first."""
    table = _registry.builtin_objects()["keras.regularizers"]
    if isinstance(config, str):
        return get(config)  # noqa: F821 (numen.regularizers.get, copied above)
    return _objects.deserialize_keras_object(config, custom_objects={**table,
                                                                     **(custom_objects or {})})
