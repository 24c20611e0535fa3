"""Optional compiled kernels: Numba, the `numen[fast]` extra, imported on first use.

Every kernel here has a NumPy path elsewhere in numen that gives the same results (within
float32 rounding) and is what runs when Numba is not installed or `NUMEN_KERNELS=numpy` is
set. `import numen` never imports Numba: a kernel module decorates its functions with `jit`,
which compiles them the first time one runs, and caches the machine code on disk so that a
second process does not compile again. The cache lives in `NUMBA_CACHE_DIR` when that is set,
otherwise in numen's own folder under the user cache (`~/.cache/numen/numba`, or
`$XDG_CACHE_HOME/numen/numba`): site-packages may be read-only.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import warnings

_numba = None

prange = range
"""A kernel's parallel loop: `numba.prange` once compiled with `parallel=True`, else `range`."""


def enabled() -> bool:
    """True when compiled kernels run: Numba is installed and `NUMEN_KERNELS` is not 'numpy'.

    Read on each call (cheap), so tests can switch paths with the environment variable.

    Raises:
        ValueError: `NUMEN_KERNELS` is set to something other than 'auto', 'numba', 'numpy'.

    >>> isinstance(enabled(), bool)
    True
    """
    choice = os.environ.get("NUMEN_KERNELS", "auto").lower()
    if choice == "numpy":
        return False
    if choice not in {"auto", "numba"}:
        raise ValueError(f"NUMEN_KERNELS must be 'auto', 'numba' or 'numpy'; received {choice!r}")
    return _numba_installed()


@functools.cache
def _numba_installed() -> bool:
    return importlib.util.find_spec("numba") is not None


def cache_dir() -> str:
    """Where compiled kernels are kept: `NUMBA_CACHE_DIR` if set, else numen's user cache.

    >>> cache_dir().endswith("numba")
    True
    """
    chosen = os.environ.get("NUMBA_CACHE_DIR")
    if chosen:
        return chosen
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "numen", "numba")


def jit(fn=None, **options):
    """Decorate a kernel: compiled with `numba.njit(cache=True, **options)` on its first call.

    NumPy's error model is the default (division by zero gives inf or nan, as the NumPy
    path does).

    A kernel written with `prange` loops gets `numba.prange` (parallel loops) when compiled
    with `parallel=True`. The undecorated Python function stays reachable as `.py_func` for
    tests, and `.compiled()` returns the Numba dispatcher (compiling nothing yet).

    Args:
        fn: the kernel, a function of arrays and numbers.
        **options: passed to `numba.njit` (e.g. `parallel=True`, `fastmath=False`), except
            `one_blas_thread=True`: the kernel calls BLAS (`np.dot`) on small products, and
            SciPy's BLAS pool is held at one thread while it runs (see kernels/blas.py).

    Returns:
        A function with the kernel's signature.

    >>> @jit
    ... def twice(x):
    ...     return 2 * x
    """
    if fn is None:
        return functools.partial(jit, **options)
    # NumPy's float rules (x / 0 is inf, not ZeroDivisionError): also what lets loops vectorize.
    options.setdefault("error_model", "numpy")
    one_blas_thread = options.pop("one_blas_thread", False)
    dispatcher = call = None

    def compiled():
        nonlocal dispatcher, call
        if dispatcher is None:
            dispatcher = _compile(fn, options)
            if one_blas_thread:
                from numen.kernels.blas import one_thread

                call = one_thread(dispatcher)
            else:
                call = dispatcher
        return dispatcher

    @functools.wraps(fn)
    def run(*args):
        if call is None:
            compiled()
        return call(*args)

    run.py_func = fn
    run.compiled = compiled
    return run


def _compile(fn, options):
    numba = _import_numba()
    if "prange" in fn.__globals__:
        fn.__globals__["prange"] = numba.prange
    # numba picks the cache folder when the dispatcher is made: point it at numen's folder
    # for numen's kernels only, leaving other Numba users in the process alone.
    saved = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = cache_dir()
    try:
        return numba.njit(cache=True, **options)(fn)
    except RuntimeError:  # no writable cache folder anywhere: compile in each process
        warnings.warn(f"numen.kernels: no writable cache folder for {fn.__name__} (tried "
                      f"{cache_dir()!r}; set NUMBA_CACHE_DIR); it compiles in every process",
                      stacklevel=3)
        return numba.njit(**options)(fn)
    finally:
        numba.config.CACHE_DIR = saved


def _import_numba():
    global _numba
    if _numba is None:
        import numba

        _numba = numba
    return _numba
