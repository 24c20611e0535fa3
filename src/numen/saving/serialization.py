"""Layer configs in Keras 3's layout: {module, class_name, config, registered_name}."""

from __future__ import annotations

from numen.saving.registry import get_registered_name, lookup


def serialize_layer(layer) -> dict:
    config = layer.get_config()
    entry = {"module": "keras.layers", "class_name": type(layer).__name__, "config": config,
             "registered_name": get_registered_name(type(layer))}
    if type(layer).__name__ in ("Sequential",):
        entry["module"] = "keras"
    if getattr(layer, "built", False) and getattr(layer, "_build_shape", None) is not None:
        entry["build_config"] = {"input_shape": list(layer._build_shape)}
    return entry


def deserialize_layer(spec: dict, custom_objects=None):
    if not isinstance(spec, dict) or "class_name" not in spec:
        raise ValueError(f"Not a layer config: {spec!r}")
    cls = lookup(spec["class_name"], spec.get("registered_name"), custom_objects)
    config = dict(spec.get("config", {}))
    if hasattr(cls, "from_config"):
        try:
            return cls.from_config(config, custom_objects=custom_objects)
        except TypeError:
            return cls.from_config(config)
    return cls(**config)
