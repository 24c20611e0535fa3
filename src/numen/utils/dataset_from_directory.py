"""What image/text/audio_dataset_from_directory share: listing a folder tree, labels, the
validation split, and `FileDataset`, the batches that are read from disk only when asked for.

The listing and the split follow Keras's rules, so the same folder gives the same
`class_names`, the same file order and the same training/validation files:

- with `labels="inferred"`, each visible sub-folder (sorted by name, or in the order of
  `class_names`) is a class, and its files (searched recursively, folders in sorted order,
  files sorted within each) get that class's index;
- a file is kept when its lower-cased name ends with one of the formats;
- with `shuffle=True` the whole list is shuffled once by `np.random.RandomState(seed)`, the
  labels with a second generator of the same seed (so they stay aligned);
- the validation subset is the last `int(validation_split * n)` files, training the rest.

Where Keras returns a `tf.data.Dataset`, numen returns a `FileDataset`, a `PyDataset` that
`fit`, `evaluate` and `predict` take directly, iterable as well, with `class_names` and
`file_paths` attributes.
"""

from __future__ import annotations

import math
import os

import numpy as np

from numen.utils.py_dataset import PyDataset

LABEL_MODES = ("int", "categorical", "binary", None)


def check_common_arguments(name: str, labels, label_mode, class_names, batch_size,
                           validation_split, subset, shuffle, seed) -> None:
    """The argument checks the three `*_dataset_from_directory` functions share.

    Raises:
        ValueError: naming the function, the argument, what was received and expected.
    """
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple, np.ndarray)):
            raise ValueError(f"{name}: labels must be 'inferred', None, or a list/tuple of "
                             f"integer labels (one per file, in sorted path order), received "
                             f"{labels!r}")
        if class_names is not None:
            raise ValueError(f"{name}: class_names can only be passed with "
                             f"labels='inferred', received labels={labels!r} and "
                             f"class_names={class_names!r}")
    if label_mode not in LABEL_MODES:
        raise ValueError(f"{name}: label_mode must be 'int', 'categorical', 'binary' or None, "
                         f"received {label_mode!r}")
    if batch_size is not None and (isinstance(batch_size, bool) or
                                   not isinstance(batch_size, (int, np.integer)) or
                                   batch_size <= 0):
        raise ValueError(f"{name}: batch_size must be a positive int or None, received "
                         f"{batch_size!r}")
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"{name}: validation_split must be between 0 and 1, received "
                         f"{validation_split!r}")
    if bool(validation_split) != bool(subset):
        raise ValueError(f"{name}: subset and validation_split go together: pass both or "
                         f"neither (received validation_split={validation_split!r}, "
                         f"subset={subset!r})")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f"{name}: subset must be 'training', 'validation' or 'both', "
                         f"received {subset!r}")
    if validation_split and shuffle and seed is None:
        raise ValueError(f"{name}: with validation_split and shuffle=True, pass a `seed` so "
                         "that the training and validation subsets do not overlap")


