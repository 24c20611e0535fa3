"""keras.io example "Involution: Inverting the Inherence of Convolution for Visual Recognition",
step by step: an Involution layer built on keras.ops (a kernel-generating Sequential of 1x1
Conv2D/BatchNormalization/ReLU, an AveragePooling2D for strides, Reshape layers made in build
from the input shape, keras.ops.image.extract_patches with padding="same", a broadcast
multiply and a sum over the kernel window) that returns two outputs (the features and the
generated kernel); the layer tried eagerly at strides 1 and 2; then a convolution classifier
and an involution classifier trained side by side on the same data, and the involution
kernels read back through a Model whose outputs are the layers' second outputs. CIFAR-10-shaped
synthetic images (16x16 in place of 32x32, four classes by the place of a bright square) keep
it to seconds."""

import numpy as np

from numen import keras
from numen.keras import ops

keras.utils.set_random_seed(2)
rng = np.random.default_rng(2)


class Involution(keras.layers.Layer):
    def __init__(self, channel, group_number, kernel_size, stride, reduction_ratio, name):
        super().__init__(name=name)
        # Initialize the parameters.
        self.channel = channel
        self.group_number = group_number
        self.kernel_size = kernel_size
        self.stride = stride
        self.reduction_ratio = reduction_ratio

    def build(self, input_shape):
        # Get the shape of the input.
        (_, height, width, num_channels) = input_shape

        # Scale the height and width with respect to the strides.
        height = height // self.stride
        width = width // self.stride

        # Define a layer that average pools the input tensor if stride is more than 1.
        self.stride_layer = (
            keras.layers.AveragePooling2D(
                pool_size=self.stride, strides=self.stride, padding="same"
            )
            if self.stride > 1
            else (lambda x: x)
        )
        # Define the kernel generation layer.
        self.kernel_gen = keras.Sequential(
            [
                keras.layers.Conv2D(filters=self.channel // self.reduction_ratio, kernel_size=1),
                keras.layers.BatchNormalization(),
                keras.layers.ReLU(),
                keras.layers.Conv2D(
                    filters=self.kernel_size * self.kernel_size * self.group_number,
                    kernel_size=1,
                ),
            ]
        )
        # Define reshape layers
        self.kernel_reshape = keras.layers.Reshape(
            target_shape=(height, width, self.kernel_size * self.kernel_size, 1,
                          self.group_number)
        )
        self.input_patches_reshape = keras.layers.Reshape(
            target_shape=(height, width, self.kernel_size * self.kernel_size,
                          num_channels // self.group_number, self.group_number)
        )
        self.output_reshape = keras.layers.Reshape(target_shape=(height, width, num_channels))

    def call(self, x):
        # Generate the kernel with respect to the input tensor.
        # B, H, W, K*K*G
        kernel_input = self.stride_layer(x)
        kernel = self.kernel_gen(kernel_input)

        # reshape the kerenl
        # B, H, W, K*K, 1, G
        kernel = self.kernel_reshape(kernel)

        # Extract input patches.
        # B, H, W, K*K*C
        input_patches = ops.image.extract_patches(
            x,
            size=self.kernel_size,
            strides=self.stride,
            dilation_rate=1,
            padding="same",
        )

        # Reshape the input patches to align with later operations.
        # B, H, W, K*K, C//G, G
        input_patches = self.input_patches_reshape(input_patches)

        # Compute the multiply-add operation of kernels and patches.
        # B, H, W, K*K, C//G, G
        output = ops.multiply(kernel, input_patches)
        # B, H, W, C//G, G
        output = ops.sum(output, axis=3)

        # Reshape the output kernel.
        # B, H, W, C
        output = self.output_reshape(output)

        # Return the output tensor and the kernel.
        return output, kernel


# Define the input tensor.
input_tensor = ops.convert_to_tensor(rng.normal(size=(32, 16, 16, 3)).astype("float32"))
print(f"with stride 1 ouput shape: {input_tensor.shape}")

# Compute involution with stride 1.
output_tensor, _ = Involution(
    channel=3, group_number=1, kernel_size=5, stride=1, reduction_ratio=1, name="inv_1"
)(input_tensor)
print(f"with stride 1 ouput shape: {output_tensor.shape}")
assert output_tensor.shape == (32, 16, 16, 3)

# Compute involution with stride 2.
output_tensor, kernel = Involution(
    channel=3, group_number=1, kernel_size=5, stride=2, reduction_ratio=1, name="inv_2"
)(input_tensor)
print(f"with stride 2 ouput shape: {output_tensor.shape}")
assert output_tensor.shape == (32, 8, 8, 3) and kernel.shape == (32, 8, 8, 25, 1, 1)

# Compute involution with stride 1, channel 16 and reduction ratio 2.
output_tensor, _ = Involution(
    channel=16, group_number=1, kernel_size=5, stride=1, reduction_ratio=2, name="inv_3"
)(input_tensor)
print(f"with channel 16 and reduction ratio 2 ouput shape: {output_tensor.shape}")
assert output_tensor.shape == (32, 16, 16, 3)

# An involution whose generated kernel is one at the window's centre and zero elsewhere
# returns its input: the patches line up with the generated kernels.
identity = Involution(channel=3, group_number=1, kernel_size=3, stride=1, reduction_ratio=1,
                      name="inv_identity")
identity(input_tensor)
last_conv = identity.kernel_gen.layers[-1]
centre = np.zeros(9, "float32")
centre[4] = 1.0
last_conv.set_weights([np.zeros_like(last_conv.get_weights()[0]), centre])
np.testing.assert_allclose(ops.convert_to_numpy(identity(input_tensor)[0]),
                           ops.convert_to_numpy(input_tensor), atol=1e-6)


def make_images(count):
    """CIFAR-10-shaped uint8 images, smaller: a bright square in one of four quadrants."""
    labels = rng.integers(0, 4, count)
    images = rng.integers(0, 80, (count, 16, 16, 3))
    for i, label in enumerate(labels):
        row, col = 8 * (label // 2) + rng.integers(0, 3), 8 * (label % 2) + rng.integers(0, 3)
        images[i, row:row + 5, col:col + 5] = 230
    return images.astype("uint8"), labels[:, None]


(train_images, train_labels), (test_images, test_labels) = make_images(256), make_images(64)
# Normalize pixel values to be between 0 and 1
train_images, test_images = (train_images / 255.0), (test_images / 255.0)

# Build the conv model.
print("building the convolution model...")
conv_model = keras.Sequential(
    [
        keras.layers.Conv2D(8, (3, 3), input_shape=(16, 16, 3), padding="same"),
        keras.layers.ReLU(name="relu1"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Conv2D(8, (3, 3), padding="same"),
        keras.layers.ReLU(name="relu2"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(4),
    ]
)

# Compile the mode with the necessary loss function and optimizer.
print("compiling the convolution model...")
conv_model.compile(
    optimizer="adam",
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)

# Train the model.
print("conv model training...")
conv_hist = conv_model.fit(
    train_images, train_labels, epochs=4, batch_size=32,
    validation_data=(test_images, test_labels), verbose=2,
)

# Build the involution model.
print("building the involution model...")

inputs = keras.Input(shape=(16, 16, 3))
x, _ = Involution(
    channel=3, group_number=1, kernel_size=3, stride=1, reduction_ratio=2, name="inv_1"
)(inputs)
x = keras.layers.ReLU()(x)
x = keras.layers.MaxPooling2D((2, 2))(x)
x, _ = Involution(
    channel=3, group_number=1, kernel_size=3, stride=1, reduction_ratio=2, name="inv_2"
)(x)
x = keras.layers.ReLU()(x)
x = keras.layers.MaxPooling2D((2, 2))(x)
x = keras.layers.Flatten()(x)
x = keras.layers.Dense(16, activation="relu")(x)
outputs = keras.layers.Dense(4)(x)

inv_model = keras.Model(inputs=[inputs], outputs=[outputs], name="inv_model")

# Compile the mode with the necessary loss function and optimizer.
print("compiling the involution model...")
inv_model.compile(
    optimizer="adam",
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)

# train the model
print("inv model training...")
inv_hist = inv_model.fit(
    train_images, train_labels, epochs=4, batch_size=32,
    validation_data=(test_images, test_labels), verbose=2,
)

conv_model.summary()
inv_model.summary()
# The involution's weights are only in its kernel generator: far fewer than a convolution's.
inv_weights = inv_model.get_layer("inv_1").count_params()
assert inv_weights == (3 * 1 + 1) + 4 * 1 + (1 * 9 + 9)
for hist in (conv_hist, inv_hist):
    assert all(np.isfinite(hist.history["loss"]))
    assert hist.history["loss"][-1] < hist.history["loss"][0]

# Visualizing involution kernels: a model whose outputs are each layer's generated kernel.
layer_names = ["inv_1", "inv_2"]
outputs = [inv_model.get_layer(name).output[1] for name in layer_names]
vis_model = keras.Model(inv_model.input, outputs)
fig_kernels = vis_model.predict(test_images[:4], verbose=0)
assert [k.shape for k in fig_kernels] == [(4, 16, 16, 9, 1, 1), (4, 8, 8, 9, 1, 1)]
# One 3x3 kernel per pixel: summing each over its window gives a per-pixel scale map.
scale_map = np.sum(fig_kernels[0], axis=3)[..., 0, 0]
assert scale_map.shape == (4, 16, 16) and np.all(np.isfinite(scale_map))

print("involution OK")
