"""MNIST handwritten digits (`keras.datasets.mnist`)."""

from __future__ import annotations

import numpy as np

from numen.datasets import _fetch
from numen.datasets._safe_load import load_npz

URL = _fetch.KERAS_DATASETS_URL + "mnist.npz"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path: str = "mnist.npz"):
    """Load MNIST: 60,000 training and 10,000 test 28x28 grayscale digit images.

    Args:
        path: file name of the cached copy (under `$KERAS_HOME/datasets`,
            default `~/.keras/datasets`).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape (N, 28, 28) with values
        0-255 and uint8 labels 0-9 of shape (N,).

    >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
    >>> x_train.shape, y_train.shape  # doctest: +SKIP
    ((60000, 28, 28), (60000,))
    """
    f = load_npz(_fetch.fetch(path, URL, FILE_HASH))
    return (np.asarray(f["x_train"]), np.asarray(f["y_train"])), \
        (np.asarray(f["x_test"]), np.asarray(f["y_test"]))
