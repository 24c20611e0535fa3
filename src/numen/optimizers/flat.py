"""One contiguous buffer for many variables: each Variable's `.data` becomes a view into it.

With all parameters in one array, an element-wise optimizer updates every variable with a
handful of whole-buffer NumPy calls instead of a handful per variable: at batch 32 the
per-variable Python and small-array overhead of Adam costs more than the matrix products.
Values only ever change in place (Variable.assign writes into its array), so the views stay
valid; `sync` re-links any variable whose array was replaced behind our back.
"""

from __future__ import annotations

import operator

from numen import backend


class FlatGroup:
    """The values of `variables` packed into one 1-D array, with per-variable views."""

    def __init__(self, variables):
        self.variables = list(variables)
        self.ids = [id(v) for v in self.variables]
        xp = backend.xp_of(self.variables[0].data)
        dtype = self.variables[0].data.dtype
        self.offsets = []
        total = 0
        for v in self.variables:
            self.offsets.append((total, total + v.data.size, v.data.shape))
            total += v.data.size
        self.values = xp.empty(total, dtype=dtype)
        self.grads = xp.empty(total, dtype=dtype)
        self.views = []
        for v, view in zip(self.variables, self.split(self.values)):
            view[...] = v.data
            v.data = view
            self.views.append(view)
        self.grad_views = self.split(self.grads)

    @staticmethod
    def accepts(variables) -> bool:
        """True when the variables can share one buffer (one dtype, one device, floats)."""
        if not variables:
            return False
        first = variables[0].data
        xp = backend.xp_of(first)
        return all(v.data.dtype == first.dtype and backend.xp_of(v.data) is xp
                   and v.data.dtype.kind == "f" for v in variables)

    def split(self, flat) -> list:
        """Views of a buffer shaped like `values`, one per variable."""
        return [flat[lo:hi].reshape(shape) for lo, hi, shape in self.offsets]

    def matches(self, variables) -> bool:
        return len(variables) == len(self.ids) and all(map(operator.is_, variables,
                                                           self.variables))

    def sync(self) -> None:
        """Re-link variables whose `.data` was replaced (rather than assigned in place)."""
        for k, (v, view) in enumerate(zip(self.variables, self.views)):
            if v.data is not view:
                view[...] = v.data
                v.data = view
                self.views[k] = view

    def gather(self, grads):
        """Copy per-variable gradients into the flat gradient buffer and return it; a
        gradient that is already its view of the buffer (written there by a replayed step,
        see `Optimizer.gradient_buffers`) is not copied."""
        xp = backend.xp_of(self.grads)
        for view, g in zip(self.grad_views, grads):
            if g is not view:
                xp.copyto(view, g)
        return self.grads
