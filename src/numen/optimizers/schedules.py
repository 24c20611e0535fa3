"""Learning-rate schedules (`keras.optimizers.schedules`): callables from the step count
(the optimizer's `iterations`, starting at 0) to a learning rate."""

from __future__ import annotations

import math

import numpy as np

from numen.autodiff import Tensor


def _step_of(step) -> float:
    if isinstance(step, Tensor):
        step = step.data
    return float(np.asarray(step))


def _positive(owner: str, arg: str, value):
    if (not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool)
            or value <= 0):
        raise ValueError(f"{owner}: {arg} must be a positive number, received {value!r}")
    return value


def _non_negative(owner: str, arg: str, value):
    if (not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool)
            or value < 0):
        raise ValueError(f"{owner}: {arg} must be a non-negative number, received {value!r}")
    return value


class LearningRateSchedule:
    """Base class: subclasses define `__call__(step) -> float` and `get_config()`.

    >>> class Halving(LearningRateSchedule):
    ...     def __call__(self, step):
    ...         return 0.1 * 0.5 ** (step // 100)
    ...     def get_config(self):
    ...         return {}
    """

    def __call__(self, step) -> float:
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(step)")

    def get_config(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} must implement get_config()")

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)` (integer division of
    the exponent when `staircase`).

    >>> ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)(20)
    0.025
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        self.initial_learning_rate = _non_negative(
            "ExponentialDecay", "initial_learning_rate", initial_learning_rate)
        self.decay_steps = _positive("ExponentialDecay", "decay_steps", decay_steps)
        self.decay_rate = _non_negative("ExponentialDecay", "decay_rate", decay_rate)
        self.staircase, self.name = bool(staircase), name

    def __call__(self, step):
        p = _step_of(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate * self.decay_rate**p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` while `step <= boundaries[0]`, `values[i]` while
    `boundaries[i-1] < step <= boundaries[i]`, and `values[-1]` after the last boundary.

    >>> PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])(150)
    0.5
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(values) != len(boundaries) + 1:
            raise ValueError("PiecewiseConstantDecay: values must have exactly one more "
                             f"element than boundaries, received {len(boundaries)} boundaries "
                             f"and {len(values)} values")
        if any(b2 < b1 for b1, b2 in zip(boundaries, boundaries[1:])):
            raise ValueError(f"PiecewiseConstantDecay: boundaries must be increasing, "
                             f"received {boundaries}")
        self.boundaries, self.values, self.name = boundaries, values, name

    def __call__(self, step):
        step = _step_of(step)
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


def _cosine(fraction: float, alpha: float) -> float:
    return (1 - alpha) * 0.5 * (1 + math.cos(math.pi * fraction)) + alpha


