"""`keras.preprocessing`: the dataset builders and the `image` and `sequence` helpers."""

from numen.keras.preprocessing import image, sequence
from numen.utils.image_dataset import image_dataset_from_directory
from numen.utils.sequence_utils import timeseries_dataset_from_array
from numen.utils.text_dataset import text_dataset_from_directory

__all__ = ["image", "image_dataset_from_directory", "sequence", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
