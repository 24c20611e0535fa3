"""The pattern of keras.io's "Image classification from scratch": images in class folders,
image_dataset_from_directory with a validation split, augmentation layers inside the model, a
small Xception-like network with separable convolutions and residual connections, a checkpoint
callback, and a prediction on one image read with load_img. Generated images (bright squares
on dark, or dark on bright) in place of the Cats vs Dogs download."""

import os

import numpy as np
from PIL import Image

from numen import keras
from numen.keras import layers

rng = np.random.default_rng(0)
for label in ("Cat", "Dog"):
    os.makedirs(os.path.join("PetImages", label), exist_ok=True)
    for i in range(24):
        image = rng.integers(0, 80, size=(40, 40, 3)).astype("uint8")
        top, left = rng.integers(4, 20, size=2)
        image[top:top + 16, left:left + 16] = 230 if label == "Cat" else 10
        if label == "Dog":
            image += 120
        Image.fromarray(image).save(os.path.join("PetImages", label, f"{i}.jpg"))

image_size = (32, 32)
batch_size = 16
train_ds, val_ds = keras.utils.image_dataset_from_directory(
    "PetImages", validation_split=0.2, subset="both", seed=1337, image_size=image_size,
    batch_size=batch_size)
assert train_ds.class_names == ["Cat", "Dog"]

images, labels = next(iter(train_ds))
assert tuple(images.shape) == (batch_size, 32, 32, 3)

data_augmentation_layers = [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)]


def data_augmentation(images):
    for layer in data_augmentation_layers:
        images = layer(images)
    return images


augmented_train_ds = train_ds.map(lambda img, label: (data_augmentation(img), label))


def make_model(input_shape, num_classes):
    inputs = keras.Input(shape=input_shape)
    x = layers.Rescaling(1.0 / 255)(inputs)
    x = layers.Conv2D(16, 3, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    previous_block_activation = x
    for size in [32, 64]:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        residual = layers.Conv2D(size, 1, strides=2, padding="same")(previous_block_activation)
        x = layers.add([x, residual])
        previous_block_activation = x
    x = layers.SeparableConv2D(64, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    if num_classes == 2:
        units = 1
    else:
        units = num_classes
    x = layers.Dropout(0.25)(x)
    outputs = layers.Dense(units, activation=None)(x)
    return keras.Model(inputs, outputs)


model = make_model(input_shape=image_size + (3,), num_classes=2)
epochs = 3
callbacks = [keras.callbacks.ModelCheckpoint("save_at_{epoch}.keras")]
model.compile(optimizer=keras.optimizers.Adam(3e-3),
              loss=keras.losses.BinaryCrossentropy(from_logits=True),
              metrics=[keras.metrics.BinaryAccuracy(name="acc")])
history = model.fit(augmented_train_ds, epochs=epochs, callbacks=callbacks,
                    validation_data=val_ds, verbose=0)
print(history.history)
assert os.path.exists("save_at_3.keras")
assert history.history["acc"][-1] > 0.6

img = keras.utils.load_img("PetImages/Cat/6.jpg", target_size=image_size)
img_array = keras.utils.img_to_array(img)
img_array = keras.ops.expand_dims(img_array, 0)
predictions = model.predict(img_array, verbose=0)
score = float(keras.ops.sigmoid(predictions[0][0]))
print(f"This image is {100 * (1 - score):.2f}% cat and {100 * score:.2f}% dog.")
assert 0.0 <= score <= 1.0
print("image_classification OK")
