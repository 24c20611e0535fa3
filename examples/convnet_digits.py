"""A small convolutional network on the bundled handwritten digits, read as 8x8x1 images:
Conv2D -> MaxPooling2D -> Conv2D -> Flatten -> Dense, with integer labels. Reaches about 97%
test accuracy in 12 epochs (the tests run 8 epochs and require at least 95%).

Run: python examples/convnet_digits.py
"""

import numpy as np

from numen import keras
from numen.data import load_digits, train_test_split
from numen.keras import layers


def main(epochs=12, verbose=2):
    keras.utils.set_random_seed(0)
    x, y = load_digits()
    images = x.reshape(-1, 8, 8, 1)  # channels last, as Keras expects by default
    (x_train, y_train), (x_test, y_test) = train_test_split(images, y, test_size=0.25, seed=0)

    model = keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_split=0.1,
              verbose=verbose)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    predicted = model.predict(x_test, verbose=0).argmax(axis=1)
    print(f"test accuracy {accuracy:.3f}, loss {loss:.4f}")
    print("predicted:", predicted[:15])
    print("true:     ", y_test[:15])
    assert np.isclose(accuracy, np.mean(predicted == y_test), atol=1e-6)
    return accuracy


if __name__ == "__main__":
    main()
