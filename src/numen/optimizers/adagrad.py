"""Adagrad: per-coordinate step sizes shrinking with the sum of squared gradients."""

from __future__ import annotations

from numen import backend
from numen.kernels import optimizers as fused
from numen.optimizers.arguments import check_number
from numen.optimizers.base import Optimizer


class Adagrad(Optimizer):
    """Adagrad: `acc += g^2; w -= lr * g / sqrt(acc + epsilon)` (Keras's epsilon placement).

    Args:
        learning_rate: float or schedule, default 0.001.
        initial_accumulator_value: starting value of `acc`, non-negative, default 0.1.
        epsilon: added under the square root, default 1e-7.

    >>> opt = Adagrad(learning_rate=0.01)
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = check_number(
            "Adagrad", "initial_accumulator_value", initial_accumulator_value, low=0.0)
        self.epsilon = check_number("Adagrad", "epsilon", epsilon, low=0.0)

    def make_slots(self, w):
        return {"accumulator": w * 0 + self.initial_accumulator_value}

    def update_step(self, g, w, slots, lr, step):
        acc = slots["accumulator"]
        acc += g * g
        w -= lr * g / backend.xp_of(w).sqrt(acc + self.epsilon)

    def fused_step(self, g, w, slots, lr, step, decay):
        arrays = fused.views(g, w, slots["accumulator"])
        if arrays is None:
            return False
        g, w, acc = arrays
        fused.adagrad(w, g, acc, lr, self.epsilon, decay)
        return True

    def get_config(self):
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
