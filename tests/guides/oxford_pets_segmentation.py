"""keras.io example "Image segmentation with a U-Net-like architecture", step by step: an
Xception-style downsampling half (Conv2D with strides 2, SeparableConv2D, BatchNormalization,
MaxPooling2D, 1x1 strided residual projections joined by layers.add) and an upsampling half
(Conv2DTranspose, UpSampling2D, residual projections), a per-pixel softmax trained with
sparse_categorical_crossentropy on integer masks, a ModelCheckpoint with save_best_only, and
per-pixel predictions turned back into masks with argmax. Synthetic images with one bright square
(class 1), its border (class 2) and background (class 0) stand in for the Oxford Pets trimaps;
32x32 images and one block per half keep it to seconds."""

import os

import numpy as np

from numen import keras
from numen.keras import layers

img_size = (32, 32)
num_classes = 3
batch_size = 8

# Images with a square "pet"; its target mask: 0 background, 1 inside, 2 the outline.
rng = np.random.default_rng(0)


def make_pair():
    img = rng.normal(0.2, 0.05, img_size + (3,)).astype("float32")
    mask = np.zeros(img_size + (1,), "uint8")
    top, left = rng.integers(2, 14, 2)
    size = int(rng.integers(8, 16))
    img[top:top + size, left:left + size] += 0.6
    mask[top:top + size, left:left + size] = 2
    mask[top + 1:top + size - 1, left + 1:left + size - 1] = 1
    return img, mask


pairs = [make_pair() for _ in range(48)]
input_imgs = np.stack([p[0] for p in pairs])
targets = np.stack([p[1] for p in pairs])
assert set(np.unique(targets)) == {0, 1, 2}


def get_model(img_size, num_classes):
    inputs = keras.Input(shape=img_size + (3,))

    # [First half of the network: downsampling inputs]
    x = layers.Conv2D(32, 3, strides=2, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    previous_block_activation = x  # Set aside residual

    # Blocks are identical apart from the feature depth (the example uses 64, 128, 256).
    for filters in [16, 32]:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)

        # Project residual
        residual = layers.Conv2D(filters, 1, strides=2, padding="same")(
            previous_block_activation
        )
        x = layers.add([x, residual])  # Add back residual
        previous_block_activation = x  # Set aside next residual

    # [Second half of the network: upsampling inputs]
    for filters in [32, 16, 8]:
        x = layers.Activation("relu")(x)
        x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.Activation("relu")(x)
        x = layers.Conv2DTranspose(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.UpSampling2D(2)(x)

        # Project residual
        residual = layers.UpSampling2D(2)(previous_block_activation)
        residual = layers.Conv2D(filters, 1, padding="same")(residual)
        x = layers.add([x, residual])  # Add back residual
        previous_block_activation = x  # Set aside next residual

    # Add a per-pixel classification layer
    outputs = layers.Conv2D(num_classes, 3, activation="softmax", padding="same")(x)

    # Define the model
    model = keras.Model(inputs, outputs)
    return model


# Build model
model = get_model(img_size, num_classes)
model.summary()
assert model.output_shape == (None,) + img_size + (num_classes,)
separable = [layer for layer in model.layers if isinstance(layer, layers.SeparableConv2D)]
assert len(separable) == 4
# depthwise 3x3 per input channel, pointwise 1x1, bias
assert [tuple(w.shape) for w in separable[0].weights] == [(3, 3, 32, 1), (1, 1, 32, 16), (16,)]

# Split our img paths into a training and a validation set
val_samples = 8
train_input, train_target = input_imgs[:-val_samples], targets[:-val_samples]
val_input, val_target = input_imgs[-val_samples:], targets[-val_samples:]

# Configure the model for training. We use the "sparse" version of categorical_crossentropy
# because our target data is integers.
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")

callbacks = [keras.callbacks.ModelCheckpoint("oxford_segmentation.keras", save_best_only=True)]

# Train the model, doing validation at the end of each epoch.
epochs = 3
history = model.fit(
    train_input,
    train_target,
    batch_size=batch_size,
    epochs=epochs,
    validation_data=(val_input, val_target),
    callbacks=callbacks,
    verbose=2,
)
assert set(history.history) == {"loss", "val_loss"}
assert history.history["loss"][-1] < history.history["loss"][0]
assert os.path.exists("oxford_segmentation.keras")

# Generate predictions for all images in the validation set
val_preds = model.predict(val_input, batch_size=batch_size, verbose=0)
assert val_preds.shape == (val_samples,) + img_size + (num_classes,)
np.testing.assert_allclose(val_preds.sum(-1), 1.0, rtol=1e-4)


def display_mask(i):
    """Quick utility to display a model's prediction (here: the mask as an array)."""
    mask = np.argmax(val_preds[i], axis=-1)
    mask = np.expand_dims(mask, axis=-1)
    return mask


mask = display_mask(0)
assert mask.shape == img_size + (1,) and mask.max() < num_classes

# The best checkpoint reloads and predicts the same per-pixel probabilities as the model it saved.
best = keras.models.load_model("oxford_segmentation.keras")
best_loss = min(history.history["val_loss"])
reloaded_loss = best.evaluate(val_input, val_target, batch_size=batch_size, verbose=0)
np.testing.assert_allclose(reloaded_loss, best_loss, rtol=1e-4)

print("oxford_pets_segmentation OK")
