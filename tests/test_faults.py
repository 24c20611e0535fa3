"""Faults: a full disk or a permission error while checkpointing, a process killed in the
middle of writing its backup, and damaged files on load.

The plain SIGKILL-between-epochs resume is tested in tests/test_checkpoint.py; here the kill
lands inside the backup write itself. Tests run as root, where chmod does not stop writes, so
the permission error is injected by monkeypatching the one place files are created.
"""

import errno
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import zipfile

import h5py
import numpy as np
import pytest

from numen import backend, keras
from numen.keras import layers

X = np.random.default_rng(0).normal(size=(40, 5)).astype("float32")
Y = (X @ np.arange(5, dtype="float32")[:, None]).astype("float32")


def make_model(seed=7):
    backend.set_random_seed(seed)
    model = keras.Sequential([keras.Input((5,)), layers.Dense(8, activation="relu"),
                              layers.Dropout(0.3), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


class FailOnEpoch(keras.callbacks.Callback):
    """Arms a fault (a monkeypatch) at the start of the given epoch."""

    def __init__(self, epoch, arm):
        super().__init__()
        self.epoch, self.arm = epoch, arm

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            self.arm()


def weights_of(path):
    model = make_model()
    model.load_weights(path)
    return model.get_weights()


@pytest.mark.parametrize("weights_only", [False, True], ids=["keras", "weights_h5"])
def test_full_disk_mid_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch, weights_only):
    path = str(tmp_path / ("ckpt.weights.h5" if weights_only else "ckpt.keras"))
    saved = []

    class Snapshot(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):  # runs after ModelCheckpoint's save
            saved.append(self.model.get_weights())

    def arm():
        # Fail the second write into the file being built: the temporary file is half
        # written when the "disk" fills up.
        if weights_only:
            real = h5py.Group.create_dataset
            calls = [0]

            def create_dataset(self, *args, **kwargs):
                calls[0] += 1
                if calls[0] == 2:
                    raise OSError(errno.ENOSPC, "No space left on device")
                return real(self, *args, **kwargs)

            monkeypatch.setattr(h5py.Group, "create_dataset", create_dataset)
        else:
            real = zipfile.ZipFile.writestr
            calls = [0]

            def writestr(self, *args, **kwargs):
                calls[0] += 1
                if calls[0] == 2:
                    raise OSError(errno.ENOSPC, "No space left on device")
                return real(self, *args, **kwargs)

            monkeypatch.setattr(zipfile.ZipFile, "writestr", writestr)

    model = make_model()
    checkpoint = keras.callbacks.ModelCheckpoint(path, save_weights_only=weights_only)
    with pytest.raises(OSError, match="could not save epoch 3") as info:
        model.fit(X, Y, epochs=5, batch_size=8, verbose=0,
                  callbacks=[checkpoint, FailOnEpoch(2, arm), Snapshot()])
    assert info.value.errno == errno.ENOSPC
    assert "previous checkpoint" in str(info.value) and path in str(info.value)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == [os.path.basename(path)]  # no temporary file left behind
    for a, b in zip(weights_of(path), saved[1]):  # epoch 2's checkpoint, intact
        np.testing.assert_array_equal(a, b)
    # The model itself is still usable after the failed save.
    model.fit(X, Y, epochs=1, verbose=0)
    assert np.isfinite(model.predict(X, verbose=0)).all()


def test_permission_error_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = str(tmp_path / "best.keras")

    def arm():
        def refuse(*args, **kwargs):
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr(tempfile, "mkstemp", refuse)

    # Linear regression with plain SGD: the loss improves every epoch, so every epoch saves.
    backend.set_random_seed(3)
    model = keras.Sequential([keras.Input((5,)), layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.01), "mse")
    checkpoint = keras.callbacks.ModelCheckpoint(path, monitor="loss", save_best_only=True)
    with pytest.raises(PermissionError, match="could not save epoch 2.*Permission denied"):
        model.fit(X, Y, epochs=3, batch_size=8, shuffle=False, verbose=0,
                  callbacks=[checkpoint, FailOnEpoch(1, arm)])
    monkeypatch.undo()
    first_best = checkpoint.best
    restored = keras.models.load_model(path)
    assert restored.optimizer.iterations == 5  # the epoch-1 save, not a partial epoch 2
    # The failed save did not count as the new best, so the next improvement is saved.
    assert checkpoint.best == first_best
    model.fit(X, Y, epochs=1, batch_size=8, shuffle=False, verbose=0, callbacks=[checkpoint])
    assert keras.models.load_model(path).optimizer.iterations == 15


KILL_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    sys.path.insert(0, {tests!r})
    from test_faults import X, Y, make_model
    from numen import keras
    from numen.saving import weights_h5

    if os.environ.get("KILL_IN_THIRD_BACKUP"):
        real, count = weights_h5.write_weights, [0]

        def write_weights(group, model, include_optimizer=True):
            count[0] += 1
            real(group, model, include_optimizer)
            if count[0] == 3:  # the temporary file is written, not yet renamed
                os.kill(os.getpid(), signal.SIGKILL)

        weights_h5.write_weights = write_weights

    model = make_model()
    model.fit(X, Y, epochs=5, batch_size=8, verbose=0,
              callbacks=[keras.callbacks.BackupAndRestore(sys.argv[1])])
    np.save(sys.argv[2], np.concatenate([w.ravel() for w in model.get_weights()]))
""")


def test_sigkill_inside_the_backup_write_resumes_identically(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(KILL_SCRIPT.format(tests=os.path.dirname(os.path.abspath(__file__))))
    backup, out = str(tmp_path / "backup"), str(tmp_path / "w.npy")
    env = dict(os.environ, KILL_IN_THIRD_BACKUP="1")
    killed = subprocess.run([sys.executable, str(script), backup, out], env=env,
                            capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    with h5py.File(os.path.join(backup, "latest.weights.h5"), "r") as f:
        assert '"epoch": 2' in f.attrs["training_state"]  # the last complete backup
    env.pop("KILL_IN_THIRD_BACKUP")
    done = subprocess.run([sys.executable, str(script), backup, out], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    reference = make_model()
    reference.fit(X, Y, epochs=5, batch_size=8, verbose=0)
    expected = np.concatenate([w.ravel() for w in reference.get_weights()])
    np.testing.assert_array_equal(np.load(out), expected)


def flip_bytes(data: bytes, seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        damaged = bytearray(data)
        damaged[rng.randrange(len(damaged))] ^= 0xFF
        out.append(bytes(damaged))
    return out


def test_corrupted_keras_file_is_detected(tmp_path):
    model = make_model()
    model.fit(X, Y, epochs=1, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    saved, detected = model.get_weights(), 0
    for i, damaged in enumerate(flip_bytes(path.read_bytes(), seed=0, count=100)):
        bad = tmp_path / f"bad{i}.keras"
        bad.write_bytes(damaged)
        # The zip's CRC-32 covers every member's bytes; a flip in a header field the reader
        # does not use (a timestamp, say) loads the same model.
        try:
            loaded = keras.models.load_model(bad)
        except ValueError as exc:
            assert f"bad{i}.keras" in str(exc)
            detected += 1
            continue
        for a, b in zip(loaded.get_weights(), saved):
            np.testing.assert_array_equal(a, b)
    print(f"damaged .keras files: {detected} of 100 detected, the rest loaded intact")
    assert detected > 50


def test_corrupted_weights_file_never_loads_wrong_values(tmp_path):
    model = make_model()
    model.fit(X, Y, epochs=1, verbose=0)
    path = tmp_path / "m.weights.h5"
    model.save_weights(str(path))
    saved = model.get_weights()
    detected = 0
    target = make_model(seed=99)
    for damaged in flip_bytes(path.read_bytes(), seed=1, count=300):
        bad = tmp_path / "bad.weights.h5"
        bad.write_bytes(damaged)
        before = target.get_weights()
        try:
            target.load_weights(str(bad))
        except ValueError as exc:
            assert "bad.weights.h5" in str(exc)
            detected += 1
            for a, b in zip(target.get_weights(), before):  # a failed load changes nothing
                np.testing.assert_array_equal(a, b)
            continue
        # Loaded: the flip hit unused space, and the values are exactly the saved ones
        # (each stored array carries a Fletcher-32 checksum).
        for a, b in zip(target.get_weights(), saved):
            np.testing.assert_array_equal(a, b)
    print(f"damaged .weights.h5 files: {detected} of 300 detected, the rest loaded intact")
    assert detected > 100


def test_truncated_backup_is_reported_not_trained_over(tmp_path):
    backup = tmp_path / "backup"
    model = make_model()
    model.fit(X, Y, epochs=2, verbose=0, callbacks=[
        keras.callbacks.BackupAndRestore(str(backup), delete_checkpoint=False)])
    file = backup / "latest.weights.h5"
    data = file.read_bytes()
    for cut in (len(data) // 2, 100):
        file.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="backup .*latest.weights.h5"):
            make_model().fit(X, Y, epochs=3, verbose=0,
                             callbacks=[keras.callbacks.BackupAndRestore(str(backup))])