class CosineDecay(LearningRateSchedule):
    """Cosine decay from the initial (or warmup target) rate to `alpha` times it, after an
    optional linear warmup::

        warmup (step < warmup_steps, when warmup_target is set):
            initial + (warmup_target - initial) * step / warmup_steps
        decay (s = min(step - warmup_steps, decay_steps)):
            peak * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)

    >>> CosineDecay(1.0, decay_steps=10)(5)
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = _non_negative(
            "CosineDecay", "initial_learning_rate", initial_learning_rate)
        self.decay_steps = _positive("CosineDecay", "decay_steps", decay_steps)
        self.alpha = _non_negative("CosineDecay", "alpha", alpha)
        if warmup_target is not None:
            _non_negative("CosineDecay", "warmup_target", warmup_target)
        self.warmup_target = warmup_target
        self.warmup_steps = _non_negative("CosineDecay", "warmup_steps", warmup_steps)
        self.name = name

    def __call__(self, step):
        step = _step_of(step)
        if self.warmup_target is None:
            step = min(step, self.decay_steps)
            return self.initial_learning_rate * _cosine(step / self.decay_steps, self.alpha)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            rise = self.warmup_target - self.initial_learning_rate
            return self.initial_learning_rate + rise * step / self.warmup_steps
        fraction = (step - self.warmup_steps) / self.decay_steps
        return self.warmup_target * _cosine(fraction, self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR). Period i lasts `first_decay_steps * t_mul**i`
    steps; with `f` the fraction of the current period done, the rate is
    `initial * ((1 - alpha) * m_mul**i * 0.5 * (1 + cos(pi * f)) + alpha)`.

    >>> CosineDecayRestarts(1.0, first_decay_steps=10)(10)
    1.0
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        owner = "CosineDecayRestarts"
        self.initial_learning_rate = _non_negative(
            owner, "initial_learning_rate", initial_learning_rate)
        self.first_decay_steps = _positive(owner, "first_decay_steps", first_decay_steps)
        self.t_mul = _positive(owner, "t_mul", t_mul)
        self.m_mul = _non_negative(owner, "m_mul", m_mul)
        self.alpha = _non_negative(owner, "alpha", alpha)
        self.name = name

    def __call__(self, step):
        fraction = _step_of(step) / self.first_decay_steps
        if self.t_mul == 1.0:
            restart = math.floor(fraction)
            fraction -= restart
        else:
            # Periods grow geometrically: period i starts at (t_mul**i - 1) / (t_mul - 1).
            restart = math.floor(math.log(1 - fraction * (1 - self.t_mul)) / math.log(self.t_mul))
            start = (1 - self.t_mul**restart) / (1 - self.t_mul)
            fraction = (fraction - start) / self.t_mul**restart
        cosine = 0.5 * self.m_mul**restart * (1 + math.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self.t_mul,
                "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)` (integer division
    when `staircase`).

    >>> InverseTimeDecay(1.0, decay_steps=1, decay_rate=0.5)(2)
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        self.initial_learning_rate = _non_negative(
            "InverseTimeDecay", "initial_learning_rate", initial_learning_rate)
        self.decay_steps = _positive("InverseTimeDecay", "decay_steps", decay_steps)
        self.decay_rate = _non_negative("InverseTimeDecay", "decay_rate", decay_rate)
        self.staircase, self.name = bool(staircase), name

    def __call__(self, step):
        p = _step_of(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate / (1 + self.decay_rate * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """`(initial - end) * (1 - step / decay_steps) ** power + end`, with the step clipped at
    `decay_steps`; with `cycle`, `decay_steps` is stretched to the next multiple past `step`.

    >>> PolynomialDecay(1.0, decay_steps=10, end_learning_rate=0.0)(5)
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        owner = "PolynomialDecay"
        self.initial_learning_rate = _non_negative(
            owner, "initial_learning_rate", initial_learning_rate)
        self.decay_steps = _positive(owner, "decay_steps", decay_steps)
        self.end_learning_rate = _non_negative(owner, "end_learning_rate", end_learning_rate)
        self.power = _non_negative(owner, "power", power)
        self.cycle, self.name = bool(cycle), name

    def __call__(self, step):
        step = _step_of(step)
        decay_steps = self.decay_steps
        if self.cycle:
            decay_steps = decay_steps * max(1.0, math.ceil(step / decay_steps))
        else:
            step = min(step, decay_steps)
        fraction = step / decay_steps
        span = self.initial_learning_rate - self.end_learning_rate
        return span * (1 - fraction) ** self.power + self.end_learning_rate

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


_BY_CLASS = {cls.__name__: cls for cls in (
    ExponentialDecay, PiecewiseConstantDecay, CosineDecay, CosineDecayRestarts,
    InverseTimeDecay, PolynomialDecay)}


def serialize(schedule: LearningRateSchedule) -> dict:
    """The Keras-style config dict of a schedule."""
    return {"module": "keras.optimizers.schedules", "class_name": type(schedule).__name__,
            "config": schedule.get_config(), "registered_name": None}


def get(identifier) -> LearningRateSchedule:
    """A schedule from a config dict (`{'class_name': ..., 'config': ...}`) or an instance."""
    if isinstance(identifier, LearningRateSchedule):
        return identifier
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        cls = _BY_CLASS.get(name)
        if cls is None:
            raise ValueError(f"Unknown learning rate schedule {name!r}; expected one of "
                             f"{sorted(_BY_CLASS)}")
        return cls.from_config(identifier.get("config", {}))
    raise TypeError("schedule must be a LearningRateSchedule or a config dict, received "
                    f"{identifier!r}")


def deserialize(config, custom_objects=None) -> LearningRateSchedule:
    """Inverse of `serialize`; `custom_objects` maps extra class names to classes."""
    if custom_objects and isinstance(config, dict) and config.get("class_name") in custom_objects:
        return custom_objects[config["class_name"]].from_config(config.get("config", {}))
    return get(config)


__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay", "CosineDecay",
           "CosineDecayRestarts", "InverseTimeDecay", "PolynomialDecay", "serialize",
           "deserialize", "get"]
