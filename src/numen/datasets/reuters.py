"""Reuters newswire topics (`keras.datasets.reuters`): 11,228 newswires in 46 topics."""

from __future__ import annotations

import json

import numpy as np

from numen.datasets import _fetch, _sequences
from numen.datasets._safe_load import load_npz

URL = _fetch.KERAS_DATASETS_URL + "reuters.npz"
FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_URL = _fetch.KERAS_DATASETS_URL + "reuters_word_index.json"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"  # md5, as Keras publishes it

LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(path: str = "reuters.npz", num_words: int | None = None, skip_top: int = 0,
              maxlen: int | None = None, test_split: float = 0.2, seed: int = 113,
              start_char: int | None = 1, oov_char: int | None = 2, index_from: int = 3):
    """Load the Reuters newswires as lists of word indices with topic labels 0-45.

    The arguments mean what they mean in `imdb.load_data`; `test_split` is the fraction of
    the (shuffled) newswires kept for the test set.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: x are 1-D object arrays of lists of ints,
        y are int arrays of topic labels.

    Raises:
        ValueError: bad arguments (e.g. `test_split` outside [0, 1)).

    >>> (x_train, y_train), _ = load_data(num_words=10000, test_split=0.2)  # doctest: +SKIP
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"reuters.load_data: test_split must be in [0, 1), "
                         f"received {test_split!r}")
    _sequences.check_args("reuters.load_data", num_words, skip_top, maxlen, start_char,
                          oov_char, index_from)
    f = load_npz(_fetch.fetch(path, URL, FILE_HASH))
    xs, labels = f["x"], f["y"]
    order = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(order)
    xs, labels = xs[order], labels[order]

    xs = _sequences.shift(xs, start_char, index_from)
    if maxlen:
        xs, labels = _sequences.drop_long(maxlen, xs, labels)
    xs = _sequences.limit_vocabulary(xs, num_words, skip_top, oov_char)
    n = int(len(xs) * (1 - test_split))
    return (_sequences.object_array(xs[:n]), np.array(labels[:n])), \
        (_sequences.object_array(xs[n:]), np.array(labels[n:]))


def get_word_index(path: str = "reuters_word_index.json") -> dict[str, int]:
    """The word -> index dictionary (indices before the `index_from` offset)."""
    with open(_fetch.fetch(path, WORD_INDEX_URL, WORD_INDEX_HASH), encoding="utf-8") as f:
        return json.load(f)


def get_label_names() -> tuple[str, ...]:
    """The 46 topic names, in label order."""
    return LABEL_NAMES
