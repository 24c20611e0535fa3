"""Nadam: Adam with Nesterov momentum and Dozat's momentum schedule."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.kernels import optimizers as fused
from numen.optimizers.base import MomentOptimizer

_DECAY = 0.96  # the fixed base of the momentum warm-up schedule, as in Keras


class Nadam(MomentOptimizer):
    """Nadam, as Keras computes it (`mu_t = beta_1 * (1 - 0.5 * 0.96^t)`)::

        m = beta_1 * m + (1 - beta_1) * g;  v = beta_2 * v + (1 - beta_2) * g^2
        m_hat = mu_{t+1} * m / (1 - prod_{i<=t+1} mu_i) + (1 - mu_t) * g / (1 - prod_{i<=t} mu_i)
        w -= lr * m_hat / (sqrt(v / (1 - beta_2^t)) + epsilon)

    Args:
        learning_rate: float or schedule, default 0.001.
        beta_1, beta_2: decay rates (defaults 0.9, 0.999).
        epsilon: added to the denominator, default 1e-7.

    >>> opt = Nadam(learning_rate=1e-3)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name=None, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name=name, **kwargs)
        # prod_{i<=t} mu_i, a 0-d array so that saving/loading can restore it in place.
        self._u_product = np.ones((), dtype="float64")

    def _mu(self, step: int) -> float:
        return self.beta_1 * (1.0 - 0.5 * _DECAY**step)

    def make_slots(self, w):
        return {"momentum": w * 0, "velocity": w * 0}

    def extra_state(self):
        # Keras makes this Variable without a name, outside the optimizer's name scope.
        return [("variable", self._u_product)]

    def before_update(self, step):
        self._u_product *= self._mu(step)

    def update_step(self, g, w, slots, lr, step):
        mu_t, mu_next = self._mu(step), self._mu(step + 1)
        prod_t = float(self._u_product)
        prod_next = prod_t * mu_next
        m, v = slots["momentum"], slots["velocity"]
        m += (1 - self.beta_1) * (g - m)
        v += (1 - self.beta_2) * (g * g - v)
        m_hat = (mu_next / (1 - prod_next)) * m + ((1 - mu_t) / (1 - prod_t)) * g
        v_hat = v / (1 - self.beta_2**step)
        w -= lr * m_hat / (backend.xp_of(w).sqrt(v_hat) + self.epsilon)

    def fused_step(self, g, w, slots, lr, step, decay):
        arrays = fused.views(g, w, slots["momentum"], slots["velocity"])
        if arrays is None:
            return False
        g, w, m, v = arrays
        mu_t, mu_next = self._mu(step), self._mu(step + 1)
        prod_t = float(self._u_product)
        prod_next = prod_t * mu_next
        fused.nadam(w, g, m, v, lr, self.beta_1, self.beta_2, self.epsilon,
                    mu_next / (1 - prod_next), (1 - mu_t) / (1 - prod_t),
                    1 - self.beta_2**step, decay)
        return True
