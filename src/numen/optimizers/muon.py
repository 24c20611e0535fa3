"""Muon: momentum SGD whose step for each 2-D weight is orthogonalised by a quintic
Newton-Schulz iteration; other variables (and excluded ones) take an AdamW step."""

from __future__ import annotations

import math
import re

from numen import backend
from numen.kernels import optimizers as fused
from numen.optimizers.arguments import check_number
from numen.optimizers.base import Optimizer


class Muon(Optimizer):
    """Muon (Jordan et al.; Liu et al., 2025), with AdamW for the variables it should not touch.

    A variable takes the AdamW step when it is not 2-D, when `exclude_embeddings` is set and
    its path contains "embedding", or when its path matches a pattern of `exclude_layers`
    (`re.search`); every other variable takes the Muon step: momentum `m = momentum * m + g`,
    the (Nesterov) direction orthogonalised by `ns_steps` Newton-Schulz iterations with
    coefficients `muon_a, muon_b, muon_c`, scaled by `sqrt(max(rows, cols)) * rms_rate`
    (unless `rms_rate` is None). Weight decay is `weight_decay` for Muon variables and
    `adam_weight_decay` for AdamW ones; AdamW's learning rate is `learning_rate *
    adam_lr_ratio`.

    >>> opt = Muon(learning_rate=0.02, exclude_layers=["output"])
    """

    # Steps differ per variable (Muon or AdamW, matrix products): no shared flat buffer.
    elementwise = False

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999,
                 adam_weight_decay=0.004, epsilon=1e-7, weight_decay=0.004, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None,
                 exclude_embeddings=True, muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315,
                 adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        owner = type(self).__name__
        self.adam_beta_1 = check_number(owner, "adam_beta_1", adam_beta_1, low=0.0, high=1.0)
        self.adam_beta_2 = check_number(owner, "adam_beta_2", adam_beta_2, low=0.0, high=1.0)
        self.epsilon = check_number(owner, "epsilon", epsilon, low=0.0)
        if adam_weight_decay is not None:
            check_number(owner, "adam_weight_decay", adam_weight_decay, low=0.0)
        self.adam_weight_decay = adam_weight_decay
        for arg, value in (("muon_a", muon_a), ("muon_b", muon_b), ("muon_c", muon_c),
                           ("adam_lr_ratio", adam_lr_ratio), ("momentum", momentum)):
            check_number(owner, arg, value)
        self.muon_a, self.muon_b, self.muon_c = muon_a, muon_b, muon_c
        self.adam_lr_ratio, self.momentum = adam_lr_ratio, momentum
        if isinstance(ns_steps, bool) or not isinstance(ns_steps, int) or ns_steps < 0:
            raise ValueError(f"{owner}: ns_steps must be an integer >= 0, received {ns_steps!r}")
        self.ns_steps = ns_steps
        self.nesterov = bool(nesterov)
        if rms_rate is not None:
            check_number(owner, "rms_rate", rms_rate)
        self.rms_rate = rms_rate
        if isinstance(exclude_layers, str):
            raise TypeError(f"{owner}: exclude_layers must be a list of patterns, received "
                            f"the string {exclude_layers!r}")
        self.exclude_layers = list(exclude_layers or [])
        self.exclude_embeddings = bool(exclude_embeddings)

    def uses_adamw(self, v) -> bool:
        """Whether variable `v` takes the AdamW step rather than the Muon step."""
        if v.data.ndim != 2:
            return True
        if self.exclude_embeddings and "embedding" in v.path.lower():
            return True
        return any(re.search(pattern, v.path) for pattern in self.exclude_layers)

    def build(self, variables):
        new = [v for v in variables if id(v) not in self._slots]
        super().build(variables)
        for v in new:
            if not self.uses_adamw(v):
                del self._slots[id(v)]["velocity"]

    def make_slots(self, w):
        return {"momentum": w * 0, "velocity": w * 0}

    def decay_rate(self, v):
        if not self._use_weight_decay(v):
            return None
        return self.adam_weight_decay if "velocity" in self._slots[id(v)] else self.weight_decay

    def update_step(self, g, w, slots, lr, step):
        if "velocity" in slots:
            self._adamw_step(g, w, slots, lr * self.adam_lr_ratio, step)
            return
        m = slots["momentum"]
        m += g + m * (self.momentum - 1)
        direction = g + self.momentum * m if self.nesterov else m
        u = self.orthogonalize(direction)
        if self.rms_rate is not None:
            u = u * (math.sqrt(max(w.shape[0], w.shape[1])) * self.rms_rate)
        w -= lr * u

    def _adamw_step(self, g, w, slots, lr, step):
        xp = backend.xp_of(w)
        b1, b2 = self.adam_beta_1, self.adam_beta_2
        alpha = lr * math.sqrt(1 - b2**step) / (1 - b1**step)
        m, v = slots["momentum"], slots["velocity"]
        m += (g - m) * (1 - b1)
        v += (g * g - v) * (1 - b2)
        w -= m * alpha / (xp.sqrt(v) + self.epsilon)

    def fused_step(self, g, w, slots, lr, step, decay):
        if "velocity" in slots:  # the AdamW variables: Adam's kernel
            arrays = fused.views(g, w, slots["momentum"], slots["velocity"])
            if arrays is None:
                return False
            g, w, m, v = arrays
            b1, b2 = self.adam_beta_1, self.adam_beta_2
            alpha = lr * self.adam_lr_ratio * math.sqrt(1 - b2**step) / (1 - b1**step)
            fused.adam(w, g, m, v, v, alpha, b1, b2, self.epsilon, decay, False)
            return True
        # A Muon step: momentum, direction and its norm in one pass, the normalization in
        # place, the Newton-Schulz products on NumPy's BLAS, decay and step in one pass.
        if type(self).orthogonalize is not Muon.orthogonalize:
            return False  # a subclass's own orthogonalization: the NumPy path calls it
        direction = self.scratch(w)
        arrays = fused.views(g, w, slots["momentum"], direction)
        if arrays is None:
            return False
        g1, _, m1, d1 = arrays
        total = fused.muon_momentum(g1, m1, d1, self.momentum, self.nesterov)
        t = w.dtype.type
        d1 /= t(math.sqrt(total)) + t(1e-7)
        tall = w.shape[0] > w.shape[1]
        u = self._newton_schulz(direction.T if tall else direction)
        factor = lr
        if self.rms_rate is not None:
            factor = lr * (math.sqrt(max(w.shape[0], w.shape[1])) * self.rms_rate)
        fused.muon_step(w, u.T if tall else u, factor, decay)
        return True

    def orthogonalize(self, x):
        """Approximately `U V^T` of the SVD `x = U S V^T` (quintic Newton-Schulz)."""
        xp = backend.xp_of(x)
        if x.ndim < 2:
            raise ValueError(f"Muon.orthogonalize: expected a matrix of at least 2 "
                             f"dimensions, received shape {x.shape}")
        tall = x.shape[-2] > x.shape[-1]
        if tall:
            x = xp.swapaxes(x, -1, -2)
        norm = xp.sqrt((x * x).sum(axis=(-2, -1), keepdims=True))
        x = self._newton_schulz(x / (norm + 1e-7))
        return xp.swapaxes(x, -1, -2) if tall else x

    def _newton_schulz(self, x):
        """The iterations of `orthogonalize` on a normalized wide matrix `x`."""
        xp = backend.xp_of(x)
        a, b, c = self.muon_a, self.muon_b, self.muon_c
        for _ in range(self.ns_steps):
            gram = x @ xp.swapaxes(x, -1, -2)
            x = a * x + (b * gram + c * gram @ gram) @ x
        return x

    def get_config(self):
        return {**super().get_config(), "adam_beta_1": self.adam_beta_1,
                "adam_beta_2": self.adam_beta_2, "epsilon": self.epsilon,
                "exclude_layers": self.exclude_layers, "muon_a": self.muon_a,
                "muon_b": self.muon_b, "muon_c": self.muon_c,
                "adam_lr_ratio": self.adam_lr_ratio, "momentum": self.momentum,
                "ns_steps": self.ns_steps, "nesterov": self.nesterov,
                "exclude_embeddings": self.exclude_embeddings,
                "adam_weight_decay": self.adam_weight_decay, "rms_rate": self.rms_rate}
