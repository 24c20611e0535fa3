"""`keras.distillation`: numen's knowledge distillation (numen.distillation) under Keras 3's
names: Distiller, DistillationLoss, FeatureDistillation, LogitsDistillation."""

from numen.distillation import (
    DistillationLoss,
    Distiller,
    FeatureDistillation,
    LogitsDistillation,
)

__all__ = ["DistillationLoss", "Distiller", "FeatureDistillation", "LogitsDistillation"]
