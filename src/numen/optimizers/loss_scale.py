"""LossScaleOptimizer: dynamic loss scaling around another optimizer, as Keras 3 does it."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor
from numen.optimizers.arguments import check_number
from numen.optimizers.base import Optimizer

# Options of the base optimizer that belong on the wrapped optimizer, with their defaults.
_INNER_ONLY = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
               "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
               "ema_overwrite_frequency": None, "loss_scale_factor": None,
               "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Wraps `inner_optimizer` with a dynamic loss scale (against float16 underflow).

    Training multiplies the loss by the current scale (`scale_loss`); `apply` divides the
    gradients by it. When any gradient is not finite the step is skipped and the scale
    halves; after `dynamic_growth_steps` finite steps in a row the scale doubles.
    `learning_rate` and `iterations` are the inner optimizer's.

    Args:
        inner_optimizer: the Optimizer that applies the unscaled gradients.
        initial_scale: the first loss scale (default 2**15).
        dynamic_growth_steps: finite steps between doublings of the scale (default 2000).
        name: the optimizer's name.

    Raises:
        TypeError: `inner_optimizer` is not an Optimizer.
        ValueError: `dynamic=False`, or a base option (clipnorm, use_ema, ...) that belongs
            on the inner optimizer.

    >>> opt = LossScaleOptimizer(SGD(0.1), initial_scale=1024.0)
    >>> float(opt.scale_loss(2.0))
    2048.0
    """

    def __init__(self, inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer: dynamic=False is no longer supported; set "
                             "`loss_scale_factor` on the inner optimizer for a fixed scale")
        for arg, default in _INNER_ONLY.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{arg}`; set it on "
                                 "the inner optimizer instead")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer: unexpected arguments {sorted(kwargs)}")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(f"LossScaleOptimizer: inner_optimizer must be an Optimizer, "
                            f"received {inner_optimizer!r}")
        check_number("LossScaleOptimizer", "initial_scale", initial_scale, low=0.0,
                     low_open=True)
        if isinstance(dynamic_growth_steps, bool) or not isinstance(
                dynamic_growth_steps, (int, np.integer)) or dynamic_growth_steps < 1:
            raise ValueError(f"LossScaleOptimizer: dynamic_growth_steps must be an integer "
                             f">= 1, received {dynamic_growth_steps!r}")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        inner_optimizer.loss_scale_factor = None
        # Keras's two state variables (int32 and float32), kept as 0-d arrays.
        self.step_counter = np.zeros((), dtype=np.int32)
        self.dynamic_scale = np.asarray(initial_scale, dtype=np.float32)

    # -- delegated to the inner optimizer --------------------------------------------------
    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    @property
    def iterations(self) -> int:
        return self.inner_optimizer.iterations

    @iterations.setter
    def iterations(self, value):
        self.inner_optimizer.iterations = value

    def build(self, variables):
        self.inner_optimizer.build(variables)
        self.built = True

    def finalize_variable_values(self, var_list=None):
        self.inner_optimizer.finalize_variable_values(var_list)

    # -- scaling ---------------------------------------------------------------------------
    def scale_loss(self, loss):
        """The loss times the current scale (what training differentiates)."""
        return loss * (self.dynamic_scale if self.built else self.initial_scale)

    def apply(self, grads, trainable_variables=None):
        """Unscale `grads` and let the inner optimizer apply them, unless one is not finite
        (then skip the step and halve the scale); double the scale every
        `dynamic_growth_steps` finite steps."""
        if trainable_variables is None:
            if not self.built:
                raise ValueError("LossScaleOptimizer.apply: pass the variables on the first "
                                 "call (or call build(variables) first)")
            trainable_variables = self.inner_optimizer._variables
        variables = list(trainable_variables)
        grads = [None if g is None else (g.data if isinstance(g, Tensor) else g)
                 for g in grads]
        if not self.built:
            self.build([v for g, v in zip(grads, variables) if g is not None])
        present = [g for g in grads if g is not None]
        finite = all(bool(backend.xp_of(g).isfinite(g).all()) for g in present)
        if not finite:
            self.step_counter[...] = 0
            self.dynamic_scale[...] = self.dynamic_scale * np.float32(0.5)
            return
        scale = self.dynamic_scale[()]  # a float32 scalar: float16 gradients promote
        self.inner_optimizer.apply([None if g is None else g / scale for g in grads],
                                   variables)
        if self.step_counter == self.dynamic_growth_steps - 1:
            self.step_counter[...] = 0
            self.dynamic_scale[...] = self.dynamic_scale * np.float32(2.0)
        else:
            self.step_counter[...] += 1

    # -- state -----------------------------------------------------------------------------
    own_names = ("iteration", "learning_rate", "step_counter", "dynamic_scale")

    def saved_parts(self):
        """Keras's order of the state: own arrays (iteration, learning rate, step counter,
        scale), then the inner optimizer's; with the inner optimizer by its place in files."""
        own = [np.zeros((), dtype=np.int64), np.zeros((), dtype=backend.floatx()),
               self.step_counter, self.dynamic_scale]
        return own, {"inner_optimizer": self.inner_optimizer}

    def load_own_arrays(self, values) -> None:
        """Restore the arrays `saved_parts` lists first (the iteration and learning rate of
        the wrapper are constants, as in Keras)."""
        self.step_counter[...] = np.asarray(values[2])
        self.dynamic_scale[...] = np.asarray(values[3])

    def _variable_arrays(self) -> list:
        own, inners = self.saved_parts()
        return own + [a for inner in inners.values() for a in inner._variable_arrays()]

    def load_own_variables(self, store) -> None:
        load_wrapper_variables(self, store)

    def get_config(self) -> dict:
        from numen.optimizers import serialize

        return {"name": self.name, "inner_optimizer": serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from numen.optimizers import deserialize

        config = dict(config)
        inner = deserialize(config.pop("inner_optimizer"), custom_objects=custom_objects)
        return cls(inner, **config)


def load_wrapper_variables(wrapper, store) -> None:
    """`load_own_variables` of a wrapper optimizer: its own arrays, then each inner
    optimizer's from the following keys (the layout `save_own_variables` writes)."""
    expected = len(wrapper._variable_arrays())
    if len(store) != expected:
        raise ValueError(f"{type(wrapper).__name__}: the saved state has {len(store)} "
                         f"variables but this optimizer has {expected}; build it on the "
                         "model's variables first")
    values = [np.asarray(store[str(i)]) for i in range(expected)]
    own, inners = wrapper.saved_parts()
    wrapper.load_own_arrays(values[:len(own)])
    start = len(own)
    for inner in inners.values():
        count = len(inner._variable_arrays())
        inner.load_own_variables({str(i): values[start + i] for i in range(count)})
        start += count
