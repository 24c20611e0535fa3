"""CIFAR-100 small color images (`keras.datasets.cifar100`)."""

from __future__ import annotations

import os

import numpy as np

from numen.datasets import _fetch
from numen.datasets.cifar import find_folder, load_batch, to_image_format

URL = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode: str = "fine"):
    """Load CIFAR-100: 50,000 training and 10,000 test 32x32 color images.

    Args:
        label_mode: 'fine' (100 classes) or 'coarse' (20 superclasses).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images (N, 32, 32, 3) (channels last)
        and uint8 labels of shape (N, 1).

    Raises:
        ValueError: `label_mode` is not 'fine' or 'coarse'.

    >>> (x_train, y_train), _ = load_data(label_mode="coarse")  # doctest: +SKIP
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f"cifar100.load_data: label_mode must be 'fine' or 'coarse', "
                         f"received {label_mode!r}")
    root = _fetch.fetch("cifar-100-python", URL, FILE_HASH, untar=True)
    folder = find_folder(root, "test")
    key = f"{label_mode}_labels"
    x_train, y_train = load_batch(os.path.join(folder, "train"), label_key=key)
    x_test, y_test = load_batch(os.path.join(folder, "test"), label_key=key)
    y_train = y_train.astype(np.uint8).reshape(-1, 1)
    y_test = y_test.astype(np.uint8).reshape(-1, 1)
    return (to_image_format(x_train), y_train), (to_image_format(x_test), y_test)
