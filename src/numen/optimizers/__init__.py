"""Optimizers with Keras's names and defaults; `get('adam')` resolves strings and configs."""

from numen.optimizers import legacy, schedules
from numen.optimizers.adadelta import Adadelta
from numen.optimizers.adafactor import Adafactor
from numen.optimizers.adagrad import Adagrad
from numen.optimizers.adam import Adam, AdamW
from numen.optimizers.adamax import Adamax
from numen.optimizers.base import Optimizer
from numen.optimizers.ftrl import Ftrl
from numen.optimizers.lamb import Lamb
from numen.optimizers.lion import Lion
from numen.optimizers.loss_scale import LossScaleOptimizer
from numen.optimizers.multi import MultiOptimizer, OptimizerMap
from numen.optimizers.muon import Muon
from numen.optimizers.nadam import Nadam
from numen.optimizers.rmsprop import RMSprop
from numen.optimizers.schedule_free import ScheduleFreeAdamW
from numen.optimizers.sgd import SGD

_BY_NAME = {
    "sgd": SGD,
    "adam": Adam,
    "adamw": AdamW,
    "rmsprop": RMSprop,
    "adagrad": Adagrad,
    "adadelta": Adadelta,
    "adamax": Adamax,
    "nadam": Nadam,
    "lion": Lion,
    "ftrl": Ftrl,
    "adafactor": Adafactor,
    "muon": Muon,
    "schedulefreeadamw": ScheduleFreeAdamW,
}
# Loadable from a config by class name, though (as in Keras) not by a short string.
_BY_CLASS = {cls.__name__: cls for cls in [*_BY_NAME.values(), Lamb, LossScaleOptimizer,
                                           MultiOptimizer]}


def get(identifier) -> Optimizer:
    """An Optimizer from a name ('adam'), a config dict, or an instance (returned as is).

    >>> get("rmsprop").learning_rate
    0.001
    """
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
            raise ValueError(f"Unknown optimizer class {name!r}; expected one of "
                             f"{sorted(_BY_CLASS)}")
        return cls.from_config(dict(identifier.get("config", {})))
    raise TypeError(f"optimizer must be a string, dict or Optimizer, received {identifier!r}")


def serialize(optimizer: Optimizer) -> dict:
    """The Keras-style config dict of an optimizer."""
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None) -> Optimizer:
    """Inverse of `serialize`; `custom_objects` maps extra class names to classes."""
    if custom_objects and isinstance(config, dict) and config.get("class_name") in custom_objects:
        return custom_objects[config["class_name"]].from_config(config.get("config", {}))
    return get(config)


__all__ = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Lion",
           "Ftrl", "Adafactor", "Lamb", "Muon", "ScheduleFreeAdamW", "LossScaleOptimizer",
           "MultiOptimizer", "OptimizerMap", "Optimizer", "legacy", "schedules", "get",
           "serialize", "deserialize"]
