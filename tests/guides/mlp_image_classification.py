"""keras.io example "Image classification with modern MLP models", step by step: data
augmentation layers (Normalization adapted to the training images, Resizing, RandomFlip,
RandomZoom), a Patches layer on keras.ops.image.extract_patches, then two of the example's three
models: MLP-Mixer (token- and channel-mixing MLPs with keras.ops.transpose, LayerNormalization,
GELU) and FNet (keras.ops.fft2 in place of attention), each trained with AdamW,
ReduceLROnPlateau and EarlyStopping and scored with top-1 and top-5 accuracy. Six classes of
16x16 synthetic images (a colour and a stripe orientation, which flips and zooms keep) stand in
for CIFAR-100, resized to 24 in place of 64, with smaller models and fewer epochs, so it learns
in seconds. (gMLP, the third model, is left out for time: it adds only a Conv1D gating unit.)"""

import numpy as np

from numen import keras
from numen.keras import layers

num_classes = 6
input_shape = (16, 16, 3)


def make_images(count, rng):
    """Class c: channel c % 3 carries stripes, horizontal for c < 3 and vertical otherwise."""
    y = rng.integers(0, num_classes, count)
    x = rng.uniform(0, 80, (count,) + input_shape)
    stripes = (np.arange(16) // 2 % 2) * 150.0
    for i, c in enumerate(y):
        pattern = stripes[:, None] if c < 3 else stripes[None, :]
        x[i, :, :, c % 3] += pattern
    return x.astype("float32"), y[:, None]


rng = np.random.default_rng(0)
(x_train, y_train), (x_test, y_test) = make_images(640, rng), make_images(160, rng)
print(f"x_train shape: {x_train.shape} - y_train shape: {y_train.shape}")
print(f"x_test shape: {x_test.shape} - y_test shape: {y_test.shape}")

weight_decay = 0.0001
batch_size = 64
num_epochs = 8
dropout_rate = 0.2
image_size = 24  # We'll resize input images to this size.
patch_size = 6  # Size of the patches to be extracted from the input images.
num_patches = (image_size // patch_size) ** 2  # Size of the data array.
embedding_dim = 32  # Number of hidden units.
num_blocks = 2  # Number of blocks.

print(f"Image size: {image_size} X {image_size} = {image_size ** 2}")
print(f"Patch size: {patch_size} X {patch_size} = {patch_size ** 2} ")
print(f"Patches per image: {num_patches}")
print(f"Elements per patch (3 channels): {(patch_size ** 2) * 3}")


def build_classifier(blocks):
    inputs = layers.Input(shape=input_shape)
    # Augment data.
    augmented = data_augmentation(inputs)
    # Create patches.
    patches = Patches(patch_size)(augmented)
    # Encode patches to generate a [batch_size, num_patches, embedding_dim] tensor.
    x = layers.Dense(units=embedding_dim)(patches)
    # (The example can add a keras_hub PositionEmbedding here; neither model below uses it.)
    # Process x using the module blocks.
    x = blocks(x)
    # Apply global average pooling to generate a [batch_size, embedding_dim] representation.
    representation = layers.GlobalAveragePooling1D()(x)
    # Apply dropout.
    representation = layers.Dropout(rate=dropout_rate)(representation)
    # Compute logits outputs.
    logits = layers.Dense(num_classes)(representation)
    # Create the Keras model.
    return keras.Model(inputs=inputs, outputs=logits)


def run_experiment(model, learning_rate):
    # Create Adam optimizer with weight decay.
    optimizer = keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=weight_decay)
    # Compile the model.
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[
            keras.metrics.SparseCategoricalAccuracy(name="acc"),
            keras.metrics.SparseTopKCategoricalAccuracy(5, name="top5-acc"),
        ],
    )
    # Create a learning rate scheduler callback.
    reduce_lr = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=5)
    # Create an early stopping callback.
    early_stopping = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=10, restore_best_weights=True)
    # Fit the model.
    history = model.fit(
        x=x_train,
        y=y_train,
        batch_size=batch_size,
        epochs=num_epochs,
        validation_split=0.1,
        callbacks=[early_stopping, reduce_lr],
        verbose=2,
    )

    _, accuracy, top_5_accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test accuracy: {round(accuracy * 100, 2)}%")
    print(f"Test top 5 accuracy: {round(top_5_accuracy * 100, 2)}%")

    # Return history to plot learning curves.
    return history, accuracy, top_5_accuracy


data_augmentation = keras.Sequential(
    [
        layers.Normalization(),
        layers.Resizing(image_size, image_size),
        layers.RandomFlip("horizontal"),
        layers.RandomZoom(height_factor=0.2, width_factor=0.2),
    ],
    name="data_augmentation",
)
# Compute the mean and the variance of the training data for normalization.
data_augmentation.layers[0].adapt(x_train)
normalization = data_augmentation.layers[0]
np.testing.assert_allclose(np.asarray(normalization.mean).reshape(-1),
                           x_train.reshape(-1, 3).mean(0), rtol=1e-4)
