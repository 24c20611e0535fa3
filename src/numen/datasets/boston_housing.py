"""Boston housing prices (`keras.datasets.boston_housing`): 506 samples, 13 features."""

from __future__ import annotations

from numen.datasets import _fetch
from numen.datasets._safe_load import load_npz
from numen.datasets._tabular import shuffle_split

URL = _fetch.KERAS_DATASETS_URL + "boston_housing.npz"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113):
    """Load the Boston housing data, shuffled with `seed`, the last `test_split` held out.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: x of shape (N, 13), y of shape (N,) (median
        values in k$).

    Raises:
        ValueError: `test_split` outside [0, 1).

    >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
    >>> x_train.shape  # doctest: +SKIP
    (404, 13)
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"boston_housing.load_data: test_split must be in [0, 1), "
                         f"received {test_split!r}")
    f = load_npz(_fetch.fetch(path, URL, FILE_HASH))
    return shuffle_split(f["x"], f["y"], test_split, seed)
