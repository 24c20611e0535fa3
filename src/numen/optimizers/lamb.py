"""Lamb: Adam's bias-corrected step, rescaled per variable by the trust ratio
`||w|| / ||step||` (Keras's placement of epsilon: outside the square root)."""

from __future__ import annotations

import math

from numen import backend
from numen.kernels import optimizers as fused
from numen.optimizers.base import MomentOptimizer


class Lamb(MomentOptimizer):
    """Lamb (layer-wise adaptive moments), for large-batch training.

    Each variable takes Adam's step `u = m_hat / (sqrt(v_hat) + epsilon)` scaled by
    `||w|| / ||u||` (1 when either norm is zero): `w -= lr * ratio * u`.

    Args:
        learning_rate: float or schedule, default 0.001.
        beta_1, beta_2: decay rates of the first and second moment estimates.
        epsilon: added to the denominator.

    >>> opt = Lamb(learning_rate=1e-3)
    """

    # The trust ratio takes norms over each whole variable: no shared flat buffer.
    elementwise = False

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name=None, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name=name, **kwargs)

    def make_slots(self, w):
        return {"momentum": w * 0, "velocity": w * 0}

    def update_step(self, g, w, slots, lr, step):
        xp = backend.xp_of(w)
        b1, b2 = self.beta_1, self.beta_2
        m, v = slots["momentum"], slots["velocity"]
        m += (g - m) * (1 - b1)
        v += (g * g - v) * (1 - b2)
        u = (m / (1 - b1**step)) / (xp.sqrt(v / (1 - b2**step)) + self.epsilon)
        w_norm = math.sqrt(float((w * w).sum()))
        u_norm = math.sqrt(float((u * u).sum()))
        ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
        w -= (ratio * lr) * u

    def fused_step(self, g, w, slots, lr, step, decay):
        arrays = fused.views(g, w, slots["momentum"], slots["velocity"])
        if arrays is None:
            return False
        g, w, m, v = arrays
        b1, b2 = self.beta_1, self.beta_2
        fused.lamb(w, g, m, v, lr, b1, b2, self.epsilon, 1 - b1**step, 1 - b2**step, decay)
        return True
