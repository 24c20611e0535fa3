"""California housing prices (`keras.datasets.california_housing`): 20,640 samples, 8
features per census block group."""

from __future__ import annotations

from numen.datasets import _fetch
from numen.datasets._safe_load import load_npz
from numen.datasets._tabular import shuffle_split

URL = _fetch.KERAS_DATASETS_URL + "california_housing.npz"
FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"


def load_data(version: str = "large", path: str = "california_housing.npz",
              test_split: float = 0.2, seed: int = 113):
    """Load the California housing data.

    Args:
        version: 'large' (all 20,640 samples) or 'small' (the first 600).
        path: file name of the cached copy.
        test_split: fraction held out for the test set, after shuffling with `seed`.
        seed: shuffle seed.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: x of shape (N, 8), y of shape (N,) (prices
        in dollars).

    Raises:
        ValueError: unknown `version` or `test_split` outside [0, 1).

    >>> (x_train, y_train), _ = load_data(version="small")  # doctest: +SKIP
    """
    who = "california_housing.load_data"
    if not 0 <= test_split < 1:
        raise ValueError(f"{who}: test_split must be in [0, 1), received {test_split!r}")
    if version not in ("small", "large"):
        raise ValueError(f"{who}: version must be 'small' or 'large', received {version!r}")
    f = load_npz(_fetch.fetch(path, URL, FILE_HASH))
    x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return shuffle_split(x, y, test_split, seed)
