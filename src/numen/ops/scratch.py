"""A small pool of large buffers reused across steps (window matrices, outputs, gradients).

A fresh multi-megabyte allocation is handed back to the OS when freed, and touching its pages
again cost about a third of a convnet training step; the convolution and pooling kernels take
their large arrays from `scratch` instead.
"""

from __future__ import annotations

import math
import sys
import threading

# A pooled buffer is handed out again only when nothing outside the pool refers to it: every
# view of an array keeps its owner alive, so the owner's reference count says whether any
# Tensor, view, graph closure or user variable still holds it. The pool is bounded in bytes;
# past that, arrays are allocated as usual.
SCRATCH_MIN_BYTES = 1 << 18
SCRATCH_MAX_BYTES = 256 << 20
_scratch: dict = {}  # (array module, shape, dtype) -> list of owned arrays
_scratch_lock = threading.Lock()
_scratch_bytes = 0


def _refs(bufs, i) -> int:
    return sys.getrefcount(bufs[i])


_UNHELD = _refs([bytearray()], 0)  # the count of an array only the pool refers to


def scratch(xp, shape, dtype, zero: bool = False):
    """An array of `shape` and `dtype` to overwrite, reused when no one still holds it."""
    global _scratch_bytes
    dtype = xp.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes < SCRATCH_MIN_BYTES:  # first: one-sample inference asks for many small ones
        return (xp.zeros if zero else xp.empty)(shape, dtype)
    shape = tuple(int(n) for n in shape)
    key = (xp.__name__, shape, dtype.str)
    with _scratch_lock:
        bufs = _scratch.setdefault(key, [])
        buf = next((bufs[i] for i in range(len(bufs)) if _refs(bufs, i) <= _UNHELD), None)
        if buf is None:
            if _scratch_bytes + nbytes > SCRATCH_MAX_BYTES:
                _scratch_evict(nbytes)
            buf = xp.empty(shape, dtype)
            if _scratch_bytes + nbytes <= SCRATCH_MAX_BYTES:
                bufs.append(buf)
                _scratch_bytes += nbytes
    if zero:
        buf.fill(0)
    return buf


def _scratch_evict(needed: int) -> None:
    """Drop unheld buffers (caller holds the lock) until `needed` more bytes fit."""
    global _scratch_bytes
    for key in list(_scratch):
        bufs = _scratch[key]
        for i in reversed(range(len(bufs))):
            if _refs(bufs, i) <= _UNHELD:
                _scratch_bytes -= bufs.pop(i).nbytes
        if not bufs:
            del _scratch[key]
        if _scratch_bytes + needed <= SCRATCH_MAX_BYTES:
            return
