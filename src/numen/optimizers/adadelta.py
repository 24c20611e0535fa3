"""Adadelta: steps scaled by the ratio of running RMS of updates to running RMS of gradients."""

from __future__ import annotations

from numen import backend
from numen.kernels import optimizers as fused
from numen.optimizers.arguments import check_number
from numen.optimizers.base import Optimizer


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), as Keras computes it::

        E[g^2] = rho * E[g^2] + (1 - rho) * g^2
        d = -sqrt(E[d^2] + epsilon) / sqrt(E[g^2] + epsilon) * g
        E[d^2] = rho * E[d^2] + (1 - rho) * d^2
        w += lr * d

    Args:
        learning_rate: float or schedule, default 0.001 (1.0 matches the paper).
        rho: decay rate, default 0.95.
        epsilon: added under both square roots, default 1e-7.

    >>> opt = Adadelta(learning_rate=1.0)
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = check_number("Adadelta", "rho", rho, low=0.0, high=1.0)
        self.epsilon = check_number("Adadelta", "epsilon", epsilon, low=0.0)

    def make_slots(self, w):
        return {"accumulated_grad": w * 0, "accumulated_delta_var": w * 0}

    def update_step(self, g, w, slots, lr, step):
        xp = backend.xp_of(w)
        rho, eps = self.rho, self.epsilon
        acc_g, acc_d = slots["accumulated_grad"], slots["accumulated_delta_var"]
        acc_g *= rho
        acc_g += (1 - rho) * (g * g)
        delta = -xp.sqrt(acc_d + eps) / xp.sqrt(acc_g + eps) * g
        acc_d *= rho
        acc_d += (1 - rho) * (delta * delta)
        w += lr * delta

    def fused_step(self, g, w, slots, lr, step, decay):
        arrays = fused.views(g, w, slots["accumulated_grad"], slots["accumulated_delta_var"])
        if arrays is None:
            return False
        g, w, acc_g, acc_d = arrays
        fused.adadelta(w, g, acc_g, acc_d, lr, self.rho, self.epsilon, decay)
        return True

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
