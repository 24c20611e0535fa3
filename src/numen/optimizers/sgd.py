"""Stochastic gradient descent, with optional (Nesterov) momentum."""

from __future__ import annotations

from numen.kernels import optimizers as fused
from numen.optimizers.arguments import check_number
from numen.optimizers.base import Optimizer


class SGD(Optimizer):
    """Gradient descent: `w -= lr * g`, or with momentum (Keras's form, velocity holds the step)
    `m = momentum * m - lr * g; w += m` (Nesterov: `w += momentum * m - lr * g`).

    Args:
        learning_rate: float or schedule, default 0.01.
        momentum: in [0, 1], default 0.
        nesterov: use Nesterov momentum.

    >>> opt = SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.momentum = float(check_number("SGD", "momentum", momentum, low=0.0, high=1.0))
        self.nesterov = bool(nesterov)

    def make_slots(self, w):
        return {"momentum": w * 0} if self.momentum else {}

    def update_step(self, g, w, slots, lr, step):
        if not self.momentum:
            w -= lr * g
            return
        m = slots["momentum"]
        m *= self.momentum
        m -= lr * g
        if self.nesterov:
            w += self.momentum * m - lr * g
        else:
            w += m

    def fused_step(self, g, w, slots, lr, step, decay):
        arrays = fused.views(g, w, *slots.values())
        if arrays is None:
            return False
        g, w, *m = arrays
        fused.sgd(w, g, m[0] if m else w, lr, self.momentum, self.nesterov, decay)
        return True

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
