"""Adafactor (Shazeer & Stern, 2018): second moments factored into row and column averages
for matrices, relative step sizes scaled by the weights' RMS."""

from __future__ import annotations

import math

from numen import backend
from numen.kernels import optimizers as fused
from numen.optimizers.arguments import check_number
from numen.optimizers.base import Optimizer


def _rms(x) -> float:
    return float(backend.xp_of(x).sqrt((x * x).mean()))


class Adafactor(Optimizer):
    """Adafactor, as Keras computes it. With `t` the step and `beta_2_t = 1 - t^beta_2_decay`::

        rho = min(lr, 1 / sqrt(t));  alpha = max(epsilon_2, rms(w)) * rho
        v ~ moving average of g^2 + epsilon_1 (rank >= 2: outer product of the row and column
            averages over the last two axes, divided by the row average's mean)
        u = g / sqrt(v);  w -= alpha * u / max(1, rms(u) / clip_threshold)

    Args:
        learning_rate: float or schedule, default 0.001 (capped at 1/sqrt(t) when
            `relative_step` and the rate is a float).
        beta_2_decay: default -0.8.
        epsilon_1, epsilon_2: defaults 1e-30 and 1e-3.
        clip_threshold: default 1.0.
        relative_step: default True.

    >>> opt = Adafactor(learning_rate=0.01)
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_2_decay = check_number("Adafactor", "beta_2_decay", beta_2_decay, high=0.0)
        self.epsilon_1 = check_number("Adafactor", "epsilon_1", epsilon_1, low=0.0)
        self.epsilon_2 = check_number("Adafactor", "epsilon_2", epsilon_2, low=0.0)
        self.clip_threshold = check_number("Adafactor", "clip_threshold", clip_threshold,
                                           low=0.0, low_open=True)
        self.relative_step = bool(relative_step)

    elementwise = False  # matrices get factored row/column statistics

    def make_slots(self, w):
        if w.ndim < 2:
            # Keras keeps unused scalar placeholders for the row and column statistics of a
            # vector; they stay in the state so that saved files line up with Keras's.
            xp = backend.xp_of(w)
            return {"r": xp.zeros((), "int32"), "c": xp.zeros((), "int32"), "velocity": w * 0}
        return {"r": w.sum(axis=-1) * 0, "c": w.sum(axis=-2) * 0, "velocity": w * 0}

    def slot_name(self, v, slot):
        # Keras names the row and column statistics after the variable's own name; a
        # vector's placeholders are made outside the optimizer's name scope.
        if slot == "velocity":
            return super().slot_name(v, slot)
        return v.name, (f"{self.name}/{v.name}" if v.data.ndim >= 2 else v.name)

    def update_step(self, g, w, slots, lr, step):
        xp = backend.xp_of(w)
        cap = 1 / math.sqrt(step)
        rho = min(lr, cap)  # with relative_step and a float rate, lr is also capped: same rho
        alpha = max(self.epsilon_2, _rms(w)) * rho
        g2 = g * g + self.epsilon_1
        beta_2_t = 1 - step**self.beta_2_decay
        v = slots["velocity"]
        if w.ndim >= 2:
            r, c = slots["r"], slots["c"]
            r *= beta_2_t
            r += (1 - beta_2_t) * g2.mean(axis=-1)
            c *= beta_2_t
            c += (1 - beta_2_t) * g2.mean(axis=-2)
            v[...] = (r / r.mean(axis=-1, keepdims=True))[..., None] * c[..., None, :]
        else:
            v *= beta_2_t
            v += (1 - beta_2_t) * g2
        u = g / xp.sqrt(v)
        w -= (alpha / max(1.0, _rms(u) / self.clip_threshold)) * u

    def fused_step(self, g, w, slots, lr, step, decay):
        rho = min(lr, 1 / math.sqrt(step))
        beta_2_t = 1 - step**self.beta_2_decay
        options = (rho, self.epsilon_1, self.epsilon_2, beta_2_t, self.clip_threshold, decay)
        if w.ndim < 2:
            arrays = fused.views(g, w, slots["velocity"])
            if arrays is None or w.size == 0:
                return False
            g, w, v = arrays
            fused.adafactor_vector(w, g, v, *options)
            return True
        arrays = fused.factored(g, w, slots["velocity"], slots["r"], slots["c"])
        if arrays is None:
            return False
        g, w, v, r, c = arrays
        fused.adafactor_matrix(w, g, v, r, c, *options)
        return True

    def get_config(self):
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay,
                "epsilon_1": self.epsilon_1, "epsilon_2": self.epsilon_2,
                "clip_threshold": self.clip_threshold, "relative_step": self.relative_step}
