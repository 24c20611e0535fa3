"""keras.io example "Learning to Resize in Computer Vision", step by step: a learnable resizer
model on keras.Input(shape=[None, None, 3]) (any input size) that adds a naive
layers.Resizing(interpolation="bilinear") of the input to a convolutional correction computed
around a Resizing bottleneck, with one LeakyReLU(0.2) layer instance shared by every residual
block (the example's default argument), BatchNormalization and Add skip connections; the
resizer called eagerly on single images, then nested as a layer between a Rescaling and a
classifier backbone, trained with CategoricalCrossentropy(label_smoothing=0.1) and SGD on
one-hot labels, the resizer's weights training with the rest. Synthetic two-class images
(horizontal or vertical stripes, 48x48 resized to 24x24) stand in for cats vs. dogs at
300x300 -> 150x150, and a small convnet stands in for the DenseNet121 backbone."""

import numpy as np

from numen import keras
from numen.keras import layers, ops

keras.utils.set_random_seed(4)
rng = np.random.default_rng(4)

INP_SIZE = (48, 48)
TARGET_SIZE = (24, 24)
INTERPOLATION = "bilinear"

BATCH_SIZE = 16
EPOCHS = 4


def make_images(count):
    """Stripes of a random period and phase: class 0 horizontal, class 1 vertical."""
    labels = rng.integers(0, 2, count)
    yy, xx = np.mgrid[0:INP_SIZE[0], 0:INP_SIZE[1]]
    images = np.zeros((count, *INP_SIZE, 3))
    for i, label in enumerate(labels):
        period, phase = rng.uniform(6, 12), rng.uniform(0, 6)
        wave = np.sin(2 * np.pi * (xx if label else yy) / period + phase)
        images[i] = (127 + 100 * wave)[..., None] + rng.normal(0, 20, (*INP_SIZE, 3))
    return np.clip(images, 0, 255).astype("float32"), labels


def preprocess_dataset(images, labels):
    return images, keras.utils.to_categorical(labels, num_classes=2)


train_x, train_y = preprocess_dataset(*make_images(128))
validation_x, validation_y = preprocess_dataset(*make_images(32))


# The default LeakyReLU is made once, so every block that takes it shares one layer (as in the
# example).
def conv_block(x, filters, kernel_size, strides,
               activation=layers.LeakyReLU(0.2)):  # noqa: B008
    x = layers.Conv2D(filters, kernel_size, strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    if activation:
        x = activation(x)
    return x


def res_block(x):
    inputs = x
    x = conv_block(x, 8, 3, 1)
    x = conv_block(x, 8, 3, 1, activation=None)
    return layers.Add()([inputs, x])


def get_learnable_resizer(filters=8, num_res_blocks=2, interpolation=INTERPOLATION):
    inputs = layers.Input(shape=[None, None, 3])

    # First, perform naive resizing.
    naive_resize = layers.Resizing(*TARGET_SIZE, interpolation=interpolation)(inputs)

    # First convolution block without batch normalization.
    x = layers.Conv2D(filters=filters, kernel_size=7, strides=1, padding="same")(inputs)
    x = layers.LeakyReLU(0.2)(x)

    # Second convolution block with batch normalization.
    x = layers.Conv2D(filters=filters, kernel_size=1, strides=1, padding="same")(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.BatchNormalization()(x)

    # Intermediate resizing as a bottleneck.
    bottleneck = layers.Resizing(*TARGET_SIZE, interpolation=interpolation)(x)

    # Residual passes.
    for _ in range(num_res_blocks):
        x = res_block(bottleneck)

    # Projection.
    x = layers.Conv2D(
        filters=filters, kernel_size=3, strides=1, padding="same", use_bias=False
    )(x)
    x = layers.BatchNormalization()(x)

    # Skip connection.
    x = layers.Add()([bottleneck, x])

    # Final resized image.
    x = layers.Conv2D(filters=3, kernel_size=7, strides=1, padding="same")(x)
    final_resize = layers.Add()([naive_resize, x])

    return keras.Model(inputs, final_resize, name="learnable_resizer")


learnable_resizer = get_learnable_resizer()
learnable_resizer.summary()
assert learnable_resizer.output_shape == (None, *TARGET_SIZE, 3)
# The default-argument LeakyReLU is one layer, called once per residual block.
shared = [layer for layer in learnable_resizer.layers
          if isinstance(layer, layers.LeakyReLU) and len(layer._inbound_nodes) > 1]
assert len(shared) == 1 and shared[0].negative_slope == 0.2

# Visualize outputs of the learnable resizing module (here: their shapes and values), for
# images of the training size and of another size.
for image in train_x[:3]:
    image = image / 255
    resized_image = learnable_resizer(image[None, ...])
    assert resized_image.shape == (1, *TARGET_SIZE, 3)
    assert np.all(np.isfinite(ops.convert_to_numpy(resized_image)))
assert learnable_resizer(np.zeros((2, 30, 40, 3), "float32")).shape == (2, *TARGET_SIZE, 3)
# Untrained, the correction is small next to the bilinear resize it is added to (in
# inference: Keras's BatchNormalization after a Resizing layer normalizes with the batch's
# statistics when training is left unset, which numen does not copy).
naive = ops.convert_to_numpy(ops.image.resize(train_x[:4] / 255, TARGET_SIZE))
learned = ops.convert_to_numpy(learnable_resizer(train_x[:4] / 255, training=False))
assert np.abs(learned - naive).mean() < np.abs(naive).mean()


def get_backbone():
    return keras.Sequential(
        [
            keras.Input((*TARGET_SIZE, 3)),
            layers.Conv2D(8, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(8, 3, activation="relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(2, activation="softmax"),
        ],
        name="backbone",
    )


def get_model():
    backbone = get_backbone()
    backbone.trainable = True

    inputs = layers.Input((INP_SIZE[0], INP_SIZE[1], 3))
    x = layers.Rescaling(scale=1.0 / 255)(inputs)
    x = learnable_resizer(x)
    outputs = backbone(x)

    return keras.Model(inputs, outputs)


model = get_model()
model.compile(
    loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
    optimizer="sgd",
    metrics=["accuracy"],
)
model.summary()
assert model.count_params() == learnable_resizer.count_params() + \
    model.get_layer("backbone").count_params()

before = [w.copy() for w in learnable_resizer.get_weights()]
history = model.fit(
    train_x, train_y, batch_size=BATCH_SIZE, validation_data=(validation_x, validation_y),
    epochs=EPOCHS, verbose=2,
)
losses = history.history["loss"]
assert all(np.isfinite(losses)) and losses[-1] < losses[0]
# The resizer is trained together with the classifier.
assert any(not np.array_equal(a, b) for a, b in zip(before, learnable_resizer.get_weights()))

print("learnable_resizer OK")
