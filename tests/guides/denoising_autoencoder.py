"""keras.io example "Convolutional autoencoder for image denoising", step by step: images scaled
and reshaped, Gaussian noise added, a Conv2D/MaxPooling2D encoder and a Conv2DTranspose decoder
trained first to reproduce clean images, then to map noisy images to clean ones. Synthetic
MNIST-shaped digits (bars) in place of the download, fewer of them and fewer epochs."""

import numpy as np

from numen import keras
from numen.keras import layers
from numen.keras.models import Model


def preprocess(array):
    """Scaled to [0, 1] and shaped (count, 28, 28, 1)."""
    array = array.astype("float32") / 255.0
    array = np.reshape(array, (len(array), 28, 28, 1))
    return array


def noise(array):
    """Gaussian noise added to each image, clipped back to [0, 1]."""
    noise_factor = 0.4
    noisy_array = array + noise_factor * np.random.normal(loc=0.0, scale=1.0, size=array.shape)
    return np.clip(noisy_array, 0.0, 1.0)


def make_digits(count, rng):
    """(count, 28, 28) uint8 images: a bar at a height per class, of random length and place."""
    images = np.zeros((count, 28, 28), "uint8")
    for i, label in enumerate(rng.integers(0, 10, count)):
        start = rng.integers(2, 10)
        images[i, 4 + 2 * label: 6 + 2 * label, start: start + rng.integers(10, 17)] = 255
    return images


np.random.seed(0)
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
train_data, test_data = preprocess(make_digits(192, rng)), preprocess(make_digits(64, rng))
noisy_train_data, noisy_test_data = noise(train_data), noise(test_data)
assert noisy_train_data.shape == (192, 28, 28, 1)

input = layers.Input(shape=(28, 28, 1))

# Encoder
x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(input)
x = layers.MaxPooling2D((2, 2), padding="same")(x)
x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(x)
x = layers.MaxPooling2D((2, 2), padding="same")(x)

# Decoder
x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
x = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)

# Autoencoder
autoencoder = Model(input, x)
autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
autoencoder.summary()
assert autoencoder.layers[4].output.shape == (None, 7, 7, 32)  # the code
assert autoencoder.output_shape == (None, 28, 28, 1)

# First the clean images reproduce themselves...
history = autoencoder.fit(x=train_data, y=train_data, epochs=3, batch_size=64, shuffle=True,
                          validation_data=(test_data, test_data), verbose=2)
assert history.history["val_loss"][-1] < history.history["val_loss"][0]
predictions = autoencoder.predict(test_data, verbose=0)
assert predictions.shape == test_data.shape and 0 <= predictions.min() <= predictions.max() <= 1

# ...then noisy images map to clean ones.
history = autoencoder.fit(x=noisy_train_data, y=train_data, epochs=5, batch_size=64,
                          shuffle=True, validation_data=(noisy_test_data, test_data), verbose=2)
denoised = autoencoder.predict(noisy_test_data, verbose=0)
before = float(np.mean((noisy_test_data - test_data) ** 2))
after = float(np.mean((denoised - test_data) ** 2))
print(f"mean squared error to the clean images: noisy {before:.4f}, denoised {after:.4f}")
assert after < 0.7 * before, (before, after)
print("denoising_autoencoder OK")
