"""Small classic datasets (`keras.datasets`): each module has a `load_data()` that downloads
the same files Keras uses, caches them where Keras does (under `$KERAS_HOME/datasets`, default
`~/.keras/datasets`), verifies their hashes and returns NumPy arrays in Keras's shapes and
dtypes.

Set `NUMEN_DATASETS_ORIGIN` to a base URL to fetch every file from a mirror instead (the file
names stay the same); hashes are checked either way.
"""

from numen.datasets import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "fashion_mnist",
           "imdb", "mnist", "reuters"]
