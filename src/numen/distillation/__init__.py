"""Knowledge distillation: train a small student model to imitate a trained teacher.

>>> from numen.distillation import Distiller, LogitsDistillation
>>> distiller = Distiller(teacher, student, LogitsDistillation(temperature=3.0))
"""

from numen.distillation.distiller import Distiller
from numen.distillation.losses import DistillationLoss, FeatureDistillation, LogitsDistillation

__all__ = ["DistillationLoss", "Distiller", "FeatureDistillation", "LogitsDistillation"]
