"""Multiclass classification of the bundled handwritten digits (8x8 images, 10 classes),
with one-hot targets and categorical cross-entropy.

Run: python examples/multiclass_classification.py
"""

import numpy as np

from numen import keras
from numen.data import load_digits, train_test_split
from numen.keras import layers


def main(epochs=15, verbose=2):
    keras.utils.set_random_seed(1)
    x, y = load_digits()
    (x_train, y_train), (x_test, y_test) = train_test_split(x, y, test_size=0.25, seed=1)

    model = keras.Sequential([
        layers.Dense(64, activation="relu", input_shape=[64]),
        layers.Dropout(0.1),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, keras.utils.to_categorical(y_train, 10), epochs=epochs, batch_size=32,
              validation_split=0.1, verbose=verbose)
    loss, accuracy = model.evaluate(x_test, keras.utils.to_categorical(y_test, 10), verbose=0)
    predicted = model.predict(x_test, verbose=0).argmax(axis=1)
    print(f"test accuracy {accuracy:.3f}, loss {loss:.4f}")
    print("predicted:", predicted[:15])
    print("true:     ", y_test[:15])
    assert np.isclose(accuracy, np.mean(predicted == y_test), atol=1e-6)
    return accuracy


if __name__ == "__main__":
    main()
