"""Any Keras object as a JSON-ready config and back: `keras.saving.serialize_keras_object`
and `deserialize_keras_object`, in Keras 3's layout, plus the tf.keras 2 ("legacy") layout.

An object with `get_config` becomes `{"module", "class_name", "config", "registered_name"}`;
a function `{"module": "builtins", "class_name": "function", "config": name, ...}`; arrays
and bytes are tagged `__numpy__`, `__tensor__` and `__bytes__`. Deserializing instantiates
only classes from numen's table, registered ones and `custom_objects`/`custom_object_scope`
(see registry.py): the `module` field is never imported and no stored code is run.
"""

from __future__ import annotations

import types

import numpy as np

from numen.saving import registry
from numen.saving.serialization import (
    _drop_neutral,
    deserialize_layer,
    safe_mode_scope,
    serialize_layer,
)


def _is_layer(obj) -> bool:
    from numen.layers import Layer

    return isinstance(obj, Layer) or isinstance(obj, type) and issubclass(obj, Layer)


def _array_entry(obj) -> dict | None:
    from numen.autodiff import Tensor

    if isinstance(obj, np.ndarray):
        return {"class_name": "__numpy__",
                "config": {"value": obj.tolist(), "dtype": str(obj.dtype)}}
    if isinstance(obj, Tensor) or hasattr(obj, "__cuda_array_interface__"):
        from numen import backend

        value = backend.to_numpy(obj.data if isinstance(obj, Tensor) else obj)
        return {"class_name": "__tensor__",
                "config": {"value": value.tolist(), "dtype": str(value.dtype)}}
    return None


def serialize_keras_object(obj):
    """`obj` as a JSON-ready structure in Keras 3's format.

    Plain values, lists, tuples (as lists) and dicts are kept, each item serialized; an
    object with `get_config` becomes `{"module", "class_name", "config", "registered_name"}`;
    a function is written by its (registered) name.

    Raises:
        TypeError: an object without `get_config`, a class, or a `lambda` (which has no name
            to be found by: register a named function instead).

    >>> serialize_keras_object(keras.regularizers.L2(0.1))
    {'module': 'keras.regularizers', 'class_name': 'L2', 'config': {'l2': 0.1}, \
'registered_name': None}
    """
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    array = _array_entry(obj)
    if array is not None:
        return array
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(v) for v in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, type):
        raise TypeError(f"serialize_keras_object: cannot serialize the class {obj.__name__}; "
                        "pass an instance")
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
        if getattr(obj, "__name__", "") == "<lambda>":
            raise TypeError("serialize_keras_object: cannot serialize a lambda: numen writes "
                            "functions by name; use a named function registered with "
                            "keras.saving.register_keras_serializable()")
        return {"module": "builtins", "class_name": "function",
                "config": registry.get_registered_name(obj), "registered_name": "function"}
    if _is_layer(obj):
        return serialize_layer(obj)
    if not hasattr(obj, "get_config"):
        raise TypeError(f"serialize_keras_object: cannot serialize {_short(obj)} of type "
                        f"{type(obj).__name__}: to be serializable, a class must implement "
                        "get_config()")
    cls = type(obj)
    module = registry.keras_module_of(cls)
    config = serialize_keras_object(obj.get_config())
    if module is not None:
        return {"module": module, "class_name": cls.__name__, "config": config,
                "registered_name": None}
    return {"module": cls.__module__, "class_name": cls.__name__, "config": config,
            "registered_name": registry.get_registered_name(cls)}


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object a `serialize_keras_object` config describes.

    Args:
        config: what `serialize_keras_object` returned (or a tf.keras 2 style
            `{"class_name", "config"}` dict, or a plain value).
        custom_objects: `{name: class or function}` for user classes.
        safe_mode: when True, Lambda layers are refused (see `keras.saving.load_model`).
        **kwargs: accepted for compatibility (`module_objects`: more `{name: object}`).

    Raises:
        ValueError: an unknown or unregistered class or function, or a stored `lambda`
            (Python bytecode is never run).
        TypeError: `config` is not a value a serialized object can be.

    >>> deserialize_keras_object({"module": "keras.regularizers", "class_name": "L2",
    ...                           "config": {"l2": 0.1}, "registered_name": None})
    <numen.regularizers.L2 object at ...>
    """
    objects = {**(kwargs.get("module_objects") or {}), **(custom_objects or {})}
    with safe_mode_scope(safe_mode):
        return _deserialize(config, objects)


def _deserialize(config, objects):
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        found = registry.find_custom((config,), objects)
        return config if found is None else found
    if isinstance(config, (list, tuple)):
        return [_deserialize(v, objects) for v in config]
    if not isinstance(config, dict):
        raise TypeError(f"deserialize_keras_object: cannot parse config {_short(config)}")
    if "class_name" not in config or "config" not in config:
        return {k: _deserialize(v, objects) for k, v in config.items()}
    class_name, inner = config["class_name"], config["config"]
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__tensor__":
        from numen.autodiff import as_tensor

        return as_tensor(np.array(inner["value"], dtype=inner["dtype"]))
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__lambda__":
        raise ValueError("deserialize_keras_object: refusing a Python lambda stored as "
                         "bytecode: numen never runs code from a file; pass the function "
                         "itself (custom_objects=) and save a named function instead")
    if class_name == "function":
        return _function(inner, config, objects)
    if not isinstance(class_name, str):
        raise TypeError(f"deserialize_keras_object: class_name must be a string, received "
                        f"{_short(class_name)}")
    registered = config.get("registered_name")
    module = config.get("module")
    if class_name in ("DTypePolicy", "FloatDTypePolicy") and \
            registry.find_custom((registered, class_name), objects) is None:
        try:
            cls = registry.lookup(class_name, registered, objects, module, "class")
        except ValueError:  # numen keeps a layer's dtype as a name
            return inner.get("name") if isinstance(inner, dict) else inner
    else:
        cls = registry.lookup(class_name, registered, objects, module, "class")
    if _is_layer(cls):
        layer = deserialize_layer(config, custom_objects=objects)
        _build(layer, config.get("build_config"))
        return layer
    if not isinstance(cls, type):
        return cls  # a registered function or object stored under a class entry
    if isinstance(inner, dict):
        inner = _drop_neutral(cls, inner)
    if hasattr(cls, "from_config"):
        return cls.from_config(inner)
    return cls(**inner)


def _build(layer, build_config) -> None:
    shape = (build_config or {}).get("input_shape") if isinstance(build_config, dict) else None
    if shape is not None and not getattr(layer, "built", False):
        layer.build(tuple(shape))


def _function(name, config, objects):
    """A function stored by name: a user one, else one of numen's activations or losses."""
    found = registry.find_custom((name,), objects)
    if found is not None:
        return found
    if isinstance(name, str):
        from numen import activations, losses

        for get in (activations.get, losses.get):
            try:
                fn = get(name)
            except (ValueError, TypeError):
                continue
            if callable(fn) and not isinstance(fn, type):
                return _keras_face(fn)
    raise ValueError(f"deserialize_keras_object: unknown function {_short(name)}: not a "
                     "numen activation or loss and not registered; pass it in "
                     "custom_objects= or register it with "
                     "@keras.saving.register_keras_serializable()")


