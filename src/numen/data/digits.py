"""The bundled UCI handwritten digits: 1,797 8x8 grey images of the digits 0-9.

Credit and licence (CC BY 4.0): DIGITS_LICENSE.txt beside this file.
"""

from __future__ import annotations

import gzip
from importlib import resources

import numpy as np

N_SAMPLES = 1797
IMAGE_SHAPE = (8, 8)


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The digits as `(x, y)`: x float32 of shape (1797, 64) scaled to [0, 1], y int64 labels.

    >>> x, y = load_digits()
    >>> x.shape, y[:3]
    ((1797, 64), array([0, 1, 2]))
    """
    path = resources.files("numen.data").joinpath("digits.csv.gz")
    with path.open("rb") as raw, gzip.open(raw, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float32)
    x = table[:, :-1] / np.float32(16.0)
    y = table[:, -1].astype(np.int64)
    return x, y


def train_test_split(x, y, test_size: float = 0.2, seed: int = 0):
    """A deterministic shuffled split: `(x_train, y_train), (x_test, y_test)`.

    The same `seed` gives the same split on every machine (NumPy's PCG64 generator).

    Raises:
        ValueError: `test_size` outside (0, 1), or `x` and `y` of different lengths.
    """
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"train_test_split: x has {len(x)} samples but y has {len(y)}")
    if isinstance(test_size, bool) or not 0 < test_size < 1:
        raise ValueError(f"train_test_split: test_size must be in (0, 1), received "
                         f"{test_size!r}")
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = max(1, int(round(len(x) * test_size)))
    test, train = order[:n_test], order[n_test:]
    return (x[train], y[train]), (x[test], y[test])


def render_digit(image, width: int = 2) -> str:
    """An 8x8 image in [0, 1] as ASCII art, darker pixels drawn with denser characters."""
    shades = " .:-=+*#%@"
    pixels = np.asarray(image, dtype=np.float64).reshape(IMAGE_SHAPE)
    levels = np.clip((pixels * (len(shades) - 1)).round().astype(int), 0, len(shades) - 1)
    return "\n".join("".join(shades[v] * width for v in row) for row in levels)
