"""Small helpers users reach for (`keras.utils`): seeding, label encoding, normalization."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.backend import set_random_seed
from numen.training.trainer import pack_x_y_sample_weight, unpack_x_y_sample_weight
from numen.utils.audio_dataset import audio_dataset_from_directory
from numen.utils.feature_space import FeatureSpace
from numen.utils.file_utils import get_file
from numen.utils.image_dataset import image_dataset_from_directory
from numen.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from numen.utils.plotting import model_to_dot, plot_history, plot_model
from numen.utils.py_dataset import PyDataset, Sequence
from numen.utils.sequence_utils import pad_sequences, split_dataset, timeseries_dataset_from_array
from numen.utils.text_dataset import text_dataset_from_directory


def to_categorical(x, num_classes=None):
    """Integer labels to one-hot rows: `to_categorical([0, 2], 3)` -> [[1,0,0],[0,0,1]]."""
    y = np.asarray(x)
    if y.dtype.kind == "f":
        if not np.array_equal(y, np.round(y)):
            raise ValueError("to_categorical: labels must be whole numbers")
    y = y.astype(np.int64)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    if y.size and y.min() < 0:
        raise ValueError(f"to_categorical: labels must be >= 0, received {y.min()}")
    n = int(num_classes) if num_classes is not None else int(y.max()) + 1 if y.size else 0
    if y.size and y.max() >= n:
        raise ValueError(f"to_categorical: label {y.max()} is out of range for "
                         f"num_classes={n}")
    out = np.zeros(y.shape + (n,), dtype=backend.floatx())
    np.put_along_axis(out, y[..., None], 1, axis=-1)
    return out


def normalize(x, axis=-1, order=2):
    """`x` scaled to unit `order`-norm along `axis` (zero rows stay zero)."""
    x = np.asarray(x, dtype=np.float64 if np.asarray(x).dtype == np.float64 else None)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    norm[norm == 0] = 1
    return x / norm


__all__ = ["get_file", "pad_sequences", "split_dataset", "timeseries_dataset_from_array",
           "normalize", "pack_x_y_sample_weight", "set_random_seed", "to_categorical",
           "unpack_x_y_sample_weight", "PyDataset", "Sequence", "model_to_dot", "plot_history",
           "plot_model", "array_to_img", "audio_dataset_from_directory",
           "image_dataset_from_directory", "img_to_array", "load_img", "save_img",
           "text_dataset_from_directory", "FeatureSpace"]
