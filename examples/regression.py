"""Regression: fit a smooth function of three inputs with a linear output and mean squared
error, reporting mean absolute error on held-out data.

Run: python examples/regression.py
"""

import numpy as np

from numen import keras
from numen.keras import layers


def make_data(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, 3)).astype("float32")
    y = (np.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2] + 0.5 * x[:, 2]).astype("float32")
    y += rng.normal(0, 0.05, size=n).astype("float32")
    return x, y[:, None]


def main(epochs=40, verbose=2):
    keras.utils.set_random_seed(2)
    x, y = make_data()
    x_train, y_train, x_test, y_test = x[:1600], y[:1600], x[1600:], y[1600:]

    model = keras.Sequential([
        layers.Dense(64, activation="relu", input_shape=[3]),
        layers.Dense(32, activation="relu"),
        layers.Dense(1),
    ])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_split=0.1,
              verbose=verbose)
    mse, mae = model.evaluate(x_test, y_test, verbose=0)
    baseline = float(np.abs(y_test - y_train.mean()).mean())
    pred = model.predict(x_test[:5], verbose=0)[:, 0]
    print(f"test MAE {mae:.4f} (predicting the mean: {baseline:.4f}), MSE {mse:.4f}")
    print("predicted:", np.round(pred, 3))
    print("true:     ", np.round(y_test[:5, 0], 3))
    return mae, baseline


if __name__ == "__main__":
    main()
