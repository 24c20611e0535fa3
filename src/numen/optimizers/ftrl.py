"""FTRL-Proximal ("Follow The Regularized Leader", McMahan et al., 2013), Keras's variant with
L2 shrinkage and the `beta` term."""

from __future__ import annotations

from numen import backend
from numen.kernels import optimizers as fused
from numen.optimizers.arguments import check_number
from numen.optimizers.base import Optimizer


class Ftrl(Optimizer):
    """FTRL-Proximal. Per coordinate, with `p = -learning_rate_power`::

        n' = n + g^2
        z += g + 2 * l2_shrinkage * w - (n'^p - n^p) / lr * w
        w = (clip(z, -l1, l1) - z) / (n'^p / lr + 2 * (l2 + beta / (2 * lr)))

    Args:
        learning_rate: float or schedule, default 0.001.
        learning_rate_power: <= 0, default -0.5.
        initial_accumulator_value: starting value of `n`, >= 0, default 0.1.
        l1_regularization_strength: >= 0, default 0.
        l2_regularization_strength: >= 0, default 0.
        l2_shrinkage_regularization_strength: >= 0, default 0.
        beta: default 0.

    >>> opt = Ftrl(learning_rate=0.1, l1_regularization_strength=0.01)
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        check_number("Ftrl", "learning_rate_power", learning_rate_power, high=0.0)
        for arg, value in (("initial_accumulator_value", initial_accumulator_value),
                           ("l1_regularization_strength", l1_regularization_strength),
                           ("l2_regularization_strength", l2_regularization_strength),
                           ("l2_shrinkage_regularization_strength",
                            l2_shrinkage_regularization_strength)):
            check_number("Ftrl", arg, value, low=0.0)
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def make_slots(self, w):
        return {"accumulator": w * 0 + self.initial_accumulator_value, "linear": w * 0}

    def update_step(self, g, w, slots, lr, step):
        xp = backend.xp_of(w)
        power = -self.learning_rate_power
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        n, z = slots["accumulator"], slots["linear"]
        n_new = n + g * g
        z += g + (2 * self.l2_shrinkage_regularization_strength) * w
        z -= (n_new**power - n**power) / lr * w
        quadratic = n_new**power / lr + 2 * l2
        w[...] = (xp.clip(z, -l1, l1) - z) / quadratic
        n[...] = n_new

    def fused_step(self, g, w, slots, lr, step, decay):
        arrays = fused.views(g, w, slots["accumulator"], slots["linear"])
        if arrays is None:
            return False
        g, w, n, z = arrays
        fused.ftrl(w, g, n, z, lr, float(-self.learning_rate_power),
                   float(self.l1_regularization_strength),
                   self.l2_regularization_strength + self.beta / (2.0 * lr),
                   2.0 * self.l2_shrinkage_regularization_strength, decay)
        return True

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength":
                    self.l2_shrinkage_regularization_strength,
                "beta": self.beta}
