"""ModelCheckpoint and BackupAndRestore: file naming, best-only saving, and interrupted runs
that resume to exactly the weights of an uninterrupted run."""

import os
import signal
import subprocess
import sys
import textwrap

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
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


class CrashAt(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("simulated crash")


def test_backup_and_restore_resumes_bit_for_bit_after_exception(tmp_path):
    reference = make_model()
    reference.fit(X, Y, epochs=5, batch_size=8, verbose=0)

    backup = str(tmp_path / "backup")
    model = make_model()
    with pytest.raises(RuntimeError, match="simulated crash"):
        model.fit(X, Y, epochs=5, batch_size=8, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(backup), CrashAt(3)])
    assert os.path.exists(os.path.join(backup, "latest.weights.h5"))

    resumed = make_model()  # the same script started again
    history = resumed.fit(X, Y, epochs=5, batch_size=8, verbose=0,
                          callbacks=[keras.callbacks.BackupAndRestore(backup)])
    assert history.epoch == [3, 4]
    assert resumed.optimizer.iterations == reference.optimizer.iterations == 25
    for a, b in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not os.path.exists(backup)  # delete_checkpoint=True after a finished run


def test_backup_kept_when_delete_checkpoint_false_and_batch_frequency(tmp_path):
    backup = str(tmp_path / "b")
    model = make_model()
    cb = keras.callbacks.BackupAndRestore(backup, save_freq=3, delete_checkpoint=False)
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0, callbacks=[cb])
    assert os.path.exists(os.path.join(backup, "latest.weights.h5"))
    with pytest.raises(ValueError, match="save_freq"):
        keras.callbacks.BackupAndRestore(backup, save_freq=0)


SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    sys.path.insert(0, {tests!r})
    from test_checkpoint import X, Y, make_model
    from numen import keras

    class Kill(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2 and os.environ.get("KILL_AT_EPOCH_2"):
                os.kill(os.getpid(), signal.SIGKILL)

    model = make_model()
    model.fit(X, Y, epochs=5, batch_size=8, verbose=0,
              callbacks=[keras.callbacks.BackupAndRestore(sys.argv[1]), Kill()])
    np.save(sys.argv[2], np.concatenate([w.ravel() for w in model.get_weights()]))
""")


def test_backup_and_restore_survives_sigkill(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT.format(tests=os.path.dirname(os.path.abspath(__file__))))
    backup, out = str(tmp_path / "backup"), str(tmp_path / "w.npy")
    env = dict(os.environ, KILL_AT_EPOCH_2="1")
    killed = subprocess.run([sys.executable, str(script), backup, out], env=env, timeout=60)
    assert killed.returncode == -signal.SIGKILL
    assert not os.path.exists(out) and os.path.exists(os.path.join(backup, "latest.weights.h5"))
    env.pop("KILL_AT_EPOCH_2")
    subprocess.run([sys.executable, str(script), backup, out], env=env, check=True, timeout=60)
    reference = make_model()
    reference.fit(X, Y, epochs=5, batch_size=8, verbose=0)
    expected = np.concatenate([w.ravel() for w in reference.get_weights()])
    np.testing.assert_array_equal(np.load(out), expected)


class CrashAtBatch(keras.callbacks.Callback):
    """Raises when batch `batch` of epoch `epoch` is about to start."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.epoch, self.batch, self._current = epoch, batch, None

    def on_epoch_begin(self, epoch, logs=None):
        self._current = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if (self._current, batch) == (self.epoch, self.batch):
            raise RuntimeError("simulated crash")


def _training_state(backup):
    import json

    import h5py

    with h5py.File(os.path.join(backup, "latest.weights.h5"), "r") as f:
        return json.loads(f.attrs["training_state"])


def test_backup_every_n_batches_resumes_mid_epoch_bit_for_bit(tmp_path):
    # 40 samples in batches of 8: 5 batches an epoch; a backup every 3 batches. The crash
    # comes before batch 3 of epoch 2, so the last backup is after batch 1 of epoch 2
    # (global batch 12), and batch 2 was trained on but not backed up.
    reference = make_model()
    expected = reference.fit(X, Y, epochs=5, batch_size=8, verbose=0).history

    backup = str(tmp_path / "backup")
    model = make_model()
    with pytest.raises(RuntimeError, match="simulated crash"):
        model.fit(X, Y, epochs=5, batch_size=8, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(backup, save_freq=3),
                             CrashAtBatch(2, 3)])
    state = _training_state(backup)
    assert (state["epoch"], state["step"]) == (2, 2)
    assert state["rng"] != state["epoch_rng"]  # the shuffle and dropout drew in between

    resumed = make_model()
    history = resumed.fit(X, Y, epochs=5, batch_size=8, verbose=0,
                          callbacks=[keras.callbacks.BackupAndRestore(backup, save_freq=3)])
    assert history.epoch == [2, 3, 4]
    assert resumed.optimizer.iterations == reference.optimizer.iterations == 25
    for a, b in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)
    # The partial epoch's metrics were restored, so even epoch 2's logs are the same.
    assert history.history == {k: v[2:] for k, v in expected.items()}
    assert not os.path.exists(backup)  # delete_checkpoint=True after a finished run


