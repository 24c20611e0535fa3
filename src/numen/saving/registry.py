"""The one name -> class table used when loading, plus user registrations.

Loading never imports modules named in a file and never unpickles: a config's `class_name` is
looked up here (or in `custom_objects`), and anything else is an error.
"""

from __future__ import annotations

from numen import layers as layers_module

_custom: dict[str, type] = {}


def builtin_layers() -> dict[str, type]:
    from numen import models

    table = {name: getattr(layers_module, name) for name in layers_module.__all__
             if isinstance(getattr(layers_module, name), type)}
    table["Sequential"] = models.Sequential
    table["Functional"] = models.Model
    table["Model"] = models.Model
    return table


def register_keras_serializable(package="Custom", name=None):
    """Decorator: make a user class loadable by name (`package>name`)."""

    def decorate(cls):
        key = f"{package}>{name or cls.__name__}"
        _custom[key] = cls
        _custom[name or cls.__name__] = cls
        cls._registered_name = key
        return cls

    return decorate


def get_registered_name(cls) -> str:
    # Read from the class itself: a subclass of a registered class is not registered.
    return cls.__dict__.get("_registered_name", cls.__name__)


def lookup(class_name: str, registered_name=None, custom_objects=None):
    for table in (custom_objects or {}, _custom):
        for key in (registered_name, class_name):
            if key and key in table:
                return table[key]
    cls = builtin_layers().get(class_name)
    if cls is None:
        raise ValueError(f"Unknown layer class {class_name!r}: not a numen layer and not "
                         "registered; pass it in custom_objects= or decorate it with "
                         "@keras.saving.register_keras_serializable()")
    return cls
