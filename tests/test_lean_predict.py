"""The lean paths: fit's data check allocates nothing as large as the data, and calling a
model on one batch (model(x), predict, predict_on_batch) skips per-call work that cannot apply
while giving the same outputs, masks and errors as the full path."""

import tracemalloc

import numpy as np
import pytest

from numen.training import data as data_module


def _peak_bytes_of(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_finite_check_allocates_no_mask_the_size_of_the_data():
    x = np.random.default_rng(0).random((4000, 256), dtype=np.float32)  # 4 MB
    peak = _peak_bytes_of(lambda: data_module.prepare(x, "x"))
    # np.isfinite(x).all() would allocate x.size bytes (a quarter of the data) at once.
    assert peak < x.size // 20


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", [0, 511, -1])
def test_finite_check_still_finds_every_non_finite_value(bad, where):
    x = np.zeros((32, 16), dtype=np.float32)
    x.reshape(-1)[where] = bad
    with pytest.raises(ValueError, match=r"x contains 1 NaN or infinite value\(s\)"):
        data_module.prepare(x, "x")


def test_finite_check_accepts_empty_and_extreme_finite_arrays():
    big = np.full((8, 4), np.finfo(np.float32).max, dtype=np.float32)
    big[0, 0] = np.finfo(np.float32).min
    assert data_module.prepare(big, "x") is big
    empty = np.zeros((0, 4), dtype=np.float32)
    assert data_module.prepare(empty, "x") is empty
