"""The one name -> class table used when loading, plus user registrations and scopes.

Loading never imports modules named in a file and never unpickles: a config's `class_name`
(or `registered_name`) is looked up here and nowhere else:

1. `custom_objects` passed to the loading function,
2. the `custom_object_scope` blocks being run (innermost first),
3. classes and functions registered with `register_keras_serializable` (`"package>Name"`),
4. numen's own classes, by the Keras module a file names (`keras.layers`, `keras.optimizers`...).

Anything else is an error.
"""

from __future__ import annotations

import contextvars
import functools

_custom: dict[str, object] = {}  # registered name -> class or function (get_custom_objects)
_names: dict[object, str] = {}  # class or function -> its registered name
_SCOPES = contextvars.ContextVar("numen_custom_object_scopes", default=())


def builtin_layers() -> dict[str, type]:
    return builtin_objects()["keras.layers"]


@functools.lru_cache(maxsize=1)
def _builtin_tables() -> dict[str, dict[str, type]]:
    from numen import (
        constraints,
        initializers,
        layers,
        losses,
        metrics,
        models,
        optimizers,
        regularizers,
    )
    from numen.optimizers import schedules

    def classes(module, base, names=None):
        names = names if names is not None else vars(module)
        return {name: getattr(module, name) for name in names if not name.startswith("_")
                and isinstance(getattr(module, name), type)
                and issubclass(getattr(module, name), base)}

    table = {"keras.layers": classes(layers, layers.Layer, layers.__all__)}
    table["keras.layers"].update(Sequential=models.Sequential, Functional=models.Functional,
                                 Model=models.Model)
    table["keras.optimizers"] = classes(optimizers, optimizers.Optimizer, optimizers.__all__)
    table["keras.optimizers.schedules"] = classes(schedules, schedules.LearningRateSchedule)
    table["keras.initializers"] = classes(initializers, initializers.Initializer)
    table["keras.regularizers"] = classes(regularizers, regularizers.Regularizer)
    table["keras.constraints"] = classes(constraints, constraints.Constraint)
    table["keras.losses"] = classes(losses, losses.Loss)
    table["keras.metrics"] = classes(metrics, metrics.Metric)
    return table


def builtin_objects() -> dict[str, dict[str, type]]:
    """`{keras module: {class name: numen class}}` for every class numen loads by name."""
    return _builtin_tables()


# Where Keras files put the classes of each table (its public and its source modules).
_MODULE_ALIASES = {"keras": "keras.layers", "keras.models": "keras.layers",
                   "keras.src.models.functional": "keras.layers",
                   "keras.src.models.sequential": "keras.layers"}


def keras_module_of(cls) -> str | None:
    """The Keras module a numen class is written under (`keras.layers`, ...), or None when
    the class is not one of numen's own."""
    for module, table in builtin_objects().items():
        if table.get(cls.__name__) is cls or any(v is cls for v in table.values()):
            return module
    return None


def exported_name(cls) -> str:
    """The class name Keras writes for a numen class: its Python name, or the public name it
    is exported under where the two differ (GroupedQueryAttention is `GroupQueryAttention`
    in keras.layers, and Keras files say so)."""
    for table in builtin_objects().values():
        if table.get(cls.__name__) is cls:
            return cls.__name__
        for name, value in table.items():
            if value is cls:
                return name
    return cls.__name__


def _table_for(module) -> dict | None:
    if not isinstance(module, str):
        return None
    module = _MODULE_ALIASES.get(module, module)
    tables = builtin_objects()
    if module in tables:
        return tables[module]
    for name in sorted(tables, key=len, reverse=True):
        # keras.src.layers.core.dense -> keras.layers
        if module.startswith(name.replace("keras.", "keras.src.") + "."):
            return tables[name]
    return None


