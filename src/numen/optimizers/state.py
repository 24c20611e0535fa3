"""An optimizer's state as Keras 3 lays it out: which arrays, in which order, under which
names. Keras names each slot after the model variable it belongs to (`enc_kernel_momentum` at
`adam/enc_kernel_momentum`) and stores the state in .keras files by order alone, so the order
here is the one Keras creates its variables in."""

from __future__ import annotations

from numen.autodiff import Variable


def entries(optimizer) -> list:
    """(name, path, array) of the state after iterations and learning rate, in the order
    Keras creates it: EMA averages, gradient accumulators, the slots pass by pass (see
    `Optimizer.slot_passes`), then `extra_state`."""
    out = []
    for suffix, table in (("average", optimizer._averages),
                          ("gradient_accumulator", optimizer._accumulators)):
        out += [(*optimizer.slot_name(v, suffix), table[id(v)]) for v in optimizer._variables
                if id(v) in table]
    passes = optimizer.slot_passes
    if passes is None:
        names: list[str] = []
        for v in optimizer._variables:
            names += [n for n in optimizer._slots[id(v)] if n not in names]
        passes = (names,)
    for names in passes:
        for v in optimizer._variables:
            slots = optimizer._slots[id(v)]
            out += [(*optimizer.slot_name(v, n), slots[n]) for n in names if n in slots]
    return out + [(path.rsplit("/", 1)[-1], path, arr) for path, arr in optimizer.extra_state()]


def views(optimizer, found) -> list:
    """A Variable sharing each (name, path, array) of `found`; the optimizer keeps them, so
    that reading `variables` twice gives the same Variables while the arrays stay."""
    cache = getattr(optimizer, "_variable_views", {})
    out, kept = [], {}
    for name, path, arr in found:
        hit = cache.get(id(arr))
        if hit is None or hit.data is not arr or hit.path != path:
            hit = Variable(arr, name=name, trainable=False, dtype=arr.dtype.name, path=path)
        kept[id(arr)] = hit
        out.append(hit)
    optimizer._variable_views = kept
    return out
