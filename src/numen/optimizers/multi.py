"""MultiOptimizer and OptimizerMap: different optimizers for different variables."""

from __future__ import annotations

import re
from collections.abc import MutableMapping

import numpy as np

from numen import backend
from numen.optimizers.base import Optimizer
from numen.optimizers.loss_scale import LossScaleOptimizer, load_wrapper_variables


class OptimizerMap(MutableMapping):
    """Maps variable paths to optimizers; unmatched paths get `default_optimizer`.

    A key matches a path exactly, or else as a regular expression over the whole path
    (`re.fullmatch`: "encoder/.*" for everything under "encoder"). Calling the map with a
    variable returns the optimizer for its path.

    Raises:
        TypeError: `default_optimizer` is not an Optimizer, or `optimizer_map` not a dict.
        ValueError: a path that matches more than one pattern; a duplicate, non-string key
            or an optimizer that is not a plain Optimizer when setting an entry.

    >>> opts = OptimizerMap(SGD(), {"encoder/.*": Adam()})
    >>> opts["encoder/dense/kernel"].name
    'adam'
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(f"OptimizerMap: default_optimizer must be an Optimizer, "
                            f"received {default_optimizer!r}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"OptimizerMap: optimizer_map must be a dict, received "
                            f"{optimizer_map!r}")
        self._default_optimizer = default_optimizer
        self._optimizer_map = optimizer_map or {}

    @property
    def default_optimizer(self) -> Optimizer:
        return self._default_optimizer

    def __getitem__(self, key):
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        hits = [p for p in self._optimizer_map if re.fullmatch(p, key)]
        if len(hits) > 1:
            raise ValueError(f"OptimizerMap: variable '{key}' matches several patterns "
                             f"{hits}; make them exclusive")
        return self._optimizer_map[hits[0]] if hits else self._default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError(f"OptimizerMap: '{key}' is already mapped to "
                             f"{self._optimizer_map[key]!r}; keys must be unique")
        if not isinstance(key, str):
            raise ValueError(f"OptimizerMap: keys must be strings, received {key!r}")
        if not isinstance(optimizer, Optimizer) or isinstance(
                optimizer, (LossScaleOptimizer, MultiOptimizer)):
            raise ValueError(f"OptimizerMap: values must be plain optimizers (not "
                             f"LossScaleOptimizer or MultiOptimizer), received {optimizer!r}")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable) -> Optimizer:
        return self[variable.path]

    def get_config(self) -> dict:
        from numen.optimizers import serialize

        return {"default_optimizer": serialize(self._default_optimizer),
                "optimizer_map": {k: serialize(o) for k, o in self._optimizer_map.items()}}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from numen.optimizers import deserialize

        mapping = {k: deserialize(o, custom_objects=custom_objects)
                   for k, o in (config.get("optimizer_map") or {}).items()}
        return cls(deserialize(config["default_optimizer"], custom_objects=custom_objects),
                   mapping)


class MultiOptimizer(Optimizer):
    """Delegates each variable to the optimizer `optimizer_map` gives it.

    Args:
        optimizer_map: an OptimizerMap, or a callable taking a variable and returning an
            Optimizer.
        loss_scale_factor: set on every inner optimizer.
        name: the optimizer's name.

    The wrapper has no learning rate of its own (reading or setting it raises
    AttributeError); `optimizers` lists the inner ones.

    >>> opt = MultiOptimizer(OptimizerMap(SGD(0.1), {"encoder/.*": Adam()}))
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        if not callable(optimizer_map):
            raise TypeError(f"MultiOptimizer: optimizer_map must be an OptimizerMap or a "
                            f"callable, received {optimizer_map!r}")
        self._inner_optimizers = []
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        found = list(optimizer_map.values()) if hasattr(optimizer_map, "values") else []
        default = getattr(optimizer_map, "default_optimizer", None)
        for opt in [*found, *([default] if default is not None else [])]:
            self._add_inner(opt)
        self._owner_of = {}  # id(variable) -> inner optimizer

    def _add_inner(self, opt):
        if all(opt is not o for o in self._inner_optimizers):
            opt.loss_scale_factor = self.loss_scale_factor
            self._inner_optimizers.append(opt)

    @property
    def optimizers(self) -> list:
        return self._inner_optimizers

    @property
    def learning_rate(self):
        raise AttributeError("MultiOptimizer has no single learning rate: read it on the "
                             "inner optimizers (`.optimizers`)")

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError("MultiOptimizer has no single learning rate: set it on the "
                             "inner optimizers (`.optimizers`)")

    @property
    def loss_scale_factor(self):
        return getattr(self, "_loss_scale_factor", None)

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for opt in self._inner_optimizers:
            opt.loss_scale_factor = value

    def build(self, variables):
        """Give each variable not seen before to its optimizer and build that optimizer."""
        groups = {}
        for v in variables:
            if id(v) in self._owner_of:
                continue
            opt = self._optimizer_map(v)
            if not isinstance(opt, Optimizer):
                raise ValueError(f"MultiOptimizer: the optimizer for variable '{v.path}' is "
                                 f"not an Optimizer: {opt!r}")
            if isinstance(opt, (LossScaleOptimizer, MultiOptimizer)):
                raise ValueError(f"MultiOptimizer: {type(opt).__name__} cannot be used inside "
                                 "a MultiOptimizer")
            self._add_inner(opt)
            self._owner_of[id(v)] = opt
            self._variables.append(v)
            groups.setdefault(id(opt), []).append(v)
        for opt in self._inner_optimizers:
            if id(opt) in groups:
                opt.build(groups[id(opt)])
        self.built = True

    def apply(self, grads, trainable_variables=None):
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("MultiOptimizer.apply: pass the variables on the first call "
                                 "(or call build(variables) first)")
            trainable_variables = self._variables
        variables = list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(f"MultiOptimizer.apply: received {len(grads)} gradients for "
                             f"{len(variables)} variables")
        self.build(variables)
        for opt in self._inner_optimizers:
            pairs = [(g, v) for g, v in zip(grads, variables) if self._owner_of[id(v)] is opt]
            if pairs:
                opt.apply([g for g, _ in pairs], [v for _, v in pairs])
        self._steps_taken += 1

    def finalize_variable_values(self, var_list=None):
        chosen = var_list if var_list is not None else self._variables
        for opt in self._inner_optimizers:
            mine = [v for v in chosen if self._owner_of.get(id(v)) is opt]
            if mine:
                opt.finalize_variable_values(mine)

    # -- state -----------------------------------------------------------------------------
    own_names = ("iteration", "learning_rate")

    def saved_parts(self):
        """Keras's order of the state: own iteration and learning rate, then each inner
        optimizer's state in turn; with the inner optimizers by their place in files."""
        own = [np.asarray(self.iterations, dtype=np.int64),
               np.zeros((), dtype=backend.floatx())]
        parts, used = {}, {}
        for opt in self._inner_optimizers:
            # Keras names them by class in snake case, numbering repeats: sgd, adam, adam_1.
            key = re.sub("([a-z])([A-Z])", r"\1_\2",
                         re.sub("(.)([A-Z][a-z]+)", r"\1_\2", type(opt).__name__)).lower()
            used[key] = used.get(key, -1) + 1
            parts[f"optimizers/{key}" + (f"_{used[key]}" if used[key] else "")] = opt
        return own, parts

    def load_own_arrays(self, values) -> None:
        self.iterations = int(np.asarray(values[0]))

    def _variable_arrays(self) -> list:
        own, inners = self.saved_parts()
        return own + [a for inner in inners.values() for a in inner._variable_arrays()]

    def load_own_variables(self, store) -> None:
        load_wrapper_variables(self, store)

    def get_config(self) -> dict:
        mapping = self._optimizer_map
        if isinstance(mapping, OptimizerMap):
            mapping = {"module": "keras.optimizers", "class_name": "OptimizerMap",
                       "config": mapping.get_config(), "registered_name": None}
        else:  # a function, saved by name as Keras does (loading needs custom_objects)
            mapping = {"module": "builtins", "class_name": "function",
                       "config": getattr(mapping, "__name__", repr(mapping)),
                       "registered_name": "function"}
        return {"optimizer_map": mapping, "loss_scale_factor": self.loss_scale_factor,
                "name": self.name}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        mapping = config.pop("optimizer_map")
        if isinstance(mapping, dict) and mapping.get("class_name") == "OptimizerMap":
            mapping = OptimizerMap.from_config(mapping["config"], custom_objects=custom_objects)
        elif isinstance(mapping, dict) and mapping.get("class_name") == "function":
            fn = (custom_objects or {}).get(mapping.get("config"))
            if fn is None:
                raise ValueError(f"MultiOptimizer: the optimizer map was the function "
                                 f"{mapping.get('config')!r}; pass it in custom_objects to "
                                 "load it")
            mapping = fn
        return cls(mapping, **config)

    def __repr__(self):
        return f"<MultiOptimizer name={self.name!r} optimizers={self._inner_optimizers}>"
