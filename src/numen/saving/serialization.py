"""Layer configs in Keras 3's layout: {module, class_name, config, registered_name}.

Loading never runs code stored in a file. A Lambda layer's function is written as a reference
by name, and read back only with `safe_mode=False` and the function itself passed in
`custom_objects`; Python bytecode (what Keras writes for a `lambda`) is never unmarshalled.
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect

from numen.saving.registry import exported_name, get_registered_name, keras_module_of, lookup

_REFUSED = {"TFOpLambda", "SlicingOpLambda"}
_SAFE_MODE = contextvars.ContextVar("numen_saving_safe_mode", default=True)


@contextlib.contextmanager
def safe_mode_scope(safe_mode: bool = True):
    """Within the block, `deserialize_layer` (and the models it rebuilds) use `safe_mode`."""
    token = _SAFE_MODE.set(safe_mode is not False)
    try:
        yield
    finally:
        _SAFE_MODE.reset(token)
# Arguments newer Keras versions write that numen does not take; dropped only while they hold
# these neutral values (anything else would change the layer, so it is left to fail loudly).
_NEUTRAL_KEYS = {"quantization_config": None, "lora_rank": None, "lora_alpha": None,
                 "optional": False, "ragged": False, "input_axes": None, "output_axes": None,
                 "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99,
                 "sliding_window": None, "use_gate": False}


def _class_name(layer) -> str:
    from numen.models import Functional

    if type(layer) is Functional:
        return "Functional"
    return exported_name(type(layer))


def serialize_layer(layer) -> dict:
    """`{module, class_name, config, registered_name}` for a layer or model."""
    name = _class_name(layer)
    entry = {"module": "keras.layers", "class_name": name,
             "config": serialize_values(layer.get_config()), "registered_name": None}
    cls = type(layer)
    if keras_module_of(cls) is None and not cls.__module__.startswith("numen."):
        # A user class: Keras writes its Python module and its (registered) name.
        entry["module"] = cls.__module__
        entry["registered_name"] = get_registered_name(cls)
    # Graph models rebuild their layers by replaying the calls; a layer (or model) that says
    # how it is built (get_build_config of its own) has that recorded for build_from_config.
    build_config = layer.get_build_config() if _defines(layer, "get_build_config") else None
    if build_config is not None:
        entry["build_config"] = serialize_values(build_config)
    if name == "Lambda":
        entry["config"] = _lambda_config(layer, entry["config"])
    if name == "Sequential":
        entry["module"] = "keras"
        entry["registered_name"] = None
    elif name == "Functional":
        entry["module"] = "keras.src.models.functional"
        entry["registered_name"] = "Functional"
    return entry


def _defines(layer, hook: str) -> bool:
    from numen.layers.saving_hooks import SavingHooks

    return getattr(type(layer), hook) is not getattr(SavingHooks, hook)


def serialize_values(config):
    """A config whose values may hold Keras objects (a user layer's get_config returning a
    sub-layer or an initializer), with each such object serialized, as Keras writes it."""
    from numen.saving.objects import serialize_keras_object

    if isinstance(config, dict):
        return {k: serialize_values(v) for k, v in config.items()}
    if isinstance(config, (list, tuple)):
        return [serialize_values(v) for v in config] if isinstance(config, list) \
            else tuple(serialize_values(v) for v in config)
    if config is None or isinstance(config, (bool, int, float, str)):
        return config
    return serialize_keras_object(config)


def deserialize_layer(spec: dict, custom_objects=None):
    """A new layer or model from `serialize_layer` output (or a Keras 3 / tf.keras 2 config).

    Raises:
        ValueError: not a config, an unknown class, or a Lambda layer in safe mode or
            without its function in `custom_objects` (loading never executes code from a
            file).
    """
    if not isinstance(spec, dict) or "class_name" not in spec:
        raise ValueError(f"Not a layer config (expected a dict with 'class_name'): "
                         f"{_short(spec)}")
    class_name = spec["class_name"]
    if not isinstance(class_name, str):
        raise ValueError(f"A layer config's class_name must be a string, received "
                         f"{_short(class_name)}")
    if class_name in _REFUSED and class_name not in (custom_objects or {}):
        raise ValueError(f"Refusing to load a {class_name} layer: its Python code would have "
                         "to be executed; rebuild the model in code or replace it with "
                         "a registered custom layer (keras.saving.register_keras_serializable)")
    cls = lookup(class_name, spec.get("registered_name"), custom_objects, spec.get("module"))
    raw = spec.get("config", {})
    if not isinstance(raw, dict):
        raise ValueError(f"The config of a {class_name} layer must be a dict, received "
                         f"{_short(raw)}")
    config = _drop_neutral(cls, _clean_nested(dict(raw)))
    if class_name == "Lambda" and "Lambda" not in (custom_objects or {}):
        config = _lambda_from_config(config, custom_objects)
    if class_name == "InputLayer":
        config = _input_layer_config(config)
    layer = _from_config(cls, config, custom_objects)
    if spec.get("build_config") and not layer.built:
        layer.build_from_config(spec["build_config"])
    return layer


def _from_config(cls, config: dict, custom_objects):
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


def _short(value, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _lambda_config(layer, config: dict) -> dict:
    """A Lambda's config with its function written as a reference by name, as Keras 3 writes
    a named function. A `lambda` has no usable name: it is written as `<lambda>` and reloads
    only with the function passed under the layer's name."""
    fn = layer.function
    ref = {"module": getattr(fn, "__module__", None) or "builtins", "class_name": "function",
           "config": getattr(fn, "__name__", type(fn).__name__), "registered_name": "function"}
    return {**config, "function": ref, "arguments": dict(layer.arguments)}


