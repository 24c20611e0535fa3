"""`keras.utils.text_dataset_from_directory`: batches of texts read from a folder tree."""

from __future__ import annotations

import functools

import numpy as np

from numen.utils.dataset_from_directory import build_datasets

TEXT_FORMATS = (".txt",)


def load_text(path, max_length=None) -> np.ndarray:
    """One text file as a 0-d string array, cut to its first `max_length` bytes (as Keras
    cuts the raw bytes; a character split by the cut is dropped)."""
    with open(path, "rb") as f:
        raw = f.read() if max_length is None else f.read(max_length)
    return np.asarray(raw.decode("utf-8", errors="ignore"))


def text_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                class_names=None, batch_size=32, max_length=None, shuffle=True,
                                seed=None, validation_split=None, subset=None,
                                follow_links=False, format="tf", verbose=True):
    """A dataset of text batches from the `.txt` files under `directory`.

    The listing, labels and split are those of `image_dataset_from_directory`; each file is
    read (as UTF-8) only when its batch is requested.

    Args:
        directory: the folder; with labels='inferred' one sub-folder per class.
        labels: 'inferred', None, or one int label per file (in sorted path order).
        label_mode: 'int', 'categorical', 'binary' or None.
        class_names: with labels='inferred', the sub-folders to use, in label order.
        batch_size: texts per batch; None yields single texts.
        max_length: keep at most this many bytes of each file.
        shuffle, seed, validation_split, subset, follow_links, verbose: as in
            `image_dataset_from_directory`.
        format: accepted for compatibility ('tf' or 'grain').

    Returns:
        A `FileDataset` yielding `(texts, labels)` (or `texts`), texts a NumPy string array of
        shape (batch,). Models take numbers, so map the texts first, e.g.
        `ds.map(lambda x, y: (vectorizer(x), y))`.

    Raises:
        ValueError: bad arguments or no text files found.

    >>> ds = text_dataset_from_directory("reviews", batch_size=8)  # doctest: +SKIP
    """
    name = "text_dataset_from_directory"
    if max_length is not None and (isinstance(max_length, bool) or
                                   not isinstance(max_length, (int, np.integer)) or
                                   max_length <= 0):
        raise ValueError(f"{name}: max_length must be a positive int or None, received "
                         f"{max_length!r}")
    if format not in ("tf", "grain"):
        raise ValueError(f"{name}: format must be 'tf' or 'grain', received {format!r}")
    load = functools.partial(load_text, max_length=max_length)
    return build_datasets(name, directory, labels, label_mode, class_names, TEXT_FORMATS,
                          batch_size, shuffle, seed, validation_split, subset, follow_links,
                          verbose, load)


__all__ = ["text_dataset_from_directory"]
