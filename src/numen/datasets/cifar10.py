"""CIFAR-10 small color images (`keras.datasets.cifar10`)."""

from __future__ import annotations

import os

import numpy as np

from numen.datasets import _fetch
from numen.datasets.cifar import find_folder, load_batch, to_image_format

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data():
    """Load CIFAR-10: 50,000 training and 10,000 test 32x32 color images in 10 classes
    (airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images (N, 32, 32, 3) (channels last)
        and uint8 labels of shape (N, 1).

    >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
    >>> x_train.shape, y_train.shape  # doctest: +SKIP
    ((50000, 32, 32, 3), (50000, 1))
    """
    root = _fetch.fetch("cifar-10-batches-py", URL, FILE_HASH, untar=True)
    folder = find_folder(root, "test_batch")
    parts = [load_batch(os.path.join(folder, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in parts])
    y_train = np.concatenate([y for _, y in parts]).astype(np.uint8).reshape(-1, 1)
    x_test, y_test = load_batch(os.path.join(folder, "test_batch"))
    y_test = y_test.astype(np.uint8).reshape(-1, 1)
    return (to_image_format(x_train), y_train), (to_image_format(x_test), y_test)
