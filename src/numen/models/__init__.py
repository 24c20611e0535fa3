"""Models: Model (Functional and subclassing) and Sequential."""

from numen.models.model import Model
from numen.models.sequential import Sequential

__all__ = ["Model", "Sequential"]
