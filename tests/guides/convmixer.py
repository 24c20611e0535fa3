"""keras.io example "Image classification with ConvMixer", step by step: an augmentation
Sequential (RandomCrop after resizing up, RandomFlip) applied to the training batches only, a
patch-embedding stem (Conv2D with kernel_size == strides), ConvMixer blocks of
DepthwiseConv2D(padding="same") with a residual Add and a pointwise Conv2D, each followed by a
gelu Activation and BatchNormalization, GlobalAvgPool2D and a softmax head, AdamW with a
save_best_only weights checkpoint, then the learned patch embeddings and depthwise kernels read
back from the layers (model.layers[i].get_weights(), isinstance(layer, DepthwiseConv2D)).
CIFAR-10-shaped synthetic images (16x16, four classes by the place of a bright square) and a
ConvMixer-32/2 in place of ConvMixer-256/8 keep it to seconds."""

import numpy as np

from numen import keras
from numen.keras import layers

keras.utils.set_random_seed(8)
rng = np.random.default_rng(8)

learning_rate = 0.003
weight_decay = 0.0001
batch_size = 32
num_epochs = 5
image_size = 16
auto_resize = 20
num_classes = 4


def make_images(count):
    labels = rng.integers(0, num_classes, count)
    images = rng.integers(0, 70, (count, 16, 16, 3))
    for i, label in enumerate(labels):
        row, col = 8 * (label // 2) + rng.integers(0, 3), 8 * (label % 2) + rng.integers(0, 3)
        images[i, row:row + 5, col:col + 5] = 240
    return images.astype("uint8"), labels[:, None].astype("uint8")


(x_train, y_train), (x_test, y_test) = make_images(320), make_images(64)
val_split = 0.1

val_indices = int(len(x_train) * val_split)
new_x_train, new_y_train = x_train[val_indices:], y_train[val_indices:]
x_val, y_val = x_train[:val_indices], y_train[:val_indices]

print(f"Training data samples: {len(new_x_train)}")
print(f"Validation data samples: {len(x_val)}")
print(f"Test data samples: {len(x_test)}")

data_augmentation = keras.Sequential(
    [
        layers.Resizing(auto_resize, auto_resize),
        layers.RandomCrop(image_size, image_size),
        layers.RandomFlip("horizontal"),
    ],
    name="data_augmentation",
)


def make_datasets(images, labels, is_train=False):
    """Augmented batches for training, plain arrays otherwise."""
    if is_train:
        images = keras.ops.convert_to_numpy(data_augmentation(images, training=True))
    return images.astype("float32"), labels


train_x, train_y = make_datasets(new_x_train, new_y_train, is_train=True)
assert train_x.shape == new_x_train.shape and not np.array_equal(train_x, new_x_train)
val_x, val_y = make_datasets(x_val, y_val)
test_x, test_y = make_datasets(x_test, y_test)


def activation_block(x):
    x = layers.Activation("gelu")(x)
    return layers.BatchNormalization()(x)


def conv_stem(x, filters: int, patch_size: int):
    x = layers.Conv2D(filters, kernel_size=patch_size, strides=patch_size)(x)
    return activation_block(x)


def conv_mixer_block(x, filters: int, kernel_size: int):
    # Depthwise convolution.
    x0 = x
    x = layers.DepthwiseConv2D(kernel_size=kernel_size, padding="same")(x)
    x = layers.Add()([activation_block(x), x0])  # Residual.

    # Pointwise convolution.
    x = layers.Conv2D(filters, kernel_size=1)(x)
    x = activation_block(x)

    return x


def get_conv_mixer_256_8(image_size=16, filters=32, depth=2, kernel_size=5, patch_size=2,
                         num_classes=num_classes):
    """ConvMixer-256/8: https://openreview.net/pdf?id=TVHS5Y4dNvM.
    The hyperparameter values are taken from the paper (and shrunk here).
    """
    inputs = keras.Input((image_size, image_size, 3))
    x = layers.Rescaling(scale=1.0 / 255)(inputs)

    # Extract patch embeddings.
    x = conv_stem(x, filters, patch_size)

    # ConvMixer blocks.
    for _ in range(depth):
        x = conv_mixer_block(x, filters, kernel_size)

    # Classification block.
    x = layers.GlobalAvgPool2D()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)

    return keras.Model(inputs, outputs)


# Code reference:
# https://keras.io/examples/vision/image_classification_with_vision_transformer/.


def run_experiment(model):
    optimizer = keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=weight_decay)

    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )

    checkpoint_filepath = "checkpoint.weights.h5"
    checkpoint_callback = keras.callbacks.ModelCheckpoint(
        checkpoint_filepath,
        monitor="val_accuracy",
        save_best_only=True,
        save_weights_only=True,
    )

    history = model.fit(
        train_x, train_y, batch_size=batch_size, validation_data=(val_x, val_y),
        epochs=num_epochs, callbacks=[checkpoint_callback], verbose=2,
    )

    model.load_weights(checkpoint_filepath)
    _, accuracy = model.evaluate(test_x, test_y, verbose=0)
    print(f"Test accuracy: {round(accuracy * 100, 2)}%")

    return history, model


conv_mixer_model = get_conv_mixer_256_8()
conv_mixer_model.summary()
history, conv_mixer_model = run_experiment(conv_mixer_model)
losses = history.history["loss"]
assert all(np.isfinite(losses)) and losses[-1] < losses[0]

# Visualizing the internals: the patch embeddings are the stem's kernels.
patch_embeddings = conv_mixer_model.layers[2].get_weights()[0]
assert isinstance(conv_mixer_model.layers[2], layers.Conv2D)
assert patch_embeddings.shape == (2, 2, 3, 32)
# Normalize each embedding to [0, 1] as images for display.
p_min, p_max = patch_embeddings.min(), patch_embeddings.max()
patch_embeddings = (patch_embeddings - p_min) / (p_max - p_min)
assert patch_embeddings.min() == 0.0 and patch_embeddings.max() == 1.0

# The depthwise kernels: one 5x5 filter per channel.
depthwise = []
for i, layer in enumerate(conv_mixer_model.layers):
    if isinstance(layer, layers.DepthwiseConv2D):
        if layer.get_config()["kernel_size"] == (5, 5):
            print(i, layer)
            depthwise.append(layer.get_weights()[0])
assert len(depthwise) == 2 and all(k.shape == (5, 5, 32, 1) for k in depthwise)
kernel = depthwise[0]
kernel = np.squeeze(kernel)
assert kernel.shape == (5, 5, 32)

print("convmixer OK")
