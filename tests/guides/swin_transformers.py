"""keras.io example "Image classification with Swin Transformers", step by step: window
partition and reverse written with ops.reshape/ops.transpose, a WindowAttention layer with a
relative position bias table (add_weight) indexed through a non-trainable integer
keras.Variable(dtype="int") with ops.take, the shifted-window attention mask built in build()
from NumPy slices and kept in a non-trainable keras.Variable handed to the attention as
mask=, cyclic shifts with ops.roll over two axes, patches from ops.image.extract_patches
embedded with a Dense and an Embedding of ops.arange positions, a PatchMerging layer of strided
slices and ops.concatenate, CategoricalCrossentropy(label_smoothing=0.1), AdamW and top-k
accuracy. CIFAR-10-shaped synthetic images (16x16, four classes by the place of a bright
square), 2x2 patches, 2x2 windows shifted by 1 and a tiny model keep it to seconds."""

import numpy as np

from numen import keras
from numen.keras import layers, ops

keras.utils.set_random_seed(13)
rng = np.random.default_rng(13)

num_classes = 4
input_shape = (16, 16, 3)

patch_size = (2, 2)  # 2-by-2 sized patches
dropout_rate = 0.03  # Dropout rate
num_heads = 2  # Attention heads
embed_dim = 16  # Embedding dimension
num_mlp = 32  # MLP layer size
# Convert embedded patches to query, key, and values with a learnable additive value
qkv_bias = True
window_size = 2  # Size of attention window
shift_size = 1  # Size of shifting window
image_dimension = 16  # Initial image size

num_patch_x = input_shape[0] // patch_size[0]
num_patch_y = input_shape[1] // patch_size[1]

learning_rate = 1e-3
batch_size = 32
num_epochs = 4
validation_split = 0.1
weight_decay = 0.0001
label_smoothing = 0.1


def make_images(count):
    labels = rng.integers(0, num_classes, count)
    images = rng.integers(0, 60, (count, 16, 16, 3))
    for i, label in enumerate(labels):
        row, col = 8 * (label // 2) + rng.integers(0, 3), 8 * (label % 2) + rng.integers(0, 3)
        images[i, row:row + 5, col:col + 5] = 230
    return images.astype("uint8"), labels[:, None].astype("uint8")


(x_train, y_train), (x_test, y_test) = make_images(256), make_images(64)
x_train, x_test = x_train / 255.0, x_test / 255.0
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)
num_train_samples = int(len(x_train) * (1 - validation_split))
num_val_samples = len(x_train) - num_train_samples
x_train, x_val = np.split(x_train, [num_train_samples])
y_train, y_val = np.split(y_train, [num_train_samples])
print(f"x_train shape: {x_train.shape} - y_train shape: {y_train.shape}")
print(f"x_test shape: {x_test.shape} - y_test shape: {y_test.shape}")


def window_partition(x, window_size):
    _, height, width, channels = x.shape
    patch_num_y = height // window_size
    patch_num_x = width // window_size
    x = ops.reshape(x, (-1, patch_num_y, window_size, patch_num_x, window_size, channels))
    x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
    windows = ops.reshape(x, (-1, window_size, window_size, channels))
    return windows


def window_reverse(windows, window_size, height, width, channels):
    patch_num_y = height // window_size
    patch_num_x = width // window_size
    x = ops.reshape(windows, (-1, patch_num_y, patch_num_x, window_size, window_size, channels))
    x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
    x = ops.reshape(x, (-1, height, width, channels))
    return x


# Partition and reverse undo each other.
grid = rng.normal(size=(2, 8, 8, 3)).astype("float32")
windows = window_partition(ops.convert_to_tensor(grid), 4)
assert windows.shape == (8, 4, 4, 3)
np.testing.assert_array_equal(ops.convert_to_numpy(windows[1]), grid[0, :4, 4:])
np.testing.assert_array_equal(ops.convert_to_numpy(window_reverse(windows, 4, 8, 8, 3)), grid)