def _walk_files(directory: str, formats, follow_links: bool):
    """(folder, file name) of the matching files under `directory`: folders in sorted
    order, files sorted within each."""
    walk = os.walk(directory, followlinks=follow_links)
    for root, _, files in sorted(walk, key=lambda entry: entry[0]):
        for fname in sorted(files):
            if fname.lower().endswith(formats):
                yield root, fname


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True, name="index_directory"):
    """The files under `directory` with their labels and the class names.

    Returns:
        `(file_paths, labels, class_names)`: paths joined onto `directory`; an int32 array of
        labels (None without labels); the class names (None without labels).

    Raises:
        ValueError: `class_names` that are not sub-folders, or explicit labels whose count
            differs from the number of files.
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(f"{name}: directory {directory!r} does not exist or is not a folder")
    formats = tuple(formats)
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names) <= set(subdirs):
                raise ValueError(f"{name}: class_names must be sub-folders of {directory!r}: "
                                 f"expected names among {subdirs}, received {class_names}")
            subdirs = list(class_names)
    else:
        subdirs = [""]
        if class_names is not None:
            raise ValueError(f"{name}: class_names can only be passed with labels='inferred'")
    relative, found_labels = [], []
    for index, subdir in enumerate(subdirs):
        top = os.path.join(directory, subdir)
        for root, fname in _walk_files(top, formats, follow_links):
            # The path relative to `directory`, spelled as Keras spells it.
            rel = os.path.join(os.path.basename(top), os.path.relpath(os.path.join(root, fname),
                                                                      top))
            relative.append(rel)
            found_labels.append(index)
    if labels == "inferred":
        labels = np.asarray(found_labels, dtype="int32")
        class_names = list(subdirs)
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(relative):
            raise ValueError(f"{name}: received {len(labels)} labels but found "
                             f"{len(relative)} files in {directory!r}; pass one label per file")
        class_names = [str(label) for label in sorted(set(labels))]
        labels = np.array(labels)  # a copy: the caller's labels are not shuffled
        labels = labels.astype("int32") if labels.dtype.kind in "iu" else labels
    if verbose:
        if labels is None:
            print(f"Found {len(relative)} files.")
        else:
            print(f"Found {len(relative)} files belonging to {len(class_names)} classes.")
    paths = [os.path.join(directory, rel) for rel in relative]
    if shuffle:
        seed = np.random.randint(1e6) if seed is None else seed
        np.random.RandomState(seed).shuffle(paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return paths, labels, class_names


def split_files(paths, labels, validation_split, subset: str):
    """The training (all but the last `int(validation_split * n)`) or validation (those last
    files) part of `paths` and `labels`; everything when `validation_split` is falsy."""
    if not validation_split:
        return paths, labels
    n_val = int(validation_split * len(paths))
    if subset == "training":
        print(f"Using {len(paths) - n_val} files for training.")
        cut = slice(0, len(paths) - n_val)
    else:
        print(f"Using {n_val} files for validation.")
        cut = slice(len(paths) - n_val, len(paths))
    return paths[cut], None if labels is None else labels[cut]


def encode_labels(labels: np.ndarray, label_mode: str, num_classes: int) -> np.ndarray:
    """int -> int32 (n,); binary -> float32 (n, 1); categorical -> float32 one-hot."""
    if label_mode == "binary":
        return np.asarray(labels, dtype="float32")[:, None]
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[np.asarray(labels, dtype="int64")]
    return np.asarray(labels, dtype="int32")


class FileDataset(PyDataset):
    """Batches read from files on demand: building it reads nothing, and a batch holds
    only its own files' contents, so memory does not grow with the number of files.

    Args:
        file_paths: the files, in dataset order.
        labels: one int label per file, or None.
        label_mode: 'int', 'categorical', 'binary' or None (see `encode_labels`).
        class_names: the class names (kept as the `class_names` attribute).
        load: `load(path) -> array` for one file.
        collate: `collate(list_of_arrays) -> batch` (default: `np.stack`).
        batch_size: files per batch; None yields one sample at a time.
        shuffle: reshuffle the order at the end of every epoch (and pass).
        seed: seed of those reshuffles.

    >>> ds = FileDataset(["a.txt"], None, None, None, load=len, batch_size=1)  # doctest: +SKIP
    """

    def __init__(self, file_paths, labels, label_mode, class_names, load, collate=None,
                 batch_size=32, shuffle=False, seed=None):
        super().__init__()
        self.file_paths = list(file_paths)
        self.class_names = class_names
        self._labels = None
        if label_mode is not None and labels is not None:
            self._labels = encode_labels(labels, label_mode,
                                         len(class_names) if class_names else 0)
        self._load = load
        self._collate = collate or np.stack
        self.batch_size = batch_size
        self.shuffle = shuffle
        self._rng = np.random.default_rng(seed)
        self._order = np.arange(len(self.file_paths))

    def __len__(self) -> int:
        if self.batch_size is None:
            return len(self.file_paths)
        return math.ceil(len(self.file_paths) / self.batch_size)

    def __getitem__(self, index: int):
        if not -len(self) <= index < len(self):
            raise IndexError(f"{type(self).__name__}: batch index {index} out of range for "
                             f"{len(self)} batches")
        index %= len(self)
        if self.batch_size is None:
            i = self._order[index]
            x = self._load(self.file_paths[i])
            return x if self._labels is None else (x, self._labels[i])
        rows = self._order[index * self.batch_size:(index + 1) * self.batch_size]
        x = self._collate([self._load(self.file_paths[i]) for i in rows])
        return x if self._labels is None else (x, self._labels[rows])

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]
        self.on_epoch_end()

    def on_epoch_end(self) -> None:
        if self.shuffle:
            self._order = self._rng.permutation(len(self.file_paths))

    def map(self, fn) -> MappedDataset:
        """A dataset whose batches are `fn(*batch)` (or `fn(batch)` for a lone `x`), computed
        as each batch is read: `ds.map(lambda x, y: (vectorize(x), y))`."""
        return MappedDataset(self, fn)


class MappedDataset(PyDataset):
    """`source`'s batches passed through `fn` as they are read (see `FileDataset.map`)."""

    def __init__(self, source, fn):
        super().__init__()
        self.source = source
        self.fn = fn
        self.class_names = getattr(source, "class_names", None)
        self.file_paths = getattr(source, "file_paths", None)

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, index: int):
        batch = self.source[index]
        return self.fn(*batch) if isinstance(batch, tuple) else self.fn(batch)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]
        self.on_epoch_end()

    def on_epoch_end(self) -> None:
        self.source.on_epoch_end()

    def map(self, fn) -> MappedDataset:
        return MappedDataset(self, fn)


def build_datasets(name: str, directory, labels, label_mode, class_names, formats, batch_size,
                   shuffle, seed, validation_split, subset, follow_links, verbose, load,
                   collate=None):
    """The dataset (or the (training, validation) pair for subset='both') of one
    `*_dataset_from_directory` call, after its own arguments are checked."""
    check_common_arguments(name, labels, label_mode, class_names, batch_size, validation_split,
                           subset, shuffle, seed)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    seed = np.random.randint(1e6) if seed is None else seed
    paths, labels, class_names = index_directory(directory, labels, formats, class_names,
                                                 shuffle, seed, follow_links, verbose, name)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f"{name}: label_mode='binary' needs exactly 2 classes, received "
                         f"class_names={class_names}")
    pieces = [("training", shuffle), ("validation", False)] if subset == "both" else \
        [(subset, shuffle)]
    out = []
    for part, part_shuffle in pieces:
        part_paths, part_labels = split_files(paths, labels, validation_split, part)
        if not part_paths:
            which = f"{part} " if subset else ""
            raise ValueError(f"{name}: no {which}files found in directory {directory!r}; "
                             f"allowed formats: {tuple(formats)}")
        out.append(FileDataset(part_paths, part_labels, label_mode, class_names, load,
                               collate, batch_size, part_shuffle, seed))
    return tuple(out) if subset == "both" else out[0]


__all__ = ["FileDataset", "MappedDataset", "index_directory", "split_files"]
