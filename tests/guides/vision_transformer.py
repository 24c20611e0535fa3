"""keras.io example "Image classification with Vision Transformer", step by step: an
augmentation Sequential (Normalization adapted to the data, Resizing, RandomFlip,
RandomRotation, RandomZoom), a Patches layer built on keras.ops.image.extract_patches, a
PatchEncoder adding position embeddings, Transformer blocks of Functional calls, AdamW, top-5
accuracy and a ModelCheckpoint whose best weights are loaded back. CIFAR-100-shaped synthetic
images (32x32x3 uint8: a coloured square whose place and colour make the class), ten classes
and a much smaller model in place of the download."""

import os
import tempfile

import numpy as np

from numen import keras
from numen.keras import layers, ops

num_classes = 10
input_shape = (32, 32, 3)


def make_images(count, rng):
    """(images (count, 32, 32, 3) uint8, labels (count, 1) uint8) as cifar100.load_data's."""
    labels = rng.integers(0, num_classes, count)
    images = rng.integers(0, 60, (count, 32, 32, 3))
    colours = np.array([[220, 40, 40], [40, 220, 40], [40, 40, 220], [220, 220, 40],
                        [220, 40, 220]])
    for i, label in enumerate(labels):
        row, col = (4, 4) if label < 5 else (18, 18)  # the class: a place and a colour
        dy, dx = rng.integers(-2, 3, 2)
        images[i, row + dy: row + dy + 10, col + dx: col + dx + 10] = colours[label % 5]
    return images.astype("uint8"), labels.astype("uint8")[:, None]


keras.utils.set_random_seed(7)
rng = np.random.default_rng(7)
(x_train, y_train), (x_test, y_test) = make_images(400, rng), make_images(100, rng)
print(f"x_train shape: {x_train.shape} - y_train shape: {y_train.shape}")
print(f"x_test shape: {x_test.shape} - y_test shape: {y_test.shape}")

