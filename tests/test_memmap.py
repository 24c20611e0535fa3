"""Arrays larger than memory: a `np.memmap` is checked in chunks and read batch by batch,
never copied whole; results match the in-memory path."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from numen import keras
from numen.keras import layers
from numen.training import data as data_module


def _model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="tanh"),
                              layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model


def _memmap(tmp_path, a, name="x.npy"):
    path = tmp_path / name
    mm = np.lib.format.open_memmap(path, mode="w+", dtype=a.dtype, shape=a.shape)
    mm[:] = a
    mm.flush()
    del mm
    return np.load(path, mmap_mode="r")


def test_memmap_is_not_copied_and_matches_arrays(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3))  # float64 on disk: cast batch by batch
    y = x @ np.array([[1.0], [-1.0], [0.5]])
    mx = _memmap(tmp_path, x)
    assert data_module.prepare(mx, "x") is mx
    batch = data_module.take(mx, np.array([3, 1]))
    assert batch.dtype == np.float32 and not isinstance(batch, np.memmap)
    np.testing.assert_allclose(batch, x[[3, 1]].astype("float32"))

    ref = _model()
    ref_hist = ref.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0,
                       validation_split=0.2)
    model = _model()
    hist = model.fit(mx, _memmap(tmp_path, y, "y.npy"), batch_size=8, epochs=2, shuffle=False,
                     verbose=0, validation_split=0.2)
    for a, b in zip(ref.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    for k in ref_hist.history:
        np.testing.assert_allclose(ref_hist.history[k], hist.history[k], rtol=1e-6)
    np.testing.assert_allclose(model.predict(mx, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    # Shuffled by index: every row used once per epoch, weights move.
    model.fit(mx, y, batch_size=8, epochs=1, shuffle=True, verbose=0)
    assert not np.allclose(model.get_weights()[0], ref.get_weights()[0])


def test_nan_in_memmap_found_in_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(data_module, "_CHUNK_BYTES", 64)  # several chunks of 2 rows
    x = np.zeros((40, 4), dtype="float32")
    x[37, 2] = np.inf
    x[5, 0] = np.nan
    with pytest.raises(ValueError, match="2 NaN or infinite"):
        _model().fit(_memmap(tmp_path, x)[:, :3], np.zeros((40, 1)), verbose=0)


ROWS, FEATURES, BATCH = 2**21, 256, 2**15  # 2 GiB of float32

SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    from numen import keras
    from numen.keras import layers

    x = np.load(sys.argv[1], mmap_mode="r")
    y = np.load(sys.argv[2])
    model = keras.Sequential([keras.Input((x.shape[1],)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    hist = model.fit(x, y, batch_size=int(sys.argv[3]), epochs=1, shuffle=True, verbose=0)
    assert np.isfinite(hist.history["loss"][0])
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over an exec from the forking parent,
    # so a child of a big test worker would report the worker's size.
    status = open("/proc/self/status").read().split("VmHWM:")[1]
    print(int(status.split()[0]) // 1024)
""")


@pytest.mark.slow
def test_fit_on_2gb_memmap_stays_small(tmp_path):
    xpath, ypath = tmp_path / "x.npy", tmp_path / "y.npy"
    rng = np.random.default_rng(0)
    header = {"descr": "<f4", "fortran_order": False, "shape": (ROWS, FEATURES)}
    with open(xpath, "wb") as f:  # written in chunks with plain file I/O: never all in memory
        np.lib.format.write_array_header_1_0(f, header)
        chunk = 2**16
        for _ in range(ROWS // chunk):
            f.write(rng.standard_normal((chunk, FEATURES), dtype=np.float32).tobytes())
    np.save(ypath, np.zeros((ROWS, 1), dtype="float32"))
    assert np.load(xpath, mmap_mode="r").nbytes == 2 * 2**30
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(xpath), str(ypath), str(BATCH)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    peak_mb = int(done.stdout.split()[-1])
    assert peak_mb < 600, f"peak RSS {peak_mb} MB"
    print(f"peak RSS {peak_mb} MB")
