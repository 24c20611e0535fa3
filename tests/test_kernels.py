"""numen.kernels, the switch between the compiled kernels (numen[fast]) and the NumPy path:
`import numen` never imports Numba, NUMEN_KERNELS=numpy keeps it out, and the cache folder."""

import os
import subprocess
import sys

import pytest

from numen import kernels

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")


def _numba_imported(code, **env):
    env = {**os.environ, "PYTHONPATH": SRC, **env}
    code += "\nimport sys\nprint('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    return out.stdout.split()[-1] == "True"


def test_import_numen_does_not_import_numba():
    assert not _numba_imported("import numen")


def test_numen_kernels_numpy_keeps_numba_out_of_a_training_step():
    code = ("import numpy as np\nfrom numen import optimizers\n"
            "from numen.autodiff import Variable\n"
            "v = Variable(np.ones(4, 'float32'), dtype='float32')\n"
            "optimizers.Adam(0.1).apply([np.ones(4, 'float32')], [v])")
    assert not _numba_imported(code, NUMEN_KERNELS="numpy")


def test_bad_numen_kernels_value_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("NUMEN_KERNELS", "fortran")
    with pytest.raises(ValueError, match="NUMEN_KERNELS must be 'auto', 'numba' or 'numpy'"):
        kernels.enabled()
    monkeypatch.setenv("NUMEN_KERNELS", "NumPy")
    assert kernels.enabled() is False


def test_cache_dir_is_numba_cache_dir_or_numen_folder_in_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert kernels.cache_dir() == str(tmp_path / "mine")
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert kernels.cache_dir() == os.path.join(str(tmp_path), "numen", "numba")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert kernels.cache_dir() == os.path.join(os.path.expanduser("~"), ".cache", "numen", "numba")


def test_jit_keeps_the_python_function():
    @kernels.jit
    def twice(x):
        return 2 * x

    assert twice.py_func(3) == 6


def test_one_blas_thread_holds_scipys_pool_at_one_and_restores_it():
    # two OpenBLAS pools (NumPy's, and SciPy's that Numba's np.dot calls) spinning on two
    # cores made the compiled LSTM epoch 5x slower; the kernels that call BLAS hold SciPy's
    # pool at one thread while they run
    from numen.kernels import blas

    pools = blas.scipy_pools()
    if not pools:
        pytest.skip("SciPy's BLAS is not a pool of its own here (or no threadpoolctl)")
    pool = pools[0]
    before = pool.get_num_threads()
    pool.set_num_threads(2)
    try:
        seen = blas.one_thread(lambda: pool.get_num_threads())()
        assert seen == 1
        assert pool.get_num_threads() == 2

        def fails():
            raise RuntimeError("inside")

        with pytest.raises(RuntimeError):
            blas.one_thread(fails)()
        assert pool.get_num_threads() == 2
    finally:
        pool.set_num_threads(before)


def test_jit_one_blas_thread_wraps_the_compiled_kernel(monkeypatch):
    pytest.importorskip("numba")
    from numen.kernels import blas

    wrapped = []

    def recording(kernel):
        wrapped.append(kernel)
        return lambda *args: kernel(*args) * 10

    monkeypatch.setattr(blas, "one_thread", recording)

    @kernels.jit(one_blas_thread=True)
    def plus_one(x):
        return x + 1

    assert plus_one(1) == 20  # ran through the wrapper
    assert len(wrapped) == 1
    assert plus_one(2) == 30 and len(wrapped) == 1  # wrapped once, at compile time
