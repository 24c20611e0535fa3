"""The seed workflow from the engine issue, unchanged but for the import."""

import numpy as np

from numen import keras
from numen.keras import layers


def _data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64")
    return x, y


def test_seed_workflow_learns():
    x, y = _data()
    n_inputs = x.shape[1]
    model = keras.Sequential([
        layers.Dense(units=16, activation="relu", input_shape=[n_inputs]),
        layers.Dense(units=8, activation="relu"),
        layers.Dense(units=1, activation="sigmoid"),
    ])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x[:500], y[:500], epochs=30, batch_size=32, verbose=0)
    loss, acc = model.evaluate(x[500:], y[500:], verbose=0)
    assert sorted(history.history) == ["accuracy", "loss"]
    assert len(history.history["loss"]) == 30
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert acc > 0.75
    pred = model.predict(x[:5], verbose=0)
    assert pred.shape == (5, 1) and pred.dtype == np.float32
    assert ((pred >= 0) & (pred <= 1)).all()


def test_seeded_fit_is_bit_for_bit_repeatable():
    x, y = _data()

    def run():
        keras.utils.set_random_seed(7)
        model = keras.Sequential([layers.Dense(8, activation="relu", input_shape=[8]),
                                  layers.Dropout(0.3), layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        return model.get_weights()

    a, b = run(), run()
    for wa, wb in zip(a, b):
        assert wa.tobytes() == wb.tobytes()
