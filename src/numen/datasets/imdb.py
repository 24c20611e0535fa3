"""IMDB movie-review sentiment (`keras.datasets.imdb`): reviews as lists of word indices."""

from __future__ import annotations

import json

import numpy as np

from numen.datasets import _fetch, _sequences
from numen.datasets._safe_load import load_npz

URL = _fetch.KERAS_DATASETS_URL + "imdb.npz"
FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_URL = _fetch.KERAS_DATASETS_URL + "imdb_word_index.json"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"  # md5, as Keras publishes it


def load_data(path: str = "imdb.npz", num_words: int | None = None, skip_top: int = 0,
              maxlen: int | None = None, seed: int = 113, start_char: int | None = 1,
              oov_char: int | None = 2, index_from: int = 3, **kwargs):
    """Load the IMDB reviews: 25,000 training and 25,000 test reviews labelled 0/1.

    Word indices are ranked by frequency (1 is the most frequent word) and shifted by
    `index_from`, leaving 0 for padding, 1 for the start mark and 2 for out-of-vocabulary.

    Args:
        path: file name of the cached copy.
        num_words: keep the `num_words - 1` most frequent words; others become `oov_char`.
        skip_top: also treat the `skip_top` most frequent words as out of vocabulary.
        maxlen: drop reviews with `maxlen` or more words (after adding the start mark).
        seed: seed of the shuffle applied to each split.
        start_char: index put at the start of every review (None: none).
        oov_char: index for words cut by `num_words`/`skip_top` (None: drop them).
        index_from: offset added to every word index.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: x are 1-D object arrays of lists of ints,
        y are int arrays of 0/1 labels.

    Raises:
        ValueError: bad arguments, or `maxlen` so small that no review is left.

    >>> (x_train, y_train), _ = load_data(num_words=10000)  # doctest: +SKIP
    """
    if kwargs:
        raise TypeError(f"imdb.load_data: unrecognized arguments {sorted(kwargs)}")
    _sequences.check_args("imdb.load_data", num_words, skip_top, maxlen, start_char, oov_char,
                          index_from)
    f = load_npz(_fetch.fetch(path, URL, FILE_HASH))
    x_train, labels_train = f["x_train"], f["y_train"]
    x_test, labels_test = f["x_test"], f["y_test"]

    rng = np.random.RandomState(seed)
    order = np.arange(len(x_train))
    rng.shuffle(order)
    x_train, labels_train = x_train[order], labels_train[order]
    order = np.arange(len(x_test))
    rng.shuffle(order)
    x_test, labels_test = x_test[order], labels_test[order]

    x_train = _sequences.shift(x_train, start_char, index_from)
    x_test = _sequences.shift(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = _sequences.drop_long(maxlen, x_train, labels_train)
        x_test, labels_test = _sequences.drop_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"imdb.load_data: no review is shorter than maxlen={maxlen}; "
                             "increase maxlen")
    xs = _sequences.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    n = len(x_train)
    return (_sequences.object_array(xs[:n]), labels[:n]), \
        (_sequences.object_array(xs[n:]), labels[n:])


def get_word_index(path: str = "imdb_word_index.json") -> dict[str, int]:
    """The word -> index dictionary (indices before the `index_from` offset).

    >>> get_word_index()["the"]  # doctest: +SKIP
    1
    """
    with open(_fetch.fetch(path, WORD_INDEX_URL, WORD_INDEX_HASH), encoding="utf-8") as f:
        return json.load(f)
