"""keras.io example "Image Super-Resolution using an Efficient Sub-Pixel CNN", step by step:
images scaled to [0, 1], the luminance (Y) channel taken from a YUV conversion, low-resolution
inputs made with keras.ops.image.resize(interpolation="bicubic"), a fully convolutional model on
keras.Input(shape=(None, None, 1)) with kernel_initializer="orthogonal", a DepthToSpace layer
written with keras.ops (reshape/transpose of a shape read with ops.shape: the sub-pixel
shuffle), a callback that reports PSNR on a fixed image at each epoch's end, EarlyStopping and a
weights-only ModelCheckpoint, and upscaling images of a size the model never saw. Smooth
synthetic images (sums of random sinusoids) stand in for BSDS500; 24x24 crops and narrower
layers keep it to seconds."""

import math

import numpy as np

from numen import keras
from numen.keras import layers, ops

keras.utils.set_random_seed(42)
rng = np.random.default_rng(42)

crop_size = 24
upscale_factor = 3
input_size = crop_size // upscale_factor
batch_size = 8


def make_images(count, size):
    """RGB images in [0, 255] with smooth structure a network can learn to upscale."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    images = np.zeros((count, size, size, 3))
    for i in range(count):
        for c in range(3):
            fy, fx, phase = rng.uniform(0.5, 3.0), rng.uniform(0.5, 3.0), rng.uniform(0, 6)
            images[i, :, :, c] = 127.5 + 100 * np.sin(2 * np.pi * (fy * yy + fx * xx) + phase)
    return images.astype("float32")


def scaling(image):
    return image / 255.0


def process_input(image, input_size):
    """The Y channel of a YUV conversion, resized down with bicubic interpolation."""
    y = rgb_to_y(image)
    return ops.image.resize(y, [input_size, input_size], interpolation="bicubic",
                            antialias=True)


def process_target(image):
    return rgb_to_y(image)


def rgb_to_y(image):
    weights = ops.convert_to_tensor([0.299, 0.587, 0.114])
    return ops.expand_dims(ops.sum(image * weights, axis=-1), -1)


train_images = scaling(make_images(48, crop_size))
valid_images = scaling(make_images(8, crop_size))
train_x = ops.convert_to_numpy(process_input(train_images, input_size))
train_y = ops.convert_to_numpy(process_target(train_images))
valid_x = ops.convert_to_numpy(process_input(valid_images, input_size))
valid_y = ops.convert_to_numpy(process_target(valid_images))
assert train_x.shape == (48, input_size, input_size, 1)
assert train_y.shape == (48, crop_size, crop_size, 1)
# Antialiased downscaling keeps each image's mean brightness.
np.testing.assert_allclose(train_x.mean(axis=(1, 2)), train_y.mean(axis=(1, 2)), atol=0.02)


class DepthToSpace(layers.Layer):
    def __init__(self, block_size, **kwargs):
        super().__init__(**kwargs)
        self.block_size = block_size

    def call(self, input):
        batch, height, width, depth = ops.shape(input)
        depth = depth // (self.block_size ** 2)
        x = ops.reshape(input, [batch, height, width, self.block_size, self.block_size, depth])
        x = ops.transpose(x, [0, 1, 3, 2, 4, 5])
        return ops.reshape(x, [batch, height * self.block_size, width * self.block_size, depth])

    def get_config(self):
        return {**super().get_config(), "block_size": self.block_size}


# The shuffle puts channel (i * block + j) of each pixel at offset (i, j) of its output block.
probe = np.arange(2 * 2 * 2 * 4, dtype="float32").reshape(2, 2, 2, 4)
shuffled = ops.convert_to_numpy(DepthToSpace(2)(probe))
assert shuffled.shape == (2, 4, 4, 1)
for i in range(2):
    for j in range(2):
        np.testing.assert_array_equal(shuffled[:, i::2, j::2, 0], probe[..., i * 2 + j])


def get_model(upscale_factor=3, channels=1):
    conv_args = {
        "activation": "relu",
        "kernel_initializer": "orthogonal",
        "padding": "same",
    }
    inputs = keras.Input(shape=(None, None, channels))
    x = layers.Conv2D(16, 5, **conv_args)(inputs)
    x = layers.Conv2D(16, 3, **conv_args)(x)
    x = layers.Conv2D(8, 3, **conv_args)(x)
    x = layers.Conv2D(channels * (upscale_factor ** 2), 3, **conv_args)(x)
    outputs = DepthToSpace(upscale_factor)(x)
    return keras.Model(inputs, outputs)


def psnr(mse):
    return 10 * math.log10(1 / mse)


class ESPCNCallback(keras.callbacks.Callback):
    def __init__(self, lowres, highres):
        super().__init__()
        self.lowres, self.highres = lowres, highres
        self.psnr = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_psnr = []

    def on_epoch_end(self, epoch, logs=None):
        prediction = self.model.predict(self.lowres, verbose=0)
        mse = float(np.mean((prediction - self.highres) ** 2))
        self.epoch_psnr.append(psnr(mse))
        self.psnr.append(np.mean(self.epoch_psnr))
        print(f"Mean PSNR for epoch: {self.psnr[-1]:.2f}")


early_stopping_callback = keras.callbacks.EarlyStopping(monitor="loss", patience=10)
checkpoint_filepath = "checkpoint.weights.h5"
model_checkpoint_callback = keras.callbacks.ModelCheckpoint(
    filepath=checkpoint_filepath,
    save_weights_only=True,
    monitor="loss",
    mode="min",
    save_best_only=True,
)

model = get_model(upscale_factor=upscale_factor, channels=1)
model.summary()
assert model.output_shape == (None, None, None, 1)

espcn = ESPCNCallback(valid_x, valid_y)
callbacks = [espcn, early_stopping_callback, model_checkpoint_callback]
loss_fn = keras.losses.MeanSquaredError()
optimizer = keras.optimizers.Adam(learning_rate=0.003)

model.compile(optimizer=optimizer, loss=loss_fn)
history = model.fit(
    train_x, train_y, epochs=12, batch_size=batch_size, callbacks=callbacks,
    validation_data=(valid_x, valid_y), verbose=2,
)
losses = history.history["loss"]
assert all(np.isfinite(losses)) and losses[-1] < losses[0]
assert len(espcn.psnr) == len(losses)

# The restored best weights upscale images of a size the model never saw.
model.load_weights(checkpoint_filepath)
test_images = scaling(make_images(2, 36))
lowres = ops.convert_to_numpy(process_input(test_images, 12))
highres = ops.convert_to_numpy(process_target(test_images))
prediction = model.predict(lowres, verbose=0)
assert prediction.shape == (2, 36, 36, 1)
bicubic = ops.convert_to_numpy(ops.image.resize(lowres, [36, 36], interpolation="bicubic"))
print(f"PSNR of low resolution image and high resolution image is "
      f"{psnr(float(np.mean((bicubic - highres) ** 2))):.4f}")
print(f"PSNR of predict and high resolution is "
      f"{psnr(float(np.mean((prediction - highres) ** 2))):.4f}")
assert np.all(np.isfinite(prediction))

print("super_resolution_espcn OK")