learning_rate = 0.003
weight_decay = 0.0001
batch_size = 64
num_epochs = 12
image_size = 24  # inputs are resized to this
patch_size = 6  # size of the patches taken from the images
num_patches = (image_size // patch_size) ** 2
projection_dim = 16
num_heads = 2
transformer_units = [projection_dim * 2, projection_dim]  # sizes of the transformer MLP
transformer_layers = 2
mlp_head_units = [64, 32]  # sizes of the classifier's dense layers

data_augmentation = keras.Sequential(
    [
        layers.Normalization(),
        layers.Resizing(image_size, image_size),
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(factor=0.02),
        layers.RandomZoom(height_factor=0.2, width_factor=0.2),
    ],
    name="data_augmentation",
)
# The normalization's mean and variance come from the training data.
data_augmentation.layers[0].adapt(x_train)
mean = np.asarray(data_augmentation.layers[0].mean).reshape(-1)
np.testing.assert_allclose(mean, x_train.reshape(-1, 3).mean(0), rtol=1e-4)


def mlp(x, hidden_units, dropout_rate):
    for units in hidden_units:
        x = layers.Dense(units, activation=keras.activations.gelu)(x)
        x = layers.Dropout(dropout_rate)(x)
    return x


class Patches(layers.Layer):
    def __init__(self, patch_size):
        super().__init__()
        self.patch_size = patch_size

    def call(self, images):
        input_shape = ops.shape(images)
        batch_size = input_shape[0]
        height, width, channels = input_shape[1], input_shape[2], input_shape[3]
        num_patches_h = height // self.patch_size
        num_patches_w = width // self.patch_size
        patches = keras.ops.image.extract_patches(images, size=self.patch_size)
        return ops.reshape(patches, (batch_size, num_patches_h * num_patches_w,
                                     self.patch_size * self.patch_size * channels))

    def get_config(self):
        config = super().get_config()
        config.update({"patch_size": self.patch_size})
        return config


# The patches of one image, as the example displays them.
image = x_train[np.random.choice(range(x_train.shape[0]))]
resized_image = ops.image.resize(ops.convert_to_tensor([image]), size=(image_size, image_size))
patches = Patches(patch_size)(resized_image)
print(f"Image size: {image_size} X {image_size}")
print(f"Patch size: {patch_size} X {patch_size}")
print(f"Patches per image: {patches.shape[1]}")
print(f"Elements per patch: {patches.shape[-1]}")
assert tuple(patches.shape) == (1, num_patches, patch_size * patch_size * 3)
first = ops.convert_to_numpy(ops.reshape(patches[0][0], (patch_size, patch_size, 3)))
np.testing.assert_allclose(first, ops.convert_to_numpy(resized_image)[0, :patch_size,
                                                                      :patch_size], rtol=1e-6)


class PatchEncoder(layers.Layer):
    def __init__(self, num_patches, projection_dim):
        super().__init__()
        self.num_patches = num_patches
        self.projection = layers.Dense(units=projection_dim)
        self.position_embedding = layers.Embedding(input_dim=num_patches,
                                                   output_dim=projection_dim)

    def call(self, patch):
        positions = ops.expand_dims(ops.arange(start=0, stop=self.num_patches, step=1), axis=0)
        projected_patches = self.projection(patch)
        return projected_patches + self.position_embedding(positions)

    def get_config(self):
        config = super().get_config()
        config.update({"num_patches": self.num_patches})
        return config


def create_vit_classifier():
    inputs = keras.Input(shape=input_shape)
    augmented = data_augmentation(inputs)
    patches = Patches(patch_size)(augmented)
    encoded_patches = PatchEncoder(num_patches, projection_dim)(patches)

    for _ in range(transformer_layers):
        x1 = layers.LayerNormalization(epsilon=1e-6)(encoded_patches)
        attention_output = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=projection_dim, dropout=0.1)(x1, x1)
        x2 = layers.Add()([attention_output, encoded_patches])  # skip connection 1
        x3 = layers.LayerNormalization(epsilon=1e-6)(x2)
        x3 = mlp(x3, hidden_units=transformer_units, dropout_rate=0.1)
        encoded_patches = layers.Add()([x3, x2])  # skip connection 2

    representation = layers.LayerNormalization(epsilon=1e-6)(encoded_patches)
    representation = layers.Flatten()(representation)
    representation = layers.Dropout(0.5)(representation)
    features = mlp(representation, hidden_units=mlp_head_units, dropout_rate=0.5)
    logits = layers.Dense(num_classes)(features)
    return keras.Model(inputs=inputs, outputs=logits)


def run_experiment(model):
    optimizer = keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=weight_decay)
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[
            keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
            keras.metrics.SparseTopKCategoricalAccuracy(5, name="top-5-accuracy"),
        ],
    )
    checkpoint_filepath = os.path.join(tempfile.mkdtemp(), "checkpoint.weights.h5")
    checkpoint_callback = keras.callbacks.ModelCheckpoint(
        checkpoint_filepath, monitor="val_accuracy", save_best_only=True,
        save_weights_only=True)
    history = model.fit(x=x_train, y=y_train, batch_size=batch_size, epochs=num_epochs,
                        validation_split=0.1, callbacks=[checkpoint_callback], verbose=2)
    model.load_weights(checkpoint_filepath)
    _, accuracy, top_5_accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test accuracy: {round(accuracy * 100, 2)}%")
    print(f"Test top 5 accuracy: {round(top_5_accuracy * 100, 2)}%")
    return history, accuracy, top_5_accuracy


vit_classifier = create_vit_classifier()
vit_classifier.summary()
history, accuracy, top_5_accuracy = run_experiment(vit_classifier)
print({k: [round(v, 3) for v in vs] for k, vs in history.history.items()})
assert sorted(history.history) == ["accuracy", "loss", "top-5-accuracy", "val_accuracy",
                                   "val_loss", "val_top-5-accuracy"]
# The weights loaded back are the best epoch's: its validation accuracy again.
x_val, y_val = x_train[-40:], y_train[-40:]
val_accuracy = vit_classifier.evaluate(x_val, y_val, verbose=0)[1]
assert abs(val_accuracy - max(history.history["val_accuracy"])) < 1e-6, val_accuracy
assert accuracy > 0.25 and top_5_accuracy > 0.7, (accuracy, top_5_accuracy)  # chance: 0.1, 0.5
print("vision_transformer OK")
