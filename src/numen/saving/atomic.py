"""Crash-safe file writes: write a temporary file beside the target, flush and fsync it, then
rename it over the target in one step. An interrupted save leaves the old file untouched."""

from __future__ import annotations

import contextlib
import os
import tempfile


def check_overwrite(filepath: str, overwrite: bool) -> None:
    """Raise FileExistsError when `filepath` exists and `overwrite` is False."""
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} already exists and overwrite=False; pass "
                              "overwrite=True to replace it")


@contextlib.contextmanager
def atomic_path(filepath: str, overwrite: bool = True):
    """Yield a temporary path in the target's directory; on success it replaces `filepath`.

    The caller writes the whole file to the yielded path. If the body raises, the temporary
    file is removed and `filepath` is left as it was.

    >>> with atomic_path("model.keras") as tmp:
    ...     open(tmp, "wb").write(b"...")
    """
    filepath = os.fspath(filepath)
    check_overwrite(filepath, overwrite)
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(filepath) + ".", suffix=".tmp",
                               dir=directory)
    os.close(fd)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
        _fsync_directory(directory)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def _fsync_directory(directory: str) -> None:
    # Makes the rename itself durable; not every platform allows opening a directory.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