def _keras_face(fn):
    """keras.activations' face of a numen activation (it also records itself on symbolic
    tensors, as what Keras deserializes does), else `fn`."""
    from numen.keras import activations as faces

    face = getattr(faces, getattr(fn, "__name__", ""), None)
    return face if getattr(face, "numen_function", None) is fn else fn


def _short(value, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


# --- tf.keras 2's layout: {"class_name", "config"}, registered classes by "package>Name" ----


def legacy_serialize_keras_object(instance):
    """`instance` in tf.keras 2's layout: `{"class_name", "config"}` (a registered class is
    named `package>Name`); a function is written as its name.

    >>> legacy_serialize_keras_object(keras.regularizers.L2(0.1))
    {'class_name': 'L2', 'config': {'l2': 0.1}}
    """
    if instance is None:
        return None
    if not hasattr(instance, "get_config"):
        if callable(instance):
            return registry.get_registered_name(instance)
        raise ValueError(f"legacy serialize_keras_object: cannot serialize {_short(instance)}")
    entry = serialize_keras_object(instance)
    name = registry.get_registered_name(type(instance))
    return {"class_name": name if ">" in name else entry["class_name"],
            "config": entry["config"]}


def legacy_deserialize_keras_object(identifier, module_objects=None, custom_objects=None,
                                    printable_module_name="object"):
    """The object a tf.keras 2 style config (or a name) describes, found in
    `custom_objects`, the scopes, the registrations, then `module_objects`.

    Raises:
        ValueError: the name is unknown (numen's own classes are not searched: pass
            `module_objects`, as tf.keras 2 needs).

    >>> legacy_deserialize_keras_object({"class_name": "L2", "config": {"l2": 0.1}},
    ...                                 module_objects={"L2": keras.regularizers.L2})
    <numen.regularizers.L2 object at ...>
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        name, inner = identifier.get("class_name"), identifier.get("config", {})
    elif isinstance(identifier, str):
        name, inner = identifier, None
    else:
        raise ValueError(f"Could not interpret serialized {printable_module_name}: "
                         f"{_short(identifier)}")
    found = registry.find_custom((name,), custom_objects)
    if found is None and name in (module_objects or {}):
        found = module_objects[name]
    if found is None:
        raise ValueError(f"Unknown {printable_module_name}: {name!r}; pass it in "
                         "custom_objects= or use keras.saving.custom_object_scope")
    if inner is None:
        return found() if isinstance(found, type) else found
    if _is_layer(found):
        return deserialize_layer({"class_name": name, "config": inner},
                                 custom_objects={name: found})
    if isinstance(found, type):
        return found.from_config(inner) if hasattr(found, "from_config") else found(**inner)
    return found
