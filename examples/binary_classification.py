"""Binary classification: is a point inside a ring? A Sequential MLP with a sigmoid output.

Run: python examples/binary_classification.py
"""

import numpy as np

from numen import keras
from numen.keras import layers


def make_data(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.5, 1.5, size=(n, 2)).astype("float32")
    radius = np.sqrt((x ** 2).sum(axis=1))
    y = ((radius > 0.6) & (radius < 1.2)).astype("int64")
    return x, y


def main(epochs=40, verbose=2):
    keras.utils.set_random_seed(0)
    x, y = make_data()
    x_train, y_train, x_test, y_test = x[:1600], y[:1600], x[1600:], y[1600:]

    model = keras.Sequential([
        layers.Dense(32, activation="relu", input_shape=[2]),
        layers.Dense(16, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_split=0.1,
              verbose=verbose)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    probs = model.predict(x_test[:5], verbose=0)[:, 0]
    print(f"test accuracy {accuracy:.3f}, loss {loss:.4f}")
    print("P(in ring) for 5 test points:", np.round(probs, 2), "true:", y_test[:5])
    return accuracy


if __name__ == "__main__":
    main()