def register_keras_serializable(package="Custom", name=None):
    """Decorator: make a class or function loadable by its registered name `package>name`.

    Args:
        package: the part before `>`; keeps names of different libraries apart.
        name: the part after `>`; defaults to the class's (function's) `__name__`.

    Raises:
        ValueError: `package` contains `>`, or a class without `get_config`.

    >>> @keras.saving.register_keras_serializable(package="my_lib")
    ... class Scale(keras.layers.Layer): ...
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"register_keras_serializable: package must be a string without "
                         f"'>', received {package!r}")

    def decorate(obj):
        short = name or getattr(obj, "__name__", None)
        if not isinstance(short, str):
            raise TypeError(f"register_keras_serializable: cannot register {obj!r}: it has no "
                            "__name__; pass name=")
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(f"register_keras_serializable: cannot register class "
                             f"{obj.__name__}: it has no get_config() method")
        key = f"{package}>{short}"
        _custom[key] = obj
        _names[obj] = key
        return obj

    return decorate


def get_registered_name(obj) -> str:
    """The name `obj` (a class or function) is saved under: `package>name` when registered,
    else its `__name__`. A subclass of a registered class is not registered.

    >>> keras.saving.get_registered_name(keras.layers.Dense)
    'Dense'
    """
    try:
        if obj in _names:
            return _names[obj]
    except TypeError:  # unhashable
        pass
    return getattr(obj, "__name__", type(obj).__name__)


def get_custom_objects() -> dict:
    """The global table of registered objects, `{registered name: class or function}`.
    Adding to it registers an object (under the key given).

    >>> keras.saving.get_custom_objects()["my_lib>Scale"] = Scale
    """
    return _custom


def scoped_objects() -> dict:
    """The objects of the `custom_object_scope` blocks being run (innermost wins)."""
    out: dict = {}
    for scope in _SCOPES.get():
        out.update(scope)
    return out


class CustomObjectScope:
    """Within this `with` block, the given objects load by name as if registered.

    Args:
        custom_objects: a dict `{name: class or function}` (several dicts may be given).

    >>> with keras.saving.custom_object_scope({"Scale": Scale}):
    ...     model = keras.saving.load_model("model.keras")
    """

    def __init__(self, custom_objects=None, *more):
        objects = {}
        for d in (custom_objects, *more):
            if d is None:
                continue
            if not isinstance(d, dict):
                raise TypeError(f"CustomObjectScope: custom_objects must be a dict of "
                                f"{{name: object}}, received {type(d).__name__}")
            objects.update(d)
        self.custom_objects = objects
        self._tokens = []

    def __enter__(self):
        self._tokens.append(_SCOPES.set(_SCOPES.get() + (self.custom_objects,)))
        return self

    def __exit__(self, *exc_info):
        _SCOPES.reset(self._tokens.pop())


custom_object_scope = CustomObjectScope


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class or function registered (or scoped, or passed) under `name`, or None.

    Looks in the `custom_object_scope` blocks being run, the global registrations,
    `custom_objects`, then `module_objects`.

    >>> keras.saving.get_registered_object("my_lib>Scale")
    <class 'Scale'>
    """
    for table in (scoped_objects(), _custom, custom_objects or {}, module_objects or {}):
        if isinstance(name, str) and name in table:
            return table[name]
    return None


def find_custom(names, custom_objects=None):
    """The first of `names` found in `custom_objects`, the scopes, then the registrations."""
    for table in (custom_objects or {}, scoped_objects(), _custom):
        for key in names:
            if isinstance(key, str) and key in table:
                return table[key]
    return None


def lookup(class_name: str, registered_name=None, custom_objects=None, module=None,
           what: str = "layer class"):
    """The class a config names: user objects first, then numen's own (by `module` when it
    names a known Keras module, else layers first). ValueError when there is none."""
    found = find_custom((registered_name, class_name), custom_objects)
    if found is not None:
        return found
    table = _table_for(module)
    if table is not None and class_name in table:
        return table[class_name]
    if table is None:
        for candidate in builtin_objects().values():
            if class_name in candidate:
                return candidate[class_name]
    raise ValueError(f"Unknown {what} {class_name!r}"
                     + (f" (module {module!r})" if module else "")
                     + ": not a numen class and not registered; pass it in custom_objects=, "
                     "use keras.saving.custom_object_scope, or decorate it with "
                     "@keras.saving.register_keras_serializable()")
