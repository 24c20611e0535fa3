"""Optional compiled kernels: Numba, the `numen[fast]` extra, imported on first use.

Every kernel here has a NumPy path elsewhere in numen that gives the same results (within
float32 rounding) and is what runs when Numba is not installed or `NUMEN_KERNELS=numpy` is
set. `import numen` never imports Numba: a kernel module decorates its functions with `jit`,
which compiles them the first time one runs, and caches the machine code on disk
(`cache=True`) so that a second process does not compile again.
"""

from __future__ import annotations

import functools
import importlib.util
import os

_numba = None


def enabled() -> bool:
    """True when compiled kernels run: Numba is installed and `NUMEN_KERNELS` is not 'numpy'.

    Read on each call (cheap), so tests can switch paths with the environment variable."""
    choice = os.environ.get("NUMEN_KERNELS", "auto").lower()
    if choice == "numpy":
        return False
    if choice not in {"auto", "numba"}:
        raise ValueError(f"NUMEN_KERNELS must be 'auto', 'numba' or 'numpy'; received {choice!r}")
    return _numba_installed()


@functools.cache
def _numba_installed() -> bool:
    return importlib.util.find_spec("numba") is not None


def jit(fn=None, **options):
    """Decorate a kernel: compiled with `numba.njit(cache=True, **options)` on its first call.

    The undecorated Python function stays reachable as `.py_func` for tests."""
    if fn is None:
        return functools.partial(jit, **options)
    compiled = None

    @functools.wraps(fn)
    def run(*args):
        nonlocal compiled
        if compiled is None:
            compiled = _import_numba().njit(cache=True, **options)(fn)
        return compiled(*args)

    run.py_func = fn
    return run


def _import_numba():
    global _numba
    if _numba is None:
        import numba

        _numba = numba
    return _numba