assert data_augmentation(x_train[:2]).shape == (2, image_size, image_size, 3)


class Patches(layers.Layer):
    def __init__(self, patch_size, **kwargs):
        super().__init__(**kwargs)
        self.patch_size = patch_size

    def call(self, x):
        patches = keras.ops.image.extract_patches(x, self.patch_size)
        batch_size = keras.ops.shape(patches)[0]
        num_patches = keras.ops.shape(patches)[1] * keras.ops.shape(patches)[2]
        patch_dim = keras.ops.shape(patches)[3]
        out = keras.ops.reshape(patches, (batch_size, num_patches, patch_dim))
        return out


# Patches are row-major, each patch its pixels row by row with the channels innermost.
image = np.arange(2 * 12 * 12 * 3, dtype="float32").reshape(2, 12, 12, 3)
patches = np.asarray(Patches(patch_size)(image))
assert patches.shape == (2, 4, patch_size * patch_size * 3), patches.shape
np.testing.assert_array_equal(patches[1, 1], image[1, :6, 6:].reshape(-1))


class MLPMixerLayer(layers.Layer):
    def __init__(self, num_patches, hidden_units, dropout_rate, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.mlp1 = keras.Sequential(
            [
                layers.Dense(units=num_patches, activation="gelu"),
                layers.Dense(units=num_patches),
                layers.Dropout(rate=dropout_rate),
            ]
        )
        self.mlp2 = keras.Sequential(
            [
                layers.Dense(units=num_patches, activation="gelu"),
                layers.Dense(units=hidden_units),
                layers.Dropout(rate=dropout_rate),
            ]
        )
        self.normalize = layers.LayerNormalization(epsilon=1e-6)

    def build(self, input_shape):
        return super().build(input_shape)

    def call(self, inputs):
        # Apply layer normalization.
        x = self.normalize(inputs)
        # Transpose inputs from [num_batches, num_patches, hidden_units] to
        # [num_batches, hidden_units, num_patches].
        x_channels = keras.ops.transpose(x, axes=(0, 2, 1))
        # Apply mlp1 on each channel independently.
        mlp1_outputs = self.mlp1(x_channels)
        # Transpose mlp1_outputs from [num_batches, hidden_dim, num_patches] to
        # [num_batches, num_patches, hidden_units].
        mlp1_outputs = keras.ops.transpose(mlp1_outputs, axes=(0, 2, 1))
        # Add skip connection.
        x = mlp1_outputs + inputs
        # Apply layer normalization.
        x_patches = self.normalize(x)
        # Apply mlp2 on each patch independtenly.
        mlp2_outputs = self.mlp2(x_patches)
        # Add skip connection.
        x = x + mlp2_outputs
        return x


mlpmixer_blocks = keras.Sequential(
    [MLPMixerLayer(num_patches, embedding_dim, dropout_rate) for _ in range(num_blocks)]
)
learning_rate = 0.005
mlpmixer_classifier = build_classifier(mlpmixer_blocks)
mlpmixer_classifier.summary()
assert mlpmixer_classifier.count_params() == 7053, mlpmixer_classifier.count_params()
history, accuracy, top_5_accuracy = run_experiment(mlpmixer_classifier, learning_rate)
assert accuracy > 0.6 and top_5_accuracy > 0.9, (accuracy, top_5_accuracy)


class FNetLayer(layers.Layer):
    def __init__(self, embedding_dim, dropout_rate, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.ffn = keras.Sequential(
            [
                layers.Dense(units=embedding_dim, activation="gelu"),
                layers.Dropout(rate=dropout_rate),
                layers.Dense(units=embedding_dim),
            ]
        )

        self.normalize1 = layers.LayerNormalization(epsilon=1e-6)
        self.normalize2 = layers.LayerNormalization(epsilon=1e-6)

    def call(self, inputs):
        # Apply fourier transformations.
        real_part = inputs
        im_part = keras.ops.zeros_like(inputs)
        x = keras.ops.fft2((real_part, im_part))[0]
        # Add skip connection.
        x = x + inputs
        # Apply layer normalization.
        x = self.normalize1(x)
        # Apply Feedfowrad network.
        x_ffn = self.ffn(x)
        # Add skip connection.
        x = x + x_ffn
        # Apply layer normalization.
        return self.normalize2(x)


fnet_blocks = keras.Sequential(
    [FNetLayer(embedding_dim, dropout_rate) for _ in range(num_blocks)]
)
learning_rate = 0.001
fnet_classifier = build_classifier(fnet_blocks)
fnet_classifier.summary()
history, accuracy, top_5_accuracy = run_experiment(fnet_classifier, learning_rate)
assert accuracy > 0.6 and top_5_accuracy > 0.9, (accuracy, top_5_accuracy)
print("mlp_image_classification OK")
