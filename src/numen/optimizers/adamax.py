"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from numen import backend
from numen.optimizers.base import Optimizer, check_number


class Adamax(Optimizer):
    """Adamax::

        m = beta_1 * m + (1 - beta_1) * g
        u = max(beta_2 * u, |g|)
        w -= lr / (1 - beta_1^t) * m / (u + epsilon)

    Args:
        learning_rate: float or schedule, default 0.001.
        beta_1, beta_2: decay rates (defaults 0.9, 0.999).
        epsilon: added to the denominator, default 1e-7.

    >>> opt = Adamax(learning_rate=2e-3)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="adamax", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = check_number("Adamax", "beta_1", beta_1, low=0.0, high=1.0)
        self.beta_2 = check_number("Adamax", "beta_2", beta_2, low=0.0, high=1.0)
        self.epsilon = check_number("Adamax", "epsilon", epsilon, low=0.0)

    def make_slots(self, w):
        return {"m": w * 0, "u": w * 0}

    def update_step(self, g, w, slots, lr, step):
        xp = backend.xp_of(w)
        m, u = slots["m"], slots["u"]
        m += (1 - self.beta_1) * (g - m)
        u *= self.beta_2
        xp.maximum(u, xp.abs(g), out=u)
        w -= (lr / (1 - self.beta_1**step)) * m / (u + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
