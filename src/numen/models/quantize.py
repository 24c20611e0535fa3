"""`Model.quantize`: quantize every leaf layer that can be (Dense, EinsumDense, Embedding), as
Keras does."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable


def _selected(layer, filters) -> bool:
    if filters is None:
        return True
    if callable(filters):
        return bool(filters(layer))
    patterns = [filters] if isinstance(filters, str) else list(filters)
    return any(re.search(p, layer.name) for p in patterns)


def quantize_model(model, mode=None, config=None, filters=None, **kwargs) -> None:
    """Quantize `model`'s leaf layers that implement `quantize` (others are skipped with a
    warning, as in Keras) and forget the training step's cached variables."""
    from numen import quantizers

    type_check = kwargs.pop("type_check", True)
    if kwargs:
        raise ValueError(f"{type(model).__name__}.quantize: unexpected keyword arguments "
                         f"{sorted(kwargs)}")
    if filters is not None and not isinstance(filters, (str, Callable, list, tuple)):
        raise ValueError(f"{type(model).__name__}.quantize: `filters` must be a regex, a list "
                         f"of regexes or a callable, received {type(filters).__name__}")
    config = quantizers.configs.resolve_config(mode, config)
    changed = False
    for layer in model._walk():
        if layer is model or layer._sublayers() or not _selected(layer, filters):
            continue
        method = getattr(layer, "quantize", None)
        if method is None:
            continue
        try:
            method(config.mode, type_check=type_check, config=config)
            changed = True
        except NotImplementedError as exc:
            warnings.warn(str(exc), stacklevel=2)
    if changed:
        model._trainable_cache = None
        model._layers_cache = None
        step = getattr(model, "_recorded_step", None)
        if step is not None:
            model._recorded_step = type(step)(enabled=step.enabled)
