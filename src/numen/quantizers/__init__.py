"""Quantization: quantizer functions and objects, configs, and get/serialize/deserialize.

`Model.quantize("int8")` (and "int4") replaces the float kernels of Dense and Embedding layers
by integer ones with per-channel scales (see `layers/quantized.py`).
"""

from __future__ import annotations

import inspect
import re

from numen.quantizers.configs import (
    AbsMaxQuantizer,
    AWQConfig,
    Float8QuantizationConfig,
    GPTQConfig,
    Int4QuantizationConfig,
    Int8QuantizationConfig,
    QuantizationConfig,
    Quantizer,
)
from numen.quantizers.functions import (
    abs_max_quantize,
    abs_max_quantize_grouped_with_zero_point,
    compute_float8_amax_history,
    compute_float8_scale,
    fake_quant_with_min_max_vars,
    pack_int4,
    quantize_and_dequantize,
    unpack_int4,
)

_CLASSES = (Quantizer, AbsMaxQuantizer, QuantizationConfig, Int8QuantizationConfig,
            Int4QuantizationConfig, Float8QuantizationConfig, AWQConfig, GPTQConfig)
ALL_OBJECTS = {c.__name__: c for c in _CLASSES}
ALL_OBJECTS.update({re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", c.__name__).lower(): c
                    for c in _CLASSES})


def serialize(quantizer) -> dict:
    """The dict Keras writes for a quantizer or quantization config.

    >>> serialize(AbsMaxQuantizer())["class_name"]
    'AbsMaxQuantizer'
    """
    config = quantizer.get_config()
    return {"module": "keras.quantizers", "class_name": type(quantizer).__name__,
            "config": config, "registered_name": None}


def deserialize(config, custom_objects=None):
    """The quantizer or config a `serialize` dict describes."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("quantizers.deserialize: expected a dict with 'class_name' and "
                         f"'config', received {config!r}")
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or ALL_OBJECTS.get(name)
    if cls is None:
        raise ValueError(f"quantizers.deserialize: unknown class {name!r}")
    inner = dict(config.get("config") or {})
    if "value_range" in inner:
        inner["value_range"] = tuple(inner["value_range"])
    return cls.from_config(inner)


def get(identifier, **kwargs):
    """A quantizer from a name ("AbsMaxQuantizer" or "abs_max_quantizer", built with
    `kwargs`), a serialized dict, or a quantizer (returned as is); None gives None.

    >>> type(get("abs_max_quantizer")).__name__
    'AbsMaxQuantizer'
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS.get(identifier)
    else:
        obj = identifier
    if inspect.isclass(obj):
        return obj(**kwargs)
    if callable(obj) or isinstance(obj, QuantizationConfig):
        return obj
    raise ValueError(f"quantizers.get: cannot read a quantizer from {identifier!r}")


__all__ = ["AWQConfig", "AbsMaxQuantizer", "Float8QuantizationConfig", "GPTQConfig",
           "Int4QuantizationConfig", "Int8QuantizationConfig", "QuantizationConfig",
           "Quantizer", "abs_max_quantize", "abs_max_quantize_grouped_with_zero_point",
           "compute_float8_amax_history", "compute_float8_scale", "deserialize",
           "fake_quant_with_min_max_vars", "get", "pack_int4", "quantize_and_dequantize",
           "serialize", "unpack_int4"]
