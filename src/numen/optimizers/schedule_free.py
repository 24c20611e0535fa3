"""Schedule-free AdamW: no learning-rate schedule; the weights are an interpolation between
the sequence the gradient steps move (`momentum`, z) and its running average (x)."""

from __future__ import annotations

from numen import backend
from numen.kernels import optimizers as fused
from numen.optimizers.arguments import check_number
from numen.optimizers.base import MomentOptimizer


class ScheduleFreeAdamW(MomentOptimizer):
    """Schedule-free AdamW (Defazio et al., 2024).

    State per variable: `momentum` (z, starts as a copy of the weights) and `velocity`
    (Adam's second moment). Each step moves z by the Adam-normalised gradient, updates the
    average `x` with weight `1 / t` (x recovered from the weights), and sets the weights to
    `(1 - beta_1) * z + beta_1 * x`.

    Args:
        learning_rate: float or schedule, default 0.0025.
        beta_1: interpolation between z and x (in (0, 1]).
        beta_2: decay rate of the second moment estimate.
        epsilon: added to the denominator.
        warmup_steps: the learning rate rises linearly from 0 over this many steps.

    >>> opt = ScheduleFreeAdamW(learning_rate=0.0025, warmup_steps=100)
    """

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 warmup_steps=0, name=None, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name=name, **kwargs)
        owner = type(self).__name__
        # The average x is recovered by dividing by beta_1.
        check_number(owner, "beta_1", beta_1, low=0.0, high=1.0, low_open=True)
        if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, int) or \
                warmup_steps < 0:
            raise ValueError(f"{owner}: warmup_steps must be an integer >= 0, received "
                             f"{warmup_steps!r}")
        self.warmup_steps = warmup_steps

    def make_slots(self, w):
        return {"momentum": w.copy(), "velocity": w * 0}

    def update_step(self, g, w, slots, lr, step):
        xp = backend.xp_of(w)
        b1, b2 = self.beta_1, self.beta_2
        if self.warmup_steps > 0:
            lr = lr * min(step / self.warmup_steps, 1.0)
        z, v = slots["momentum"], slots["velocity"]
        x = (w - (1 - b1) * z) / b1  # the average, from the weights and the old z
        v += (g * g - v) * (1 - b2)
        z -= lr * g / (xp.sqrt(v / (1 - b2**step)) + self.epsilon)
        weight = 1.0 / step
        x *= 1 - weight
        x += weight * z
        w[...] = (1 - b1) * z + b1 * x

    def fused_step(self, g, w, slots, lr, step, decay):
        arrays = fused.views(g, w, slots["momentum"], slots["velocity"])
        if arrays is None:
            return False
        g, w, z, v = arrays
        if self.warmup_steps > 0:
            lr = lr * min(step / self.warmup_steps, 1.0)
        fused.schedule_free_adamw(w, g, z, v, lr, self.beta_1, self.beta_2, self.epsilon,
                                  1 - self.beta_2**step, 1.0 / step, decay)
        return True

    def get_config(self):
        return {**super().get_config(), "warmup_steps": self.warmup_steps}
