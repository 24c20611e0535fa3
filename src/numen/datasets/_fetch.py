"""Where dataset files come from: Keras's public URLs, or a mirror named by
`NUMEN_DATASETS_ORIGIN` (read at call time, so tests and users can point at a local copy)."""

from __future__ import annotations

import os

from numen.utils.file_utils import get_file

KERAS_DATASETS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
ORIGIN_ENV = "NUMEN_DATASETS_ORIGIN"


def origin(url: str) -> str:
    """`url`, or the same file name under `$NUMEN_DATASETS_ORIGIN` when that is set."""
    mirror = os.environ.get(ORIGIN_ENV)
    if not mirror:
        return url
    return mirror.rstrip("/") + "/" + url.rsplit("/", 1)[-1]


def fetch(fname: str, url: str, file_hash: str | None, **kwargs) -> str:
    """`get_file` for a dataset file: cached, hash-checked, from `url` or the mirror."""
    return get_file(fname, origin=origin(url), file_hash=file_hash, **kwargs)