class WindowAttention(layers.Layer):
    def __init__(self, dim, window_size, num_heads, qkv_bias=True, dropout_rate=0.0,
                 **kwargs):
        super().__init__(**kwargs)
        self.dim = dim
        self.window_size = window_size
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = layers.Dense(dim * 3, use_bias=qkv_bias)
        self.dropout = layers.Dropout(dropout_rate)
        self.proj = layers.Dense(dim)

        num_window_elements = (2 * self.window_size[0] - 1) * (2 * self.window_size[1] - 1)
        self.relative_position_bias_table = self.add_weight(
            shape=(num_window_elements, self.num_heads),
            initializer=keras.initializers.Zeros(),
            trainable=True,
        )
        coords_h = np.arange(self.window_size[0])
        coords_w = np.arange(self.window_size[1])
        coords_matrix = np.meshgrid(coords_h, coords_w, indexing="ij")
        coords = np.stack(coords_matrix)
        coords_flatten = coords.reshape(2, -1)
        relative_coords = coords_flatten[:, :, None] - coords_flatten[:, None, :]
        relative_coords = relative_coords.transpose([1, 2, 0])
        relative_coords[:, :, 0] += self.window_size[0] - 1
        relative_coords[:, :, 1] += self.window_size[1] - 1
        relative_coords[:, :, 0] *= 2 * self.window_size[1] - 1
        relative_position_index = relative_coords.sum(-1)

        self.relative_position_index = keras.Variable(
            initializer=relative_position_index,
            shape=relative_position_index.shape,
            dtype="int",
            trainable=False,
        )

    def call(self, x, mask=None):
        _, size, channels = x.shape
        head_dim = channels // self.num_heads
        x_qkv = self.qkv(x)
        x_qkv = ops.reshape(x_qkv, (-1, size, 3, self.num_heads, head_dim))
        x_qkv = ops.transpose(x_qkv, (2, 0, 3, 1, 4))
        q, k, v = x_qkv[0], x_qkv[1], x_qkv[2]
        q = q * self.scale
        k = ops.transpose(k, (0, 1, 3, 2))
        attn = q @ k

        num_window_elements = self.window_size[0] * self.window_size[1]
        relative_position_index_flat = ops.reshape(self.relative_position_index, (-1,))
        relative_position_bias = ops.take(
            self.relative_position_bias_table, relative_position_index_flat, axis=0,
        )
        relative_position_bias = ops.reshape(
            relative_position_bias, (num_window_elements, num_window_elements, -1),
        )
        relative_position_bias = ops.transpose(relative_position_bias, (2, 0, 1))
        attn = attn + ops.expand_dims(relative_position_bias, axis=0)

        if mask is not None:
            nW = mask.shape[0]
            mask_float = ops.cast(
                ops.expand_dims(ops.expand_dims(mask, axis=1), axis=0), "float32"
            )
            attn = ops.reshape(attn, (-1, nW, self.num_heads, size, size)) + mask_float
            attn = ops.reshape(attn, (-1, self.num_heads, size, size))
            attn = keras.activations.softmax(attn, axis=-1)
        else:
            attn = keras.activations.softmax(attn, axis=-1)
        attn = self.dropout(attn)

        x_qkv = attn @ v
        x_qkv = ops.transpose(x_qkv, (0, 2, 1, 3))
        x_qkv = ops.reshape(x_qkv, (-1, size, channels))
        x_qkv = self.proj(x_qkv)
        x_qkv = self.dropout(x_qkv)
        return x_qkv


# The relative position index: 2x2 windows have 3x3 relative offsets, the diagonal is the
# zero offset (index 4), and the index variable is an integer constant.
probe = WindowAttention(8, window_size=(2, 2), num_heads=2)
index = ops.convert_to_numpy(probe.relative_position_index)
assert index.dtype.kind == "i" and index.shape == (4, 4)
assert np.all(np.diag(index) == 4) and index.max() == 8
assert probe.relative_position_index.trainable is False
assert len(probe.trainable_weights) == 1  # the bias table; the Dense layers are unbuilt
assert probe(np.zeros((3, 4, 8), "float32")).shape == (3, 4, 8)


