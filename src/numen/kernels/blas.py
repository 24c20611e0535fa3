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
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return ()
    home = os.path.dirname(scipy.__file__)  # .../scipy, so .../scipy.libs matches too
    return tuple(lib for lib in ThreadpoolController().lib_controllers
                 if lib.user_api == "blas" and str(lib.filepath).startswith(home))


@functools.cache
def numpy_pools() -> tuple:
    """threadpoolctl's controllers of the BLAS libraries NumPy loaded from its own folder
    (empty without threadpoolctl, or when NumPy's BLAS lives elsewhere)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return ()
    home = os.path.dirname(np.__file__)  # .../numpy, so .../numpy.libs matches too
    return tuple(lib for lib in ThreadpoolController().lib_controllers
                 if lib.user_api == "blas" and str(lib.filepath).startswith(home))


def one_thread_matmul(a, b, out):
    """`np.matmul(a, b, out=out)` with NumPy's BLAS held at one thread (see module doc)."""
    pools = numpy_pools()
    saved = [pool.get_num_threads() for pool in pools]
    for pool, count in zip(pools, saved):
        if count != 1:
            pool.set_num_threads(1)
    try:
        return np.matmul(a, b, out=out)
    finally:
        for pool, count in zip(pools, saved):
            if count != 1:
                pool.set_num_threads(count)


def one_thread(kernel):
    """`kernel` (a compiled function) wrapped to run with SciPy's BLAS at one thread, its
    earlier thread count restored after."""

    @functools.wraps(kernel)
    def run(*args):
        pools = scipy_pools()
        if not pools:
            return kernel(*args)
        saved = [pool.get_num_threads() for pool in pools]
        for pool in pools:
            pool.set_num_threads(1)
        try:
            return kernel(*args)
        finally:
            for pool, count in zip(pools, saved):
                pool.set_num_threads(count)

    return run
