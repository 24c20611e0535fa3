"""Callbacks (the `keras.callbacks` namespace)."""

from numen.callbacks.base import Callback, CallbackList, History
from numen.callbacks.checkpoint import BackupAndRestore, ModelCheckpoint
from numen.callbacks.early_stopping import EarlyStopping
from numen.callbacks.ema import SwapEMAWeights
from numen.callbacks.learning_rate import LearningRateScheduler, ReduceLROnPlateau
from numen.callbacks.logging import CSVLogger, LambdaCallback, TerminateOnNaN
from numen.callbacks.progbar import Progbar, ProgbarLogger
from numen.callbacks.remote import RemoteMonitor
from numen.callbacks.tensorboard import TensorBoard

__all__ = [
    "BackupAndRestore", "ModelCheckpoint",
    "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History", "LambdaCallback",
    "LearningRateScheduler", "Progbar", "ProgbarLogger", "ReduceLROnPlateau", "RemoteMonitor",
    "SwapEMAWeights", "TensorBoard", "TerminateOnNaN",
]
