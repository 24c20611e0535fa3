"""Adam and AdamW (Keras's epsilon placement: outside the square root of the raw second
moment, with both bias corrections folded into the step size)."""

from __future__ import annotations

import math

from numen import backend
from numen.kernels import optimizers as fused
from numen.optimizers.base import MomentOptimizer


class Adam(MomentOptimizer):
    """Adam: `w -= lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)`.

    Args:
        learning_rate: float or schedule, default 0.001.
        beta_1, beta_2: decay rates of the first and second moment estimates.
        epsilon: added to the denominator.
        amsgrad: use the running maximum of the second moment (AMSGrad).

    >>> opt = Adam(learning_rate=1e-3, amsgrad=True)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name=None, **kwargs):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name=name, **kwargs)
        self.amsgrad = bool(amsgrad)

    slot_passes = (("momentum", "velocity"), ("velocity_hat",))  # Keras's order of creation

    def make_slots(self, w):
        slots = {"momentum": w * 0, "velocity": w * 0}
        if self.amsgrad:
            slots["velocity_hat"] = w * 0
        return slots

    def update_step(self, g, w, slots, lr, step):
        xp = backend.xp_of(w)
        b1, b2 = self.beta_1, self.beta_2
        alpha = lr * math.sqrt(1 - b2**step) / (1 - b1**step)
        m, v = slots["momentum"], slots["velocity"]
        # In place through one scratch array: no allocation per step.
        tmp = self.scratch(w)
        xp.subtract(g, m, out=tmp)
        tmp *= 1 - b1
        m += tmp
        xp.multiply(g, g, out=tmp)
        tmp -= v
        tmp *= 1 - b2
        v += tmp
        if self.amsgrad:
            vhat = slots["velocity_hat"]
            xp.maximum(vhat, v, out=vhat)
            v = vhat
        xp.sqrt(v, out=tmp)
        tmp += self.epsilon
        if w.dtype.itemsize >= 4:
            # m * (alpha / (sqrt(v) + epsilon)), so that no division reads m: the momenta of
            # weights whose gradient stays zero (dead ReLU units) decay into subnormals and
            # stay there (the decrement rounds to zero), and dividing a subnormal ran 2.7x
            # slower here than a normal division (multiplying one costs nothing extra).
            xp.divide(alpha, tmp, out=tmp)
            tmp *= m
        else:  # float16: alpha / epsilon can overflow; m / (sqrt(v) + epsilon) stays bounded
            xp.divide(m, tmp, out=tmp)
            tmp *= alpha
        w -= tmp

    def fused_step(self, g, w, slots, lr, step, decay):
        names = ("momentum", "velocity", "velocity_hat") if self.amsgrad else (
            "momentum", "velocity")
        arrays = fused.views(g, w, *(slots[n] for n in names))
        if arrays is None:
            return False
        g, w, m, v, *vhat = arrays
        b1, b2 = self.beta_1, self.beta_2
        alpha = lr * math.sqrt(1 - b2**step) / (1 - b1**step)
        fused.adam(w, g, m, v, vhat[0] if vhat else v, alpha, b1, b2, self.epsilon, decay,
                   self.amsgrad)
        return True

    def get_config(self):
        return {**super().get_config(), "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay (`w -= lr * weight_decay * w` before each step).

    >>> opt = AdamW(learning_rate=1e-3, weight_decay=0.004)
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, name=None, **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW: weight_decay must be a non-negative number, received None")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, name=name,
                         weight_decay=weight_decay, **kwargs)