class SwinTransformer(layers.Layer):
    def __init__(self, dim, num_patch, num_heads, window_size=7, shift_size=0, num_mlp=1024,
                 qkv_bias=True, dropout_rate=0.0, **kwargs):
        super().__init__(**kwargs)

        self.dim = dim  # number of input dimensions
        self.num_patch = num_patch  # number of embedded patches
        self.num_heads = num_heads  # number of attention heads
        self.window_size = window_size  # size of window
        self.shift_size = shift_size  # size of window shift
        self.num_mlp = num_mlp  # number of MLP nodes

        self.norm1 = layers.LayerNormalization(epsilon=1e-5)
        self.attn = WindowAttention(
            dim, window_size=(self.window_size, self.window_size), num_heads=num_heads,
            qkv_bias=qkv_bias, dropout_rate=dropout_rate,
        )
        self.drop_path = layers.Dropout(dropout_rate)
        self.norm2 = layers.LayerNormalization(epsilon=1e-5)

        self.mlp = keras.Sequential(
            [
                layers.Dense(num_mlp),
                layers.Activation(keras.activations.gelu),
                layers.Dropout(dropout_rate),
                layers.Dense(dim),
                layers.Dropout(dropout_rate),
            ]
        )

        if min(self.num_patch) < self.window_size:
            self.shift_size = 0
            self.window_size = min(self.num_patch)

    def build(self, input_shape):
        if self.shift_size == 0:
            self.attn_mask = None
        else:
            height, width = self.num_patch
            h_slices = (
                slice(0, -self.window_size),
                slice(-self.window_size, -self.shift_size),
                slice(-self.shift_size, None),
            )
            w_slices = (
                slice(0, -self.window_size),
                slice(-self.window_size, -self.shift_size),
                slice(-self.shift_size, None),
            )
            mask_array = np.zeros((1, height, width, 1))
            count = 0
            for h in h_slices:
                for w in w_slices:
                    mask_array[:, h, w, :] = count
                    count += 1
            mask_array = ops.convert_to_tensor(mask_array)

            # mask array to windows
            mask_windows = window_partition(mask_array, self.window_size)
            mask_windows = ops.reshape(mask_windows, [-1, self.window_size * self.window_size])
            attn_mask = ops.expand_dims(mask_windows, axis=1) - ops.expand_dims(
                mask_windows, axis=2
            )
            attn_mask = ops.where(attn_mask != 0, -100.0, attn_mask)
            attn_mask = ops.where(attn_mask == 0, 0.0, attn_mask)
            self.attn_mask = keras.Variable(
                initializer=attn_mask, shape=attn_mask.shape, dtype=attn_mask.dtype,
                trainable=False,
            )

    def call(self, x, training=False):
        height, width = self.num_patch
        _, num_patches_before, channels = x.shape
        x_skip = x
        x = self.norm1(x)
        x = ops.reshape(x, (-1, height, width, channels))
        if self.shift_size > 0:
            shifted_x = ops.roll(x, shift=[-self.shift_size, -self.shift_size], axis=[1, 2])
        else:
            shifted_x = x

        x_windows = window_partition(shifted_x, self.window_size)
        x_windows = ops.reshape(x_windows, (-1, self.window_size * self.window_size, channels))
        attn_windows = self.attn(x_windows, mask=self.attn_mask)

        attn_windows = ops.reshape(
            attn_windows, (-1, self.window_size, self.window_size, channels),
        )
        shifted_x = window_reverse(attn_windows, self.window_size, height, width, channels)
        if self.shift_size > 0:
            x = ops.roll(shifted_x, shift=[self.shift_size, self.shift_size], axis=[1, 2])
        else:
            x = shifted_x

        x = ops.reshape(x, (-1, height * width, channels))
        x = self.drop_path(x, training=training)
        x = x_skip + x
        x_skip = x
        x = self.norm2(x)
        x = self.mlp(x)
        x = self.drop_path(x)
        x = x_skip + x
        return x


# The shifted-window mask: a window that wraps around the edge after the roll blocks
# attention between patches from different regions (-100), and interior windows block nothing.
shifted = SwinTransformer(embed_dim, (4, 4), num_heads, window_size=2, shift_size=1,
                          num_mlp=num_mlp)
shifted(np.zeros((1, 16, embed_dim), "float32"))
attn_mask = ops.convert_to_numpy(shifted.attn_mask)
assert attn_mask.shape == (4, 4, 4) and set(np.unique(attn_mask)) == {-100.0, 0.0}
assert not attn_mask[0].any() and attn_mask[3].min() == -100.0
assert shifted.attn_mask.trainable is False
# ops.roll over two axes at once, and back.
rolled = ops.roll(grid, shift=[-1, -1], axis=[1, 2])
np.testing.assert_array_equal(ops.convert_to_numpy(rolled)[:, :-1, :-1], grid[:, 1:, 1:])
np.testing.assert_array_equal(ops.convert_to_numpy(ops.roll(rolled, [1, 1], [1, 2])), grid)


