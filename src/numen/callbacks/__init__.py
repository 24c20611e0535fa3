"""Callbacks (the `keras.callbacks` namespace)."""

from numen.callbacks.base import Callback, CallbackList, History
from numen.callbacks.progbar import Progbar, ProgbarLogger

__all__ = ["Callback", "CallbackList", "History", "Progbar", "ProgbarLogger"]
