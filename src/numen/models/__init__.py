"""Models: Model (Functional and subclassing) and Sequential."""

from numen.models.model import Functional, Model
from numen.models.sequential import Sequential

__all__ = ["Functional", "Model", "Sequential"]
