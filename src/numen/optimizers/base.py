"""The Optimizer base: learning rate (float or schedule), gradient clipping, weight decay,
slot variables, and `apply_gradients`. Subclasses write only `update_step`, in place."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, Variable


class Optimizer:
    """Base class for optimizers.

    Args:
        learning_rate: a float or a `LearningRateSchedule` (called with the step count).
        weight_decay: decoupled decay; each step subtracts `lr * weight_decay * w`.
        clipnorm / clipvalue / global_clipnorm: gradient clipping, as in Keras.
    """

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected arguments {sorted(kwargs)}")
        if clipnorm is not None and global_clipnorm is not None:
            raise ValueError(f"{type(self).__name__}: set only one of clipnorm and "
                             "global_clipnorm")
        for arg, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                           ("global_clipnorm", global_clipnorm), ("weight_decay", weight_decay)):
            if value is not None and (not isinstance(value, (int, float)) or value < 0):
                raise ValueError(f"{type(self).__name__}: {arg} must be a non-negative number, "
                                 f"received {value!r}")
        self.name = name or _snake(type(self).__name__)
        self._learning_rate = _check_lr(learning_rate, type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.iterations = 0
        self._slots: dict[int, dict[str, np.ndarray]] = {}
        self._variables: list[Variable] = []
        self._exclude_from_wd: set[str] = set()

    # -- learning rate ---------------------------------------------------------------------
    @property
    def learning_rate(self):
        return self._current_lr()

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate = _check_lr(value, type(self).__name__)

    lr = learning_rate

    def _current_lr(self) -> float:
        lr = self._learning_rate
        if callable(lr):
            value = lr(self.iterations)
            return float(value.data if isinstance(value, Tensor) else value)
        return float(lr)

    # -- state ---------------------------------------------------------------------------
    def build(self, variables):
        """Create slot state for each variable (called once, on the first update)."""
        for v in variables:
            if id(v) not in self._slots:
                self._slots[id(v)] = self.make_slots(v.data)
                self._variables.append(v)

    def make_slots(self, w) -> dict:
        return {}

    @property
    def variables(self) -> list:
        """Optimizer state in Keras's order: iteration count, then each variable's slots."""
        out = [np.asarray(self.iterations, dtype=np.int64)]
        for v in self._variables:
            out.extend(self._slots[id(v)].values())
        return out

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        self._exclude_from_wd |= {v.path for v in var_list or []} | set(var_names or [])

    # -- updates -------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """Update each variable from its gradient (pairs of (gradient, variable))."""
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        self.apply([g for g, _ in pairs], [v for _, v in pairs])
        return self.iterations

    def apply(self, grads, variables):
        grads = [g.data if isinstance(g, Tensor) else g for g in grads]
        variables = list(variables)
        if len(grads) != len(variables):
            raise ValueError(f"{type(self).__name__}.apply: received {len(grads)} gradients "
                             f"for {len(variables)} variables")
        self.build(variables)
        grads = self._clip(grads)
        lr = self._current_lr()
        if self.weight_decay:
            for v in variables:
                if v.path not in self._exclude_from_wd and not _matches(v, self._exclude_from_wd):
                    v.data -= (lr * self.weight_decay) * v.data
        step = self.iterations + 1
        for g, v in zip(grads, variables):
            if g.dtype != v.data.dtype:
                g = g.astype(v.data.dtype)
            self.update_step(g, v.data, self._slots[id(v)], lr, step)
            if v.constraint is not None:
                v.assign(v.constraint(v))
        self.iterations = step

    def update_step(self, g, w, slots: dict, lr: float, step: int):
        """Update array `w` in place from gradient `g` (never modify `g` itself)."""
        raise NotImplementedError

    def _clip(self, grads):
        if self.clipvalue is not None:
            c = self.clipvalue
            grads = [backend.xp_of(g).clip(g, -c, c) for g in grads]
        if self.clipnorm is not None:
            out = []
            for g in grads:
                norm = float(backend.xp_of(g).sqrt((g * g).sum()))
                out.append(g * (self.clipnorm / max(norm, self.clipnorm)))
            grads = out
        if self.global_clipnorm is not None:
            total = float(sum(float((g * g).sum()) for g in grads)) ** 0.5
            scale = self.global_clipnorm / max(total, self.global_clipnorm)
            grads = [g * scale for g in grads]
        return grads

    # -- config --------------------------------------------------------------------------
    def get_config(self) -> dict:
        lr = self._learning_rate
        if hasattr(lr, "get_config"):
            lr = {"module": "keras.optimizers.schedules", "class_name": type(lr).__name__,
                  "config": lr.get_config(), "registered_name": None}
        return {
            "name": self.name,
            "learning_rate": lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            from numen.optimizers import schedules

            config["learning_rate"] = schedules.get(lr)
        for key in ("use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
                    "gradient_accumulation_steps"):
            config.pop(key, None)
        return cls(**config)


def _matches(v, names) -> bool:
    return any(n in v.path for n in names)


def _check_lr(value, owner):
    if callable(value):
        return value
    if isinstance(value, Tensor):
        value = float(value.data)
    if not isinstance(value, (int, float, np.floating)) or value < 0:
        raise ValueError(f"{owner}: learning_rate must be a non-negative number or a schedule, "
                         f"received {value!r}")
    return float(value)


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
