"""One contiguous buffer for many variables: each Variable's `.data` becomes a view into it.

With all parameters in one array, an element-wise optimizer updates every variable with a
handful of whole-buffer NumPy calls instead of a handful per variable: at batch 32 the
per-variable Python and small-array overhead of Adam costs more than the matrix products.
Values only ever change in place (Variable.assign writes into its array), so the views stay
valid; `sync` re-links any variable whose array was replaced behind our back. `pack` and
`update` are the Optimizer's side: building the buffer and one update through it.
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


def pack(optimizer, variables) -> dict:
    """Pack `variables` into one buffer that `optimizer` keeps (`_flat`, `_flat_slots`) and
    return each variable's slots as views of the flat slot arrays, by variable id; {} (and
    nothing packed) when the optimizer's slots are not shaped like the weights."""
    group = FlatGroup(variables)
    slots = optimizer.make_slots(group.values)
    if any(a.shape != group.values.shape for a in slots.values()):
        return {}  # slots not shaped like the weights: keep per-variable state
    optimizer._flat, optimizer._flat_slots = group, slots
    per_slot = {name: group.split(arr) for name, arr in slots.items()}
    return {id(v): {name: views[k] for name, views in per_slot.items()}
            for k, v in enumerate(variables)}


def update(optimizer, group: FlatGroup, grads, variables, lr: float, step: int,
           fused: bool) -> None:
    """One update of every variable of `group` through whole-buffer calls: weight decay (on
    the whole buffer when it applies to all variables), then the optimizer's fused kernel or
    its `update_step` on the flat arrays."""
    group.sync()
    decay = 0.0  # lr * weight_decay for the whole buffer, when it applies to all
    if optimizer.weight_decay and not optimizer._exclude_ids and not optimizer._exclude_names:
        decay = lr * optimizer.weight_decay
    elif optimizer.weight_decay:
        for v in variables:
            rate = optimizer.decay_rate(v)
            if rate:
                v.data -= (lr * rate) * v.data
    g = group.gather(grads)
    optimizer.before_update(step)
    slots = optimizer._flat_slots
    if not (fused and optimizer.fused_step(g, group.values, slots, lr, step, decay)):
        if decay:
            group.values -= decay * group.values
        optimizer.update_step(g, group.values, slots, lr, step)
