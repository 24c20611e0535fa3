"""A model's compile settings as JSON (Keras 3's `compile_config`) and back."""

from __future__ import annotations

from numen import losses, metrics, optimizers
from numen.saving import objects, registry


def _is_user_object(value) -> bool:
    """A registered function, or an instance of a class that is not numen's own."""
    if callable(value) and not hasattr(value, "get_config"):
        return ">" in registry.get_registered_name(value)
    return hasattr(value, "get_config") and registry.keras_module_of(type(value)) is None


def _encode(value, module):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_encode(v, module) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v, module) for k, v in value.items()}
    if _is_user_object(value):
        return objects.serialize_keras_object(value)
    return module.serialize(value)


def serialize(model) -> dict:
    """The compile arguments of `model` with every object written as a config dict."""
    raw = getattr(model, "_compile_config", {}) or {}
    return {"optimizer": optimizers.serialize(model.optimizer),
            "loss": _encode(raw.get("loss"), losses),
            "loss_weights": raw.get("loss_weights"),
            "metrics": _encode(raw.get("metrics"), metrics),
            "weighted_metrics": _encode(raw.get("weighted_metrics"), metrics),
            "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


def _decode(value, module, custom_objects):
    if value is None or isinstance(value, (int, float, bool)):
        return value
    if isinstance(value, str):
        found = registry.find_custom((value,), custom_objects)
        return found if found is not None else value
    if isinstance(value, list):
        return [_decode(v, module, custom_objects) for v in value]
    if isinstance(value, dict) and "class_name" in value:
        # User objects: custom_objects, custom_object_scope, then registered names.
        names = (value.get("registered_name"), value["class_name"])
        if value["class_name"] == "function":
            names = (value.get("config"),)
        found = registry.find_custom(names, custom_objects)
        if found is not None:
            return found.from_config(value.get("config", {})) if isinstance(found, type) \
                else found
        if value["class_name"] == "function":
            return objects.deserialize_keras_object(value, custom_objects)
        return module.deserialize(value)
    if isinstance(value, dict):
        return {k: _decode(v, module, custom_objects) for k, v in value.items()}
    return value


def apply(model, config: dict, custom_objects=None) -> None:
    """Compile `model` with settings from `serialize`."""
    model.compile(optimizer=optimizers.get(config.get("optimizer") or "rmsprop"),
                  loss=_decode(config.get("loss"), losses, custom_objects),
                  loss_weights=config.get("loss_weights"),
                  metrics=_decode(config.get("metrics"), metrics, custom_objects),
                  weighted_metrics=_decode(config.get("weighted_metrics"), metrics,
                                           custom_objects))
