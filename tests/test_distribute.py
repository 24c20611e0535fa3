"""Data-parallel training over MPI (numen.distribute / keras.distribution).

The training runs are real `mpiexec -n N` launches of tests/distribute_scripts/train.py, each
bounded by a timeout; they are skipped when mpi4py or the environment's mpiexec is missing
(install with `pip install 'numen[mpi]'`).
"""

import importlib.util
import os
import pathlib
import subprocess
import sys
import types

import numpy as np
import pytest

from numen import backend, keras
from numen.distribute import DataParallel

SCRIPT = pathlib.Path(__file__).parent / "distribute_scripts" / "train.py"
MPIEXEC = pathlib.Path(sys.executable).parent / "mpiexec"
needs_mpi = pytest.mark.skipif(
    importlib.util.find_spec("mpi4py") is None or not MPIEXEC.exists(),
    reason="mpi4py and the environment's mpiexec are needed (pip install 'numen[mpi]')")


def _run(args, n=None, timeout=60, cwd=None):
    cmd = [sys.executable, str(SCRIPT), *map(str, args)]
    if n is not None:
        cmd = [str(MPIEXEC), "-n", str(n), *cmd, "--distributed"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env=env)


def _load(path):
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def _assert_same_training(single, multi):
    assert single.keys() == multi.keys()
    for k in single:
        np.testing.assert_allclose(multi[k], single[k], rtol=1e-6, atol=1e-12, err_msg=k)


@needs_mpi
def test_two_processes_match_one_process_with_the_global_batch(tmp_path):
    one = _run([tmp_path / "one.npz", 8, 3, 32])
    two = _run([tmp_path / "two.npz", 8, 3, 32], n=2)
    assert one.returncode == 0, one.stderr
    assert two.returncode == 0, two.stderr
    _assert_same_training(_load(tmp_path / "one.npz"), _load(tmp_path / "two.npz"))
    # Only rank 0 prints progress; both ranks finished.
    assert two.stdout.count("Epoch 1/3") == 1
    assert "rank 1 done" in two.stderr and "rank 0 done" in two.stderr


@needs_mpi
def test_three_processes_with_uneven_batches_and_an_empty_shard(tmp_path):
    # 10 samples, global batch 4: batches of 4, 4, 2 -> the last gives rank 2 no rows.
    one = _run([tmp_path / "one.npz", 4, 3, 10])
    three = _run([tmp_path / "three.npz", 4, 3, 10], n=3)
    assert one.returncode == 0, one.stderr
    assert three.returncode == 0, three.stderr
    _assert_same_training(_load(tmp_path / "one.npz"), _load(tmp_path / "three.npz"))


@needs_mpi
def test_a_hung_rank_makes_the_others_abort_with_a_message(tmp_path):
    proc = _run([tmp_path / "x.npz", 8, 3, 32, "--hang-rank", "1", "--timeout", "2"], n=2,
                timeout=60)
    assert proc.returncode != 0
    assert "waited more than 2 s" in proc.stderr
    assert "another process has died or hung" in proc.stderr
    assert not (tmp_path / "x.npz").exists()


@needs_mpi
def test_backup_and_restore_resumes_every_rank_from_the_chief_backup(tmp_path):
    backup = tmp_path / "backup"
    killed = _run([tmp_path / "x.npz", 8, 4, 32, "--backup", backup, "--kill-epoch", "1"],
                  n=2)
    assert killed.returncode != 0
    assert (backup / "latest.weights.h5").exists()
    assert sorted(p.name for p in backup.iterdir()) == ["latest.weights.h5"]
    resumed = _run([tmp_path / "resumed.npz", 8, 4, 32, "--backup", backup], n=2)
    assert resumed.returncode == 0, resumed.stderr
    assert "Epoch 3/4" in resumed.stdout and "Epoch 1/4" not in resumed.stdout
    assert not backup.exists()  # deleted by rank 0 when training finished
    whole = _run([tmp_path / "whole.npz", 8, 4, 32])
    assert whole.returncode == 0, whole.stderr
    got, want = _load(tmp_path / "resumed.npz"), _load(tmp_path / "whole.npz")
    for k in want:
        if k.startswith("arr_"):
            np.testing.assert_allclose(got[k], want[k], rtol=1e-6, atol=1e-12, err_msg=k)
    np.testing.assert_allclose(got["loss"], want["loss"][2:], rtol=1e-6)


@pytest.mark.parametrize("n,size,expected", [
    (10, 3, [(0, 4), (4, 7), (7, 10)]),
    (2, 3, [(0, 1), (1, 2), (2, 2)]),
    (8, 2, [(0, 4), (4, 8)]),
])
def test_shard_bounds_cover_the_batch_once(n, size, expected):
    got = [DataParallel.shard_bounds(types.SimpleNamespace(rank=r, size=size), n)
           for r in range(size)]
    assert got == expected


def test_keras_distribution_spelling():
    assert keras.distribution.distribution() is None
    assert keras.distribution.list_devices("cpu") == ["cpu:0"]
    with pytest.raises(ValueError, match="device_type"):
        keras.distribution.list_devices("tpu")
    marker = object()
    keras.distribution.set_distribution(marker)
    try:
        assert backend.distribution() is marker
    finally:
        keras.distribution.set_distribution(None)
    with pytest.raises(ValueError, match="auto_shard_dataset"):
        keras.distribution.DataParallel(auto_shard_dataset=False)


def test_missing_mpi4py_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(keras.distribution.DistributedError, match="numen\\[mpi\\]"):
        DataParallel()
