"""keras.io example "Simple MNIST convnet", step by step: two Conv2D/MaxPooling2D stages,
Flatten, Dropout and a softmax, trained with categorical_crossentropy and validation_split,
then evaluated. The digits are a synthetic stand-in with MNIST's shapes and dtype (28x28 uint8
images, labels 0-9): each class is a bar at a height of its own, of random length and place,
noised."""

import numpy as np

from numen import keras
from numen.keras import layers


def make_digits(count, rng):
    """(images (count, 28, 28) uint8, labels (count,) uint8), like mnist.load_data's."""
    labels = rng.integers(0, 10, count).astype("uint8")
    images = np.zeros((count, 28, 28), "float32")
    for i, label in enumerate(labels):
        canvas = np.zeros((28, 28), "float32")
        row = 4 + 2 * label  # each class a bar at its own height, of random length and place
        start = rng.integers(2, 10)
        canvas[row: row + 2, start: start + rng.integers(10, 17)] = 1.0
        images[i] = canvas
    images = np.clip(images * 220 + rng.normal(0, 25, images.shape), 0, 255)
    return images.astype("uint8"), labels


# Model / data parameters
num_classes = 10
input_shape = (28, 28, 1)

rng = np.random.default_rng(0)
(x_train, y_train), (x_test, y_test) = make_digits(600, rng), make_digits(200, rng)

# Scale images to the [0, 1] range and make sure they have shape (28, 28, 1).
x_train = x_train.astype("float32") / 255
x_test = x_test.astype("float32") / 255
x_train = np.expand_dims(x_train, -1)
x_test = np.expand_dims(x_test, -1)
print("x_train shape:", x_train.shape)
print(x_train.shape[0], "train samples")
print(x_test.shape[0], "test samples")

# Class vectors to binary class matrices.
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)
assert y_train.shape == (600, 10) and y_train.sum() == 600

model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]
)
model.summary()
# The example's printed summary: 1600 features after Flatten, 34,826 parameters in all.
assert model.layers[-3].output.shape == (None, 1600)
assert model.count_params() == 34826

batch_size = 128
epochs = 3
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                    validation_split=0.1, verbose=2)
assert len(history.history["val_loss"]) == epochs

score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
assert score[1] > 0.7, score  # chance is 0.1
print("mnist_convnet OK")
