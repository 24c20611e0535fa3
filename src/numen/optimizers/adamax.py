"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from numen import backend
from numen.kernels import optimizers as fused
from numen.optimizers.base import MomentOptimizer


class Adamax(MomentOptimizer):
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
                 name=None, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name=name, **kwargs)

    def make_slots(self, w):
        return {"momentum": w * 0, "norm": w * 0}

    def update_step(self, g, w, slots, lr, step):
        xp = backend.xp_of(w)
        m, u = slots["momentum"], slots["norm"]
        m += (1 - self.beta_1) * (g - m)
        u *= self.beta_2
        xp.maximum(u, xp.abs(g), out=u)
        w -= (lr / (1 - self.beta_1**step)) * m / (u + self.epsilon)

    def fused_step(self, g, w, slots, lr, step, decay):
        arrays = fused.views(g, w, slots["momentum"], slots["norm"])
        if arrays is None:
            return False
        g, w, m, u = arrays
        fused.adamax(w, g, m, u, lr / (1 - self.beta_1**step), self.beta_1, self.beta_2,
                     self.epsilon, decay)
        return True