# Using tf ops since it is only used in tf.data in the original; here on arrays.
def patch_extract(images):
    batch_size = ops.shape(images)[0]
    patches = ops.image.extract_patches(
        images, size=(patch_size[0], patch_size[1]),
        strides=(patch_size[0], patch_size[1]), dilation_rate=1, padding="valid",
    )
    patch_dim = patches.shape[-1]
    patch_num = patches.shape[1]
    return ops.reshape(patches, (batch_size, patch_num * patch_num, patch_dim))


class PatchEmbedding(layers.Layer):
    def __init__(self, num_patch, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.num_patch = num_patch
        self.proj = layers.Dense(embed_dim)
        self.pos_embed = layers.Embedding(input_dim=num_patch, output_dim=embed_dim)

    def call(self, patch):
        pos = ops.arange(start=0, stop=self.num_patch)
        return self.proj(patch) + self.pos_embed(pos)


class PatchMerging(keras.layers.Layer):
    def __init__(self, num_patch, embed_dim):
        super().__init__()
        self.num_patch = num_patch
        self.embed_dim = embed_dim
        self.linear_trans = layers.Dense(2 * embed_dim, use_bias=False)

    def call(self, x):
        height, width = self.num_patch
        _, _, C = x.shape
        x = ops.reshape(x, (-1, height, width, C))
        x0 = x[:, 0::2, 0::2, :]
        x1 = x[:, 1::2, 0::2, :]
        x2 = x[:, 0::2, 1::2, :]
        x3 = x[:, 1::2, 1::2, :]
        x = ops.concatenate((x0, x1, x2, x3), axis=-1)
        x = ops.reshape(x, (-1, (height // 2) * (width // 2), 4 * C))
        return self.linear_trans(x)


augmentation = keras.Sequential([layers.RandomCrop(image_dimension, image_dimension),
                                 layers.RandomFlip("horizontal")])


def augment(x):
    x = augmentation(ops.image.resize(x, (image_dimension + 2, image_dimension + 2)),
                     training=True)
    return patch_extract(x)


train_patches = ops.convert_to_numpy(augment(x_train.astype("float32")))
val_patches = ops.convert_to_numpy(patch_extract(x_val.astype("float32")))
test_patches = ops.convert_to_numpy(patch_extract(x_test.astype("float32")))
assert train_patches.shape == (len(x_train), num_patch_x * num_patch_y, 12)
np.testing.assert_allclose(test_patches[0, 1].reshape(2, 2, 3), x_test[0, :2, 2:4],
                           rtol=1e-6)

input = layers.Input(shape=(num_patch_x * num_patch_y, 12))
x = PatchEmbedding(num_patch_x * num_patch_y, embed_dim)(input)
x = SwinTransformer(
    dim=embed_dim, num_patch=(num_patch_x, num_patch_y), num_heads=num_heads,
    window_size=window_size, shift_size=0, num_mlp=num_mlp, qkv_bias=qkv_bias,
    dropout_rate=dropout_rate,
)(x)
x = SwinTransformer(
    dim=embed_dim, num_patch=(num_patch_x, num_patch_y), num_heads=num_heads,
    window_size=window_size, shift_size=shift_size, num_mlp=num_mlp, qkv_bias=qkv_bias,
    dropout_rate=dropout_rate,
)(x)
x = PatchMerging((num_patch_x, num_patch_y), embed_dim=embed_dim)(x)
x = layers.GlobalAveragePooling1D()(x)
output = layers.Dense(num_classes, activation="softmax")(x)

model = keras.Model(input, output)
model.compile(
    loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
    optimizer=keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=weight_decay),
    metrics=[
        keras.metrics.CategoricalAccuracy(name="accuracy"),
        keras.metrics.TopKCategoricalAccuracy(2, name="top-2-accuracy"),
    ],
)
model.summary()
assert model.output_shape == (None, num_classes)
# The attention masks are non-trainable state, as is each relative position index.
assert len(model.non_trainable_weights) == 3

history = model.fit(
    train_patches, y_train, batch_size=batch_size, epochs=num_epochs,
    validation_data=(val_patches, y_val), verbose=2,
)
losses = history.history["loss"]
assert all(np.isfinite(losses)) and losses[-1] < losses[0]

loss, accuracy, top_2 = model.evaluate(test_patches, y_test, verbose=0)
print(f"Test loss: {round(loss, 2)}")
print(f"Test accuracy: {round(accuracy * 100, 2)}%")
print(f"Test top 2 accuracy: {round(top_2 * 100, 2)}%")

print("swin_transformers OK")
