"""Layer configs in Keras 3's layout: {module, class_name, config, registered_name}."""

from __future__ import annotations

import inspect

from numen.saving.registry import get_registered_name, lookup

_REFUSED = {"Lambda", "TFOpLambda", "SlicingOpLambda"}
# Arguments newer Keras versions write that numen does not take; dropped only while they hold
# these neutral values (anything else would change the layer, so it is left to fail loudly).
_NEUTRAL_KEYS = {"quantization_config": None, "lora_rank": None, "lora_alpha": None,
                 "optional": False, "ragged": False, "input_axes": None, "output_axes": None,
                 "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99,
                 "sliding_window": None, "use_gate": False}


def _class_name(layer) -> str:
    from numen.models import Model

    if type(layer) is Model and getattr(layer, "_graph", None) is not None:
        return "Functional"
    return type(layer).__name__


def serialize_layer(layer) -> dict:
    """`{module, class_name, config, registered_name}` for a layer or model."""
    name = _class_name(layer)
    entry = {"module": "keras.layers", "class_name": name, "config": layer.get_config(),
             "registered_name": get_registered_name(type(layer))}
    if name == "Sequential":
        entry["module"] = "keras"
        entry["registered_name"] = None
    elif name == "Functional":
        entry["module"] = "keras.src.models.functional"
        entry["registered_name"] = "Functional"
    elif entry["registered_name"] == name:
        entry["registered_name"] = None
    return entry


def deserialize_layer(spec: dict, custom_objects=None):
    """A new layer or model from `serialize_layer` output (or a Keras 3 / tf.keras 2 config).

    Raises:
        ValueError: not a config, an unknown class, or a Lambda layer (its code is not
            stored as data, and loading never executes code from a file).
    """
    if not isinstance(spec, dict) or "class_name" not in spec:
        raise ValueError(f"Not a layer config (expected a dict with 'class_name'): {spec!r}")
    class_name = spec["class_name"]
    if class_name in _REFUSED and class_name not in (custom_objects or {}):
        raise ValueError(f"Refusing to load a {class_name} layer: its Python code would have "
                         "to be executed; rebuild the model in code or replace the Lambda with "
                         "a registered custom layer (keras.saving.register_keras_serializable)")
    cls = lookup(class_name, spec.get("registered_name"), custom_objects)
    config = _drop_neutral(cls, _clean_nested(dict(spec.get("config", {}))))
    if class_name == "InputLayer":
        config = _input_layer_config(config)
    if hasattr(cls, "from_config"):
        try:
            return cls.from_config(config, custom_objects=custom_objects)
        except TypeError as exc:
            if "custom_objects" not in str(exc):
                raise
            return cls.from_config(config)
    return cls(**config)


def _input_layer_config(config: dict) -> dict:
    """Keep the InputLayer arguments numen knows (Keras adds `ragged`, `optional`)."""
    out = {k: config[k] for k in ("batch_shape", "dtype", "sparse", "name") if k in config}
    if "batch_shape" not in out:
        shape = config.get("batch_input_shape") or config.get("batch_shape")
        if shape is not None:
            out["batch_shape"] = shape
    if isinstance(out.get("dtype"), dict):
        out["dtype"] = out["dtype"].get("config", {}).get("name")
    return out


def _accepted(cls) -> set[str]:
    try:
        return set(inspect.signature(cls.__init__).parameters)
    except (TypeError, ValueError):
        return set()


def _drop_neutral(cls, config: dict) -> dict:
    accepted = _accepted(cls)
    return {k: v for k, v in config.items()
            if k in accepted or k not in _NEUTRAL_KEYS or v != _NEUTRAL_KEYS[k]}


def _clean_nested(value):
    """Drop neutral newer-Keras keys inside nested initializer/regularizer configs."""
    if isinstance(value, dict):
        out = {k: _clean_nested(v) for k, v in value.items()}
        if str(out.get("module", "")).startswith("keras.initializers") and \
                isinstance(out.get("config"), dict):
            out["config"] = {k: v for k, v in out["config"].items()
                             if k not in _NEUTRAL_KEYS or v != _NEUTRAL_KEYS[k]}
        return out
    if isinstance(value, list):
        return [_clean_nested(v) for v in value]
    return value
