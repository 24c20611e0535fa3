"""Lion (Chen et al., 2023): sign of an interpolated momentum as the step."""

from __future__ import annotations

from numen import backend
from numen.kernels import optimizers as fused
from numen.optimizers.arguments import check_number
from numen.optimizers.base import Optimizer


class Lion(Optimizer):
    """Lion::

        w -= lr * sign(beta_1 * m + (1 - beta_1) * g)
        m = beta_2 * m + (1 - beta_2) * g

    Args:
        learning_rate: float or schedule, default 0.001 (typically 3-10x smaller than Adam's).
        beta_1: interpolation for the update direction, in (0, 1], default 0.9.
        beta_2: decay of the momentum, default 0.99.

    >>> opt = Lion(learning_rate=1e-4)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = check_number("Lion", "beta_1", beta_1, low=0.0, high=1.0, low_open=True)
        self.beta_2 = check_number("Lion", "beta_2", beta_2, low=0.0, high=1.0)

    def make_slots(self, w):
        return {"momentum": w * 0}

    def update_step(self, g, w, slots, lr, step):
        m = slots["momentum"]
        w -= lr * backend.xp_of(w).sign(self.beta_1 * m + (1 - self.beta_1) * g)
        m *= self.beta_2
        m += (1 - self.beta_2) * g

    def fused_step(self, g, w, slots, lr, step, decay):
        arrays = fused.views(g, w, slots["momentum"])
        if arrays is None:
            return False
        g, w, m = arrays
        fused.lion(w, g, m, lr, self.beta_1, self.beta_2, decay)
        return True

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
