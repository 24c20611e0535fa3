"""`keras.ops.image`: numen.ops.image, each function also accepting symbolic KerasTensors
(the same graph-aware wrapper as the rest of `keras.ops`)."""

# ruff: noqa: F822 - the names are bound by the update below
from numen.keras.ops import _graph_aware
from numen.ops import image as _image

__all__ = list(_image.__all__)

globals().update({name: _graph_aware(getattr(_image, name)) for name in __all__})
