"""Reading CIFAR's python batch files (shared by cifar10 and cifar100)."""

from __future__ import annotations

import os

import numpy as np

from numen import backend
from numen.datasets._safe_load import restricted_load


def load_batch(fpath, label_key: str = "labels"):
    """One CIFAR batch file: `(data, labels)` with data uint8 of shape (N, 3, 32, 32).

    The file is a pickle written by Python 2; it is read with a restricted Unpickler that
    can rebuild NumPy arrays and plain containers only (see `numen.datasets._safe_load`).
    """
    with open(fpath, "rb") as f:
        d = restricted_load(f, encoding="bytes")
    if not isinstance(d, dict):
        raise ValueError(f"{fpath}: expected a pickled dict, found {type(d).__name__}")
    d = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in d.items()}
    data = np.asarray(d["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
    labels = np.asarray(d[label_key])
    return data, labels


def find_folder(root: str, marker: str) -> str:
    """The folder under `root` (itself or one level down) that holds `marker`: the tarball
    keeps its files in a top-level folder inside the extraction folder."""
    if os.path.exists(os.path.join(root, marker)):
        return root
    for name in sorted(os.listdir(root)):
        if os.path.exists(os.path.join(root, name, marker)):
            return os.path.join(root, name)
    raise FileNotFoundError(f"{marker} not found in the extracted archive at {root}")


def to_image_format(x: np.ndarray) -> np.ndarray:
    """(N, 3, 32, 32) to (N, 32, 32, 3) unless the image format is channels_first."""
    getter = getattr(backend, "image_data_format", None)
    if getter is not None and getter() == "channels_first":
        return x
    return x.transpose(0, 2, 3, 1)
