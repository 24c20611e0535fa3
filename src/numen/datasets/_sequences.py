"""The word-index post-processing IMDB and Reuters share: offsets, start/OOV marks, length and
vocabulary limits. The rules follow Keras's loaders so indices match code written for them."""

from __future__ import annotations

import numpy as np


def check_args(who: str, num_words, skip_top, maxlen, start_char, oov_char, index_from):
    for name, v in (("num_words", num_words), ("maxlen", maxlen)):
        if v is not None and (not isinstance(v, (int, np.integer)) or v < 0):
            raise ValueError(f"{who}: {name} must be None or a non-negative int, received {v!r}")
    for name, v in (("skip_top", skip_top), ("index_from", index_from)):
        if not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{who}: {name} must be a non-negative int, received {v!r}")
    for name, v in (("start_char", start_char), ("oov_char", oov_char)):
        if v is not None and not isinstance(v, (int, np.integer)):
            raise ValueError(f"{who}: {name} must be None or an int, received {v!r}")


def shift(xs, start_char, index_from) -> list[list[int]]:
    """Add `index_from` to every word index and put `start_char` first (when not None)."""
    head = [start_char] if start_char is not None else []
    return [head + [int(w) + index_from for w in x] for x in xs]


def drop_long(maxlen, xs, labels):
    """Keep the sequences shorter than `maxlen` (Keras keeps `len(x) < maxlen`)."""
    keep = [i for i, x in enumerate(xs) if len(x) < maxlen]
    return [xs[i] for i in keep], np.asarray(labels)[keep]


def limit_vocabulary(xs, num_words, skip_top, oov_char) -> list[list[int]]:
    """Words outside `[skip_top, num_words)` become `oov_char`, or are dropped when it is None.
    Without `num_words` the bound is the largest index present (so that word counts as out of
    range too, exactly as in Keras)."""
    if not num_words:
        num_words = max((max(x) for x in xs if len(x)), default=0)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def object_array(xs) -> np.ndarray:
    """A 1-D object array of lists (np.array would make a 2-D array when lengths agree)."""
    out = np.empty(len(xs), dtype=object)
    for i, x in enumerate(xs):
        out[i] = x
    return out
