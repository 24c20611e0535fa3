"""Masks in eager calls: the `_keras_mask` a Tensor carries, the `<name>_mask` arguments it
fills, and the box a model's runner uses to pass its tracked mask through `Layer.__call__`."""

from __future__ import annotations

import inspect

from numen.autodiff import Tensor


class TrackedMask:
    """Carries a model's tracked mask into `Layer.__call__` and the output mask back out."""

    __slots__ = ("mask", "out_mask")

    def __init__(self, mask):
        self.mask = mask
        self.out_mask = None


def mask_arguments(call) -> tuple:
    """(position, name) of each argument of `call` that has a `<name>_mask` partner."""
    try:
        names = list(inspect.signature(call).parameters)
    except (TypeError, ValueError):
        return ()
    return tuple((i, n) for i, n in enumerate(names) if f"{n}_mask" in names)


def positional_index(call, name: str) -> int | None:
    """Where argument `name` sits among `call`'s positional arguments after the inputs."""
    try:
        params = list(inspect.signature(call).parameters.values())
    except (TypeError, ValueError):
        return None
    for i, p in enumerate(params):
        if p.name == name and p.kind == p.POSITIONAL_OR_KEYWORD and i > 0:
            return i - 1
    return None


def mask_of(x):
    """The `_keras_mask` a value carries (a list of them for a list of values; None when
    there is none)."""
    if isinstance(x, Tensor):
        return x._keras_mask
    if isinstance(x, (list, tuple)) and x:
        masks = [v._keras_mask if isinstance(v, Tensor) else None for v in x]
        return masks if any(m is not None for m in masks) else None
    return None


def fill_argument_masks(mask_args: tuple, x, args: tuple, kwargs: dict) -> None:
    """Give `<name>_mask=` the mask carried by argument `<name>`, unless the caller gave one."""
    for i, name in mask_args:
        key = f"{name}_mask"
        if kwargs.get(key) is not None:
            continue
        value = x if i == 0 else (args[i - 1] if i - 1 < len(args) else kwargs.get(name))
        if isinstance(value, Tensor) and value._keras_mask is not None:
            kwargs[key] = value._keras_mask


def attach_masks(out, mask) -> None:
    """Leave `mask` on the output Tensor(s) of an eager call (a list of masks for a list)."""
    if isinstance(out, Tensor):
        if not isinstance(mask, (list, tuple)):
            out._keras_mask = mask
        return
    if isinstance(out, (list, tuple)) and isinstance(mask, (list, tuple)) and \
            len(out) == len(mask):
        for o, m in zip(out, mask):
            if isinstance(o, Tensor) and m is not None:
                o._keras_mask = m


def set_output_masks(out, mask) -> None:
    """Make the `_keras_mask` of a model's output(s) exactly `mask` (None clears a stale one
    left by a layer that returned its input unchanged); used by Sequential and Functional."""
    outs = out if isinstance(out, (list, tuple)) else [out]
    masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(outs)
    for o, m in zip(outs, masks):
        if isinstance(o, Tensor) and o._keras_mask is not m:
            o._keras_mask = m
