"""Thread safety: one model serving predict/call from 8 threads at once gives the answers of
serial calls; unbuilt models build once; gradient recording is per thread."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from numen import keras, ops
from numen.autodiff import GradientTape, Tensor, no_grad
from numen.keras import layers

THREADS = 8


def rich_model():
    """Masks, a recurrent layer, BatchNormalization, Dropout and an activity regularizer:
    the layers with the most per-call machinery."""
    inp = keras.Input((6, 3))
    h = layers.Masking()(inp)
    h = layers.LSTM(5, return_sequences=True)(h)
    h = layers.GlobalAveragePooling1D()(h)
    h = layers.Dense(8, activation="relu", activity_regularizer="l2")(h)
    h = layers.BatchNormalization()(h)
    out = layers.Dense(3, activation="softmax")(layers.Dropout(0.3)(h))
    model = keras.Model(inp, out)
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def inputs(count=48):
    rng = np.random.default_rng(0)
    xs = []
    for _ in range(count):
        x = rng.normal(size=(int(rng.integers(1, 30)), 6, 3)).astype("float32")
        x[:, -2:] = 0  # masked steps
        xs.append(x)
    return xs


def run_threads(fn, n):
    barrier = threading.Barrier(THREADS)

    def start(i):
        if i < THREADS:
            barrier.wait(timeout=30)  # the first wave starts together
        return fn(i)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(start, range(n)))


def test_predict_from_8_threads_matches_serial():
    model = rich_model()
    xs = inputs()
    serial = [(model.predict(x, batch_size=7, verbose=0), np.asarray(model(x)),
               model.predict_on_batch(x)) for x in xs]

    def work(i):
        x = xs[i]
        return (model.predict(x, batch_size=7, verbose=0), np.asarray(model(x)),
                model.predict_on_batch(x))

    for _ in range(2):
        for got, want in zip(run_threads(work, len(xs)), serial):
            for a, b in zip(got, want):
                np.testing.assert_array_equal(a, b)
    # Concurrent calls leave no symbolic nodes and at most one call's losses behind.
    assert all(len(layer._inbound_nodes) <= 1 for layer in model.layers)
    assert len(model.losses) <= 1


@pytest.mark.parametrize("kind", ["sequential", "subclassed"])
def test_unbuilt_model_called_from_8_threads_builds_once(kind):
    x = np.random.default_rng(1).normal(size=(16, 5)).astype("float32")
    if kind == "sequential":
        model = keras.Sequential([layers.Dense(8, activation="relu"),
                                  layers.BatchNormalization(), layers.Dense(2)])
    else:
        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.hidden = layers.Dense(8, activation="relu")
                self.norm = layers.BatchNormalization()
                self.out = layers.Dense(2)

            def call(self, x, training=False):
                return self.out(self.norm(self.hidden(x), training=training))

        model = Net()
    results = run_threads(lambda i: model.predict(x, verbose=0), THREADS)
    assert len(model.weights) == 8  # 2 + 4 + 2: nobody built a second set
    after = model.predict(x, verbose=0)
    for r in results:
        np.testing.assert_array_equal(r, after)


def test_no_grad_in_one_thread_does_not_switch_off_gradients_in_another():
    inside = threading.Event()
    release = threading.Event()

    def hold_no_grad():
        with no_grad():
            inside.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=hold_no_grad)
    holder.start()
    try:
        assert inside.wait(timeout=30)
        w = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
        with GradientTape() as tape:
            tape.watch(w)
            loss = ops.sum(w * w)
        np.testing.assert_allclose(np.asarray(tape.gradient(loss, w)), [2.0, 4.0, 6.0])
    finally:
        release.set()
        holder.join()


def test_training_in_one_thread_while_others_predict():
    """Predictions race with weight updates by design, but nothing crashes, outputs stay
    finite and well-shaped, and training reaches the same weights as without readers."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x @ np.ones((4, 1))).astype("float32")

    def make():
        keras.utils.set_random_seed(4)
        model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="tanh"),
                                  layers.Dense(1)])
        model.compile("sgd", "mse")
        return model

    reference = make()
    reference.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    model = make()
    done = threading.Event()
    errors, shapes = [], []

    def read():
        while not done.is_set():
            try:
                out = model.predict(x[:5], verbose=0)
                shapes.append(out.shape)
                assert np.isfinite(out).all()
            except Exception as exc:  # surfaced below
                errors.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(THREADS - 1)]
    for t in readers:
        t.start()
    try:
        model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    finally:
        done.set()
        for t in readers:
            t.join()
    assert not errors, errors
    assert shapes and set(shapes) == {(5, 1)}
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)
