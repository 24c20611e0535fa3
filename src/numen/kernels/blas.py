"""SciPy's BLAS thread pool, held at one thread while a compiled kernel that calls it runs.

Numba's `np.dot` calls the BLAS SciPy ships, a second OpenBLAS beside NumPy's with its own
threads. The recurrent kernels call it once per time step for products far too small to
split (64 x 64 by 64 x 256), and two pools of spinning threads on two cores fought: an LSTM
epoch took 6.7-8.2 s against 1.5-1.6 s with SciPy's pool at one thread. The pool is found
and set through threadpoolctl; where SciPy's BLAS is not a library of its own (one BLAS
shared with NumPy, as conda installs have) nothing is changed.

`one_thread_matmul` does the same for NumPy's own BLAS around one small product (a one-image
convolution): on the 2-core benchmark host two threads saved ~12 us of 42 when the machine
was quiet, and cost 200-500 us when other processes kept the cores busy (the second thread
waits for a core). It needs only threadpoolctl, not Numba.
"""

from __future__ import annotations

import functools
import os

import numpy as np


@functools.cache
def scipy_pools() -> tuple:
    """threadpoolctl's controllers of the BLAS libraries SciPy loaded from its own folder
    (empty without threadpoolctl or when SciPy shares NumPy's BLAS)."""
    try:
        import scipy
        import scipy.linalg.cython_blas  # noqa: F401  (Numba's BLAS: loaded before looking)
    except ImportError:
        return ()
    return _blas_pools_in(scipy.__file__)


@functools.cache
def numpy_pools() -> tuple:
    """threadpoolctl's controllers of the BLAS libraries NumPy loaded from its own folder
    (empty without threadpoolctl, or when NumPy's BLAS lives elsewhere)."""
    return _blas_pools_in(np.__file__)


def _blas_pools_in(package_file: str) -> tuple:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return ()
    home = os.path.dirname(package_file)  # .../scipy, so .../scipy.libs matches too
    return tuple(lib for lib in ThreadpoolController().lib_controllers
                 if lib.user_api == "blas" and str(lib.filepath).startswith(home))


def _at_one_thread(pools, fn, *args):
    """`fn(*args)` with each of `pools` at one thread, its earlier thread count restored."""
    saved = [pool.get_num_threads() for pool in pools]
    for pool, count in zip(pools, saved):
        if count != 1:
            pool.set_num_threads(1)
    try:
        return fn(*args)
    finally:
        for pool, count in zip(pools, saved):
            if count != 1:
                pool.set_num_threads(count)


def one_thread_matmul(a, b, out):
    """`np.matmul(a, b, out=out)` with NumPy's BLAS held at one thread (see module doc)."""
    return _at_one_thread(numpy_pools(), np.matmul, a, b, out)


def one_thread(kernel):
    """`kernel` (a compiled function) wrapped to run with SciPy's BLAS at one thread, its
    earlier thread count restored after."""

    @functools.wraps(kernel)
    def run(*args):
        pools = scipy_pools()
        if not pools:
            return kernel(*args)
        return _at_one_thread(pools, kernel, *args)

    return run
