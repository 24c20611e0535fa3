"""Optimizers with Keras's names and defaults; `get('adam')` resolves strings and configs."""

from numen.optimizers.adam import Adam, AdamW
from numen.optimizers.base import Optimizer
from numen.optimizers.sgd import SGD

_BY_NAME = {
    "sgd": SGD,
    "adam": Adam,
    "adamw": AdamW,
}
_BY_CLASS = {cls.__name__: cls for cls in _BY_NAME.values()}


def get(identifier) -> Optimizer:
    """An Optimizer from a name ('adam'), a config dict, or an instance (returned as is)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower()) or _BY_CLASS.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown optimizer {identifier!r}; expected one of "
                             f"{sorted(_BY_NAME)} or an Optimizer instance")
        return cls()
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        cls = _BY_CLASS.get(name) or _BY_NAME.get(str(name).lower())
        if cls is None:
            raise ValueError(f"Unknown optimizer class {name!r}")
        return cls.from_config(identifier.get("config", {}))
    raise TypeError(f"optimizer must be a string, dict or Optimizer, received {identifier!r}")


def serialize(optimizer) -> dict:
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


deserialize = get

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "get", "serialize", "deserialize"]
