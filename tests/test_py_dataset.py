"""keras.utils.PyDataset / Sequence: batches by index, on_epoch_end, batch-order shuffling,
class_weight per batch, and prefetching in threads or processes that never hangs."""

import math
import threading
import time

import numpy as np
import pytest

from numen import keras
from numen.keras import layers
from numen.training.prefetch import ordered_prefetch

N, BATCH = 40, 8


def _data(n=N, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5])).astype("float32")[:, None]
    return x, y


def _model(**compile_kw):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="tanh"),
                              layers.Dense(compile_kw.pop("units", 1),
                                           activation=compile_kw.pop("activation", None))])
    model.compile(**{"optimizer": "sgd", "loss": "mse", **compile_kw})
    return model


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y=None, batch_size=BATCH, delay=0.0, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size, self.delay = x, y, batch_size, delay
        self.epochs_ended = 0
        self.seen = []

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, i):
        if i >= len(self):
            raise IndexError(i)
        if self.delay:
            time.sleep(self.delay * (len(self) - i))  # later batches finish first
        self.seen.append(i)
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[s] if self.y is None else (self.x[s], self.y[s])

    def on_epoch_end(self):
        self.epochs_ended += 1


def _fit_same(dataset, epochs=2):
    x, y = dataset.x, dataset.y
    ref = _model()
    ref_hist = ref.fit(x, y, batch_size=BATCH, epochs=epochs, shuffle=False, verbose=0)
    model = _model()
    hist = model.fit(dataset, epochs=epochs, shuffle=False, verbose=0)
    for a, b in zip(ref.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ref_hist.history["loss"], hist.history["loss"], rtol=1e-6)
    return model


def test_sequence_is_pydataset():
    assert keras.utils.Sequence is keras.utils.PyDataset


def test_pydataset_matches_arrays_and_calls_on_epoch_end():
    x, y = _data()
    ds = Batches(x, y)
    model = _fit_same(ds, epochs=3)
    assert ds.epochs_ended == 3
    np.testing.assert_allclose(model.predict(Batches(x), verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    assert model.evaluate(Batches(x, y), verbose=0) == pytest.approx(
        model.evaluate(x, y, batch_size=BATCH, verbose=0), rel=1e-6)


def test_progress_total_is_len(capsys):
    x, y = _data()
    _model().fit(Batches(x, y), verbose=2)
    assert f"{len(Batches(x))}/{len(Batches(x))}" in capsys.readouterr().out


def test_shuffle_permutes_batch_order_each_epoch():
    x, y = _data()
    ds = Batches(x, y)
    _model().fit(ds, epochs=2, shuffle=True, verbose=0)
    first, second = ds.seen[:5], ds.seen[5:]
    assert sorted(first) == sorted(second) == list(range(5))
    assert first != list(range(5)) or second != list(range(5))


@pytest.mark.parametrize("workers,multi", [(3, False), (2, True)])
def test_workers_keep_order_and_match_arrays(workers, multi):
    x, y = _data()
    before = threading.active_count()
    ds = Batches(x, y, delay=0.002, workers=workers, use_multiprocessing=multi,
                 max_queue_size=3)
    _fit_same(ds, epochs=2)
    # Threads index the dataset itself; forked processes index their own copies.
    assert sorted(ds.seen) == ([] if multi else sorted(list(range(5)) * 2))
    time.sleep(0.1)
    assert threading.active_count() <= before + 1  # workers were stopped


def test_class_weight_per_batch():
    x, _ = _data()
    labels = (x[:, 0] > 0).astype("int64")
    cw = {0: 0.25, 1: 4.0}
    kw = {"loss": "sparse_categorical_crossentropy", "units": 2, "activation": "softmax"}
    ref = _model(**kw)
    ref.fit(x, labels, batch_size=BATCH, class_weight=cw, shuffle=False, verbose=0)
    model = _model(**kw)
    model.fit(Batches(x, labels), class_weight=cw, shuffle=False, verbose=0)
    for a, b in zip(ref.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_worker_error_is_raised_not_hung():
    class Broken(Batches):
        def __getitem__(self, i):
            if i == 2:
                raise RuntimeError("bad batch 2")
            return super().__getitem__(i)

    x, y = _data()
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="bad batch 2"):
        _model().fit(Broken(x, y, workers=2), verbose=0)
    assert time.monotonic() - start < 10


def test_dead_process_worker_raises():
    import os

    class Dies(Batches):
        def __getitem__(self, i):
            os._exit(1)

    x, y = _data()
    with pytest.raises(RuntimeError, match="worker died"):
        list(ordered_prefetch(Dies(x, y), range(3), workers=1, use_multiprocessing=True))


def test_abandoned_prefetch_stops_its_threads():
    x, y = _data()
    before = set(threading.enumerate())
    stream = ordered_prefetch(Batches(x, y), range(5), workers=3, max_queue_size=2)
    next(stream)
    stream.close()
    time.sleep(0.1)
    # Threads another test left finishing may end meanwhile: only new ones must be gone.
    assert not set(threading.enumerate()) - before


def test_endless_dataset_needs_steps():
    class Endless(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.x, self.y = _data()

        @property
        def num_batches(self):
            return None

        def __getitem__(self, i):
            j = i % 5
            return self.x[j * BATCH:(j + 1) * BATCH], self.y[j * BATCH:(j + 1) * BATCH]

    with pytest.raises(ValueError, match="steps_per_epoch"):
        _model().fit(Endless(), verbose=0)
    hist = _model().fit(Endless(), steps_per_epoch=7, epochs=2, verbose=0)
    assert len(hist.history["loss"]) == 2


def test_missing_super_init_warns_and_works():
    class NoInit(keras.utils.PyDataset):
        def __init__(self):
            self.x, self.y = _data()

        def __len__(self):
            return 5

        def __getitem__(self, i):
            return self.x[i * BATCH:(i + 1) * BATCH], self.y[i * BATCH:(i + 1) * BATCH]

    with pytest.warns(UserWarning, match="super"):
        _model().fit(NoInit(), verbose=0)


def test_bad_batch_and_y_beside_pydataset():
    x, y = _data()

    class Four(Batches):
        def __getitem__(self, i):
            return (x[:8], y[:8], y[:8, 0], y[:8])

    with pytest.raises(ValueError, match="tuple of length 4"):
        _model().fit(Four(x, y), verbose=0)
    with pytest.raises(ValueError, match="`y` must not be passed"):
        _model().fit(Batches(x, y), y, verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        _model().fit(Batches(x, y), validation_split=0.2, verbose=0)
