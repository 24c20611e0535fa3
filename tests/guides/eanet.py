"""keras.io example "Image classification with EANet (External Attention Transformer)", step
by step: an augmentation Sequential (Normalization adapted to the data, RandomFlip,
RandomRotation, RandomContrast, RandomZoom) inside the model, a PatchExtract layer that reads
the batch size with ops.shape before reshaping ops.image.extract_patches's output, a
PatchEmbedding adding an Embedding of ops.arange positions, external attention written in the
Functional API with keras.ops applied straight to symbolic tensors (ops.reshape,
ops.transpose), Dense layers on 4D tensors, Softmax(axis=2) and a Lambda for the double
normalization, layers.add residuals, a MultiHeadAttention variant for comparison, label
smoothing, AdamW and top-k accuracy with validation_split. CIFAR-100-shaped synthetic images
(16x16, four classes by the place of a bright square) and a tiny model keep it to seconds."""

import numpy as np

from numen import keras
from numen.keras import layers, ops

keras.utils.set_random_seed(17)
rng = np.random.default_rng(17)

num_classes = 4
input_shape = (16, 16, 3)

weight_decay = 0.0001
learning_rate = 0.002
label_smoothing = 0.1
validation_split = 0.2
batch_size = 32
num_epochs = 5
patch_size = 2  # Size of the patches to be extracted from the input images.
num_patches = (input_shape[0] // patch_size) ** 2  # Number of patch
embedding_dim = 16  # Number of hidden units.
mlp_dim = 16
dim_coefficient = 2
num_heads = 2
attention_dropout = 0.1
projection_dropout = 0.1
num_transformer_blocks = 2  # Number of repetitions of the transformer layer


def make_images(count):
    labels = rng.integers(0, num_classes, count)
    images = rng.integers(0, 60, (count, 16, 16, 3))
    for i, label in enumerate(labels):
        row, col = 8 * (label // 2) + rng.integers(0, 3), 8 * (label % 2) + rng.integers(0, 3)
        images[i, row:row + 5, col:col + 5] = 230
    return images.astype("uint8"), labels[:, None].astype("uint8")


(x_train, y_train), (x_test, y_test) = make_images(320), make_images(64)
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)
print(f"x_train shape: {x_train.shape} - y_train shape: {y_train.shape}")
print(f"x_test shape: {x_test.shape} - y_test shape: {y_test.shape}")

data_augmentation = keras.Sequential(
    [
        layers.Normalization(),
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(factor=0.1),
        layers.RandomContrast(factor=0.1),
        layers.RandomZoom(height_factor=0.2, width_factor=0.2),
    ],
    name="data_augmentation",
)
# Compute the mean and the variance of the training data for normalization.
data_augmentation.layers[0].adapt(x_train)
normalized = ops.convert_to_numpy(data_augmentation.layers[0](x_train))
np.testing.assert_allclose(normalized.mean(axis=(0, 1, 2)), 0.0, atol=1e-3)


class PatchExtract(layers.Layer):
    def __init__(self, patch_size, **kwargs):
        super().__init__(**kwargs)
        self.patch_size = patch_size

    def call(self, x):
        B, C = ops.shape(x)[0], ops.shape(x)[-1]
        x = ops.image.extract_patches(x, self.patch_size)
        x = ops.reshape(x, (B, -1, self.patch_size * self.patch_size * C))
        return x


class PatchEmbedding(layers.Layer):
    def __init__(self, num_patch, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.num_patch = num_patch
        self.proj = layers.Dense(embed_dim)
        self.pos_embed = layers.Embedding(input_dim=num_patch, output_dim=embed_dim)

    def call(self, patch):
        pos = ops.arange(start=0, stop=self.num_patch, step=1)
        return self.proj(patch) + self.pos_embed(pos)


patches = PatchExtract(patch_size)(x_train[:2].astype("float32"))
assert patches.shape == (2, num_patches, patch_size * patch_size * 3)
np.testing.assert_array_equal(ops.convert_to_numpy(patches)[1, 9].reshape(2, 2, 3),
                              x_train[1, 2:4, 2:4])


def external_attention(x, dim, num_heads, dim_coefficient=4, attention_dropout=0,
                       projection_dropout=0):
    _, num_patch, channel = x.shape
    assert dim % num_heads == 0
    num_heads = num_heads * dim_coefficient

    x = layers.Dense(dim * dim_coefficient)(x)
    # create tensor [batch_size, num_patches, num_heads, dim*dim_coefficient//num_heads]
    x = ops.reshape(x, (-1, num_patch, num_heads, dim * dim_coefficient // num_heads))
    x = ops.transpose(x, axes=[0, 2, 1, 3])
    # a linear layer M_k
    attn = layers.Dense(dim // dim_coefficient)(x)
    # normalize attention map
    attn = layers.Softmax(axis=2)(attn)
    # double-normalization
    attn = layers.Lambda(
        lambda attn: ops.divide(
            attn, ops.convert_to_tensor(1e-9) + ops.sum(attn, axis=-1, keepdims=True)
        )
    )(attn)
    attn = layers.Dropout(attention_dropout)(attn)
    # a linear layer M_v
    x = layers.Dense(dim * dim_coefficient // num_heads)(attn)
    x = ops.transpose(x, axes=[0, 2, 1, 3])
    x = ops.reshape(x, [-1, num_patch, dim * dim_coefficient])
    # a linear layer to project original dim
    x = layers.Dense(dim)(x)
    x = layers.Dropout(projection_dropout)(x)
    return x


def mlp(x, embedding_dim, mlp_dim, drop_rate=0.2):
    x = layers.Dense(mlp_dim, activation=ops.gelu)(x)
    x = layers.Dropout(drop_rate)(x)
    x = layers.Dense(embedding_dim)(x)
    x = layers.Dropout(drop_rate)(x)
    return x


def transformer_encoder(x, embedding_dim, mlp_dim, num_heads, dim_coefficient,
                        attention_dropout, projection_dropout,
                        attention_type="external_attention"):
    residual_1 = x
    x = layers.LayerNormalization(epsilon=1e-5)(x)
    if attention_type == "external_attention":
        x = external_attention(
            x, embedding_dim, num_heads, dim_coefficient, attention_dropout,
            projection_dropout,
        )
    elif attention_type == "self_attention":
        x = layers.MultiHeadAttention(
            num_heads=num_heads, key_dim=embedding_dim, dropout=attention_dropout
        )(x, x)
    x = layers.add([x, residual_1])
    residual_2 = x
    x = layers.LayerNormalization(epsilon=1e-5)(x)
    x = mlp(x, embedding_dim, mlp_dim)
    x = layers.add([x, residual_2])
    return x


def get_model(attention_type="external_attention"):
    inputs = layers.Input(shape=input_shape)
    # Image augment
    x = data_augmentation(inputs)
    # Extract patches.
    x = PatchExtract(patch_size)(x)
    # Create patch embedding.
    x = PatchEmbedding(num_patches, embedding_dim)(x)
    # Create Transformer block.
    for _ in range(num_transformer_blocks):
        x = transformer_encoder(
            x, embedding_dim, mlp_dim, num_heads, dim_coefficient, attention_dropout,
            projection_dropout, attention_type,
        )

    x = layers.GlobalAveragePooling1D()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


model = get_model(attention_type="external_attention")
model.summary()
# External attention's memories (two small Dense layers per block) cost fewer weights than
# self-attention's query/key/value projections.
self_attention_model = get_model(attention_type="self_attention")
assert model.count_params() < self_attention_model.count_params()

model.compile(
    loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
    optimizer=keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=weight_decay),
    metrics=[
        keras.metrics.CategoricalAccuracy(name="accuracy"),
        keras.metrics.TopKCategoricalAccuracy(2, name="top-2-accuracy"),
    ],
)

history = model.fit(
    x_train, y_train, batch_size=batch_size, epochs=num_epochs,
    validation_split=validation_split, verbose=2,
)
losses = history.history["loss"]
assert all(np.isfinite(losses)) and losses[-1] < losses[0]
assert history.params["steps"] == 8  # 256 of the 320 images train, in batches of 32

loss, accuracy, top_2_accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"Test loss: {round(loss, 2)}")
print(f"Test accuracy: {round(accuracy * 100, 2)}%")
print(f"Test top 2 accuracy: {round(top_2_accuracy * 100, 2)}%")
assert top_2_accuracy >= accuracy

print("eanet OK")
