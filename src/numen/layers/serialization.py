"""keras.layers.serialize / deserialize: a layer to its `{module, class_name, config,
registered_name}` dict and back (the same entries a .keras file holds)."""

from __future__ import annotations


def serialize(layer) -> dict:
    """The config dict of `layer` (Keras 3's format), from which `deserialize` rebuilds it.

    >>> serialize(Dense(3))["class_name"]
    'Dense'
    """
    from numen import saving
    from numen.layers.base import Layer

    if not isinstance(layer, Layer):
        raise TypeError(f"serialize: `layer` must be a Layer, received {layer!r}")
    return saving.serialize_layer(layer)


def deserialize(config, custom_objects=None):
    """A new layer from `serialize` output (or a layer entry of a Keras config).

    Args:
        config: dict with 'class_name' and 'config'.
        custom_objects: optional {name: class} for layers numen does not know.

    >>> deserialize(serialize(Dense(3))).units
    3
    """
    from numen import saving

    if not isinstance(config, dict):
        raise TypeError(f"deserialize: `config` must be a dict with 'class_name' and 'config', "
                        f"received {config!r}")
    return saving.deserialize_layer(config, custom_objects)
