"""`keras.legacy`: tf.keras 2 compatibility helpers."""

from numen.keras.legacy import saving

__all__ = ["saving"]
