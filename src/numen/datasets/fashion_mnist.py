"""Fashion-MNIST clothing images (`keras.datasets.fashion_mnist`), in the gzip'd IDX files."""

from __future__ import annotations

import gzip
import os

import numpy as np

from numen.datasets import _fetch

FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")
# sha256 of each file, so a corrupted transfer or a tampered cache entry is refused.
FILE_HASHES = {
    "train-labels-idx1-ubyte.gz":
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "train-images-idx3-ubyte.gz":
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "t10k-labels-idx1-ubyte.gz":
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    "t10k-images-idx3-ubyte.gz":
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
}


def read_idx(path, offset: int) -> np.ndarray:
    """The uint8 payload of a gzip'd IDX file after its `offset`-byte header."""
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_data():
    """Load Fashion-MNIST: 60,000 training and 10,000 test 28x28 grayscale images of 10
    clothing classes (0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal,
    6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images (N, 28, 28), uint8 labels (N,).

    >>> (x_train, y_train), _ = load_data()  # doctest: +SKIP
    """
    subdir = os.path.join("datasets", "fashion-mnist")
    paths = [_fetch.fetch(name, _fetch.KERAS_DATASETS_URL + name, FILE_HASHES[name],
                          cache_subdir=subdir) for name in FILES]
    y_train = read_idx(paths[0], 8)
    x_train = read_idx(paths[1], 16).reshape(len(y_train), 28, 28)
    y_test = read_idx(paths[2], 8)
    x_test = read_idx(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