def _lambda_from_config(config: dict, custom_objects) -> dict:
    """Resolve a Lambda's `function` (and `output_shape`/`mask` when they are functions)
    from `custom_objects`; refuse in safe mode."""
    layer = config.get("name", "lambda")
    if _SAFE_MODE.get():
        raise ValueError(
            f"Refusing to load Lambda layer {layer!r} in safe mode: a Lambda runs arbitrary "
            "Python code. If you trust the file, pass safe_mode=False and the function in "
            f"custom_objects (custom_objects={{{_function_key(config.get('function'), layer)!r}"
            ": fn})")
    out = dict(config)
    out["function"] = _resolve_function(config.get("function"), layer, custom_objects,
                                        "function")
    for key in ("output_shape", "mask"):
        if isinstance(config.get(key), dict):
            out[key] = _resolve_function(config[key], layer, custom_objects, key)
    if not isinstance(out.get("arguments") or {}, dict):
        raise ValueError(f"Lambda layer {layer!r}: 'arguments' must be a dict, received "
                         f"{_short(out['arguments'])}")
    return out


def _function_key(spec, layer: str) -> str:
    if isinstance(spec, dict) and spec.get("class_name") == "function" and \
            isinstance(spec.get("config"), str) and spec["config"] != "<lambda>":
        return spec["config"]
    return layer


def _resolve_function(spec, layer: str, custom_objects, what: str):
    """The callable for a serialized function, looked up by name in `custom_objects` only."""
    objects = custom_objects or {}
    names = [_function_key(spec, layer), layer]
    if isinstance(spec, str):
        names.insert(0, spec)
    if isinstance(spec, dict) and isinstance(spec.get("registered_name"), str):
        names.append(spec["registered_name"])
    for name in names:
        if name in objects and callable(objects[name]):
            return objects[name]
    if isinstance(spec, dict) and spec.get("class_name") == "__lambda__":
        why = (f"its {what} was saved as Python bytecode (a `lambda`), which numen never "
               "unmarshals or runs")
    else:
        why = f"its {what} is stored by name only ({_short(spec)})"
    raise ValueError(f"Cannot load Lambda layer {layer!r}: {why}; pass the function itself: "
                     f"custom_objects={{{names[0]!r}: fn}}")
