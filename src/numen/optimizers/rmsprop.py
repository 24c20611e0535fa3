"""RMSprop (Keras's form: epsilon inside the square root, learning rate inside momentum)."""

from __future__ import annotations

from numen import backend
from numen.kernels import optimizers as fused
from numen.optimizers.arguments import check_number
from numen.optimizers.base import Optimizer


class RMSprop(Optimizer):
    """RMSprop: `v = rho * v + (1 - rho) * g^2; step = lr * g / sqrt(v + epsilon)`.

    With `centered`, the denominator is `sqrt(v - a^2 + epsilon)` where `a` is the moving
    average of `g`; with `momentum`, `s = momentum * s + step; w -= s`.

    Args:
        learning_rate: float or schedule, default 0.001.
        rho: decay of the moving averages, default 0.9.
        momentum: in [0, 1], default 0.
        epsilon: added under the square root, default 1e-7.
        centered: normalise by the estimated variance instead of the second moment.

    >>> opt = RMSprop(learning_rate=1e-3, centered=True)
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = check_number("RMSprop", "rho", rho, low=0.0, high=1.0)
        self.momentum = check_number("RMSprop", "momentum", momentum, low=0.0, high=1.0)
        self.epsilon = check_number("RMSprop", "epsilon", epsilon, low=0.0)
        self.centered = bool(centered)

    slot_passes = (("velocity",), ("momentum",), ("average_gradient",))  # as Keras creates them

    def make_slots(self, w):
        slots = {"velocity": w * 0}
        if self.momentum > 0:
            slots["momentum"] = w * 0
        if self.centered:
            slots["average_gradient"] = w * 0
        return slots

    def update_step(self, g, w, slots, lr, step):
        xp = backend.xp_of(w)
        rho = self.rho
        v = slots["velocity"]
        v *= rho
        v += (1 - rho) * (g * g)
        if self.centered:
            a = slots["average_gradient"]
            a *= rho
            a += (1 - rho) * g
            denominator = v - a * a + self.epsilon
        else:
            denominator = v + self.epsilon
        increment = lr * g / xp.sqrt(denominator)
        if self.momentum > 0:
            s = slots["momentum"]
            s *= self.momentum
            s += increment
            w -= s
        else:
            w -= increment

    def fused_step(self, g, w, slots, lr, step, decay):
        names = ["velocity"] + ["momentum"] * (self.momentum > 0) + [
            "average_gradient"] * self.centered
        arrays = fused.views(g, w, *(slots[n] for n in names))
        if arrays is None:
            return False
        g, w, v, *rest = arrays
        s = rest[0] if self.momentum > 0 else v
        a = rest[-1] if self.centered else v
        fused.rmsprop(w, g, v, s, a, lr, self.rho, float(self.momentum), self.epsilon, decay,
                      self.centered)
        return True

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
