"""backend._tune_allocator: glibc keeps mid-size blocks in the heap, so training steps reuse
freed memory instead of faulting in fresh pages (the LSTM benchmark's epoch doubled without)."""

import resource
import subprocess
import sys

import numpy as np
import pytest

from numen import backend

pytestmark = pytest.mark.skipif(not backend._is_glibc(), reason="glibc's malloc only")


def _faults_of_repeated_allocation() -> int:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(200):
        np.ones(2**18, dtype=np.float32)  # 1 MiB, above glibc's default 128 KiB threshold
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_importing_numen_makes_repeated_mid_size_arrays_reuse_memory():
    np.ones(2**18, dtype=np.float32)  # the first one may grow the heap
    assert _faults_of_repeated_allocation() < 200  # untuned: ~256 faults per array


@pytest.mark.parametrize("env, expected", [
    ({"NUMEN_MALLOC_TUNING": "0"}, "False"),
    ({"MALLOC_MMAP_THRESHOLD_": "1000000"}, "False"),
    ({}, "True"),
])
def test_opt_out_and_user_settings_win(env, expected, monkeypatch):
    for name in ("NUMEN_MALLOC_TUNING", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = "from numen import backend; print(backend._tune_allocator())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == expected
