"""`keras.preprocessing.sequence`."""

from numen.utils.sequence_utils import pad_sequences

__all__ = ["pad_sequences"]
