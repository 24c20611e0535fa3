"""`keras.datasets`: `from numen.keras.datasets import mnist`, then `mnist.load_data()`."""

from numen.datasets import (  # noqa: F401
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)
