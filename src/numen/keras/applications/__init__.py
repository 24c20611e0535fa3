"""`keras.applications`: the published architectures, `keras.applications.ResNet50` or
`keras.applications.resnet.preprocess_input`.

The family modules are imported on first use, so importing `numen.keras` builds none of them.
A family numen does not have yet is simply absent (AttributeError), as for any missing name.
"""

from __future__ import annotations

import importlib

from numen.applications import _BUILDER_HOME, FAMILIES

__all__ = sorted(FAMILIES) + sorted(_BUILDER_HOME)


def _family(name: str):
    try:
        return importlib.import_module(f"numen.keras.applications.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"numen.applications.{name}":
            raise
        raise AttributeError(f"module 'numen.keras.applications' has no attribute {name!r} "
                             f"(numen has no `applications.{name}` yet)") from None


def __getattr__(name: str):
    if name in FAMILIES:
        return _family(name)
    if name in _BUILDER_HOME:
        return getattr(_family(_BUILDER_HOME[name]), name)
    raise AttributeError(f"module 'numen.keras.applications' has no attribute {name!r}")


def __dir__():
    return __all__