def test_backup_at_the_last_batch_of_an_epoch_resumes_at_the_next_epoch(tmp_path):
    reference = make_model()
    reference.fit(X, Y, epochs=4, batch_size=8, verbose=0)

    backup = str(tmp_path / "backup")
    model = make_model()
    with pytest.raises(RuntimeError, match="simulated crash"):
        model.fit(X, Y, epochs=4, batch_size=8, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(backup, save_freq=5),
                             CrashAt(2)])
    state = _training_state(backup)
    assert (state["epoch"], state["step"]) == (2, 0)

    resumed = make_model()
    history = resumed.fit(X, Y, epochs=4, batch_size=8, verbose=0,
                          callbacks=[keras.callbacks.BackupAndRestore(backup, save_freq=5)])
    assert history.epoch == [2, 3]
    for a, b in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not os.path.exists(backup)


def test_mid_epoch_resume_restores_seeded_layers_and_lazily_built_metrics(tmp_path):
    # A Dropout with its own seed draws from its own generator, and 'accuracy' picks its
    # metric class on the first batch it sees: both are restored from the backup.
    x = np.random.default_rng(1).normal(size=(36, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0).astype("int64")

    def classifier():
        backend.set_random_seed(3)
        model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                                  layers.Dropout(0.5, seed=11), layers.Dense(3)])
        model.compile(optimizer="sgd", metrics=["accuracy"],
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model

    reference = classifier()
    expected = reference.fit(x, y, epochs=3, batch_size=5, verbose=0).history

    backup = str(tmp_path / "backup")
    with pytest.raises(RuntimeError, match="simulated crash"):
        classifier().fit(x, y, epochs=3, batch_size=5, verbose=0,
                         callbacks=[keras.callbacks.BackupAndRestore(backup, save_freq=4),
                                    CrashAtBatch(1, 5)])
    assert (_training_state(backup)["epoch"], _training_state(backup)["step"]) == (1, 4)
    resumed = classifier()
    history = resumed.fit(x, y, epochs=3, batch_size=5, verbose=0,
                          callbacks=[keras.callbacks.BackupAndRestore(backup, save_freq=4)])
    assert history.history == {k: v[1:] for k, v in expected.items()}
    for a, b in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_epoch_iterator_passes_over_the_first_batches_then_calls_on_resume():
    from numen.training import adapters

    data = np.arange(10, dtype="float32")[:, None]
    events = []
    iterator = adapters.EpochIterator(adapters.ArrayAdapter(data, batch_size=3))
    for (x,) in iterator.epoch(2, lambda: events.append("resume")):
        events.append(x[:, 0].tolist())
    assert events == ["resume", [6.0, 7.0, 8.0], [9.0]]
    events.clear()
    assert list(iterator.epoch(4, lambda: events.append("resume"))) == []
    assert events == ["resume"]  # called even when no batch is left after `start`


MID_EPOCH_SCRIPT = textwrap.dedent("""
    import json, os, signal, sys
    import numpy as np
    sys.path.insert(0, {tests!r})
    from test_checkpoint import X, Y, make_model
    from numen import keras

    class Kill(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if (self.epoch, batch) == (2, 3) and os.environ.get("KILL_MID_EPOCH"):
                os.kill(os.getpid(), signal.SIGKILL)

    model = make_model()
    history = model.fit(X, Y, epochs=4, batch_size=8, verbose=0,
                        callbacks=[keras.callbacks.BackupAndRestore(sys.argv[1], save_freq=3),
                                   Kill()])
    np.save(sys.argv[2], np.concatenate([w.ravel() for w in model.get_weights()]))
    with open(sys.argv[3], "w") as f:
        json.dump({{"epoch": history.epoch, "history": history.history}}, f)
""")


def test_backup_every_n_batches_survives_sigkill_mid_epoch(tmp_path):
    import json

    script = tmp_path / "train.py"
    script.write_text(MID_EPOCH_SCRIPT.format(tests=os.path.dirname(os.path.abspath(__file__))))
    backup, out, log = str(tmp_path / "backup"), str(tmp_path / "w.npy"), str(tmp_path / "h")
    env = dict(os.environ, KILL_MID_EPOCH="1")
    killed = subprocess.run([sys.executable, str(script), backup, out, log], env=env,
                            timeout=60)
    assert killed.returncode == -signal.SIGKILL
    assert not os.path.exists(out)
    # Killed after batch 3 of epoch 2 (global batch 14); the last backup was at batch 12.
    assert (_training_state(backup)["epoch"], _training_state(backup)["step"]) == (2, 2)
    env.pop("KILL_MID_EPOCH")
    subprocess.run([sys.executable, str(script), backup, out, log], env=env, check=True,
                   timeout=60)
    reference = make_model()
    expected = reference.fit(X, Y, epochs=4, batch_size=8, verbose=0).history
    np.testing.assert_array_equal(
        np.load(out), np.concatenate([w.ravel() for w in reference.get_weights()]))
    with open(log) as f:
        resumed = json.load(f)
    assert resumed["epoch"] == [2, 3]
    assert resumed["history"] == {k: v[2:] for k, v in expected.items()}
    assert not os.path.exists(backup)


def test_model_checkpoint_names_files_from_epoch_and_logs(tmp_path):
    model = make_model()
    path = str(tmp_path / "m-{epoch:02d}-{val_loss:.2f}.keras")
    model.fit(X, Y, epochs=3, batch_size=8, verbose=0, validation_split=0.25,
              callbacks=[keras.callbacks.ModelCheckpoint(path)])
    val = model.history.history["val_loss"]
    names = sorted(os.listdir(tmp_path))
    assert names == [f"m-{e + 1:02d}-{v:.2f}.keras" for e, v in enumerate(val)]
    loaded = keras.models.load_model(tmp_path / names[-1])
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_model_checkpoint_save_best_only_and_threshold(tmp_path, monkeypatch):
    saved = []
    model = make_model()
    monkeypatch.setattr(type(model), "save_weights",
                        lambda self, p, overwrite=True: saved.append(p))
    logs = [{"val_loss": v} for v in (3.0, 2.0, 2.5, 1.0)]
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "best.weights.h5"),
                                         save_best_only=True, save_weights_only=True)
    cb.set_model(model)
    for epoch, log in enumerate(logs):
        cb.on_epoch_end(epoch, log)
    assert len(saved) == 3 and cb.best == 1.0
    saved.clear()
    cb = keras.callbacks.ModelCheckpoint(str(tmp_path / "b.weights.h5"), monitor="val_acc",
                                         save_best_only=True, save_weights_only=True,
                                         initial_value_threshold=0.9)
    cb.set_model(model)
    assert cb.mode == "auto" and cb.monitor_op is None  # as in Keras, until an epoch ends
    for epoch, v in enumerate((0.5, 0.95, 0.93)):
        cb.on_epoch_end(epoch, {"val_acc": v})
    assert len(saved) == 1 and cb.best == 0.95 and cb.monitor_op.__name__ == "greater"


def test_model_checkpoint_weights_every_n_batches(tmp_path):
    model = make_model()
    path = str(tmp_path / "w-{epoch}-{batch}.weights.h5")
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0,
              callbacks=[keras.callbacks.ModelCheckpoint(path, save_weights_only=True,
                                                         save_freq=2)])
    assert sorted(os.listdir(tmp_path)) == ["w-1-2.weights.h5", "w-1-4.weights.h5",
                                            "w-2-1.weights.h5", "w-2-3.weights.h5",
                                            "w-2-5.weights.h5"]
    fresh = make_model(seed=99)
    fresh.load_weights(str(tmp_path / "w-2-5.weights.h5"))
    for a, b in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_model_checkpoint_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "w.keras"), save_weights_only=True)
    with pytest.raises(ValueError, match=r"\.keras"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "m.h5"))
    with pytest.raises(ValueError, match="save_freq"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), save_freq="batch")
    with pytest.raises(ValueError, match="mode"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), mode="up")
