"""Stochastic gradient descent, with optional (Nesterov) momentum."""

from __future__ import annotations

from numen.optimizers.base import Optimizer


class SGD(Optimizer):
    """w -= lr * g, or with momentum m = momentum * m - lr * g; w += m (Keras's form)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"SGD: momentum must be in [0, 1], received {momentum!r}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

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

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
