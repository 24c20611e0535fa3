"""keras.io example "Customizing the convolution operation of a Conv2D layer", step by step: a
weight-standardized convolution written twice, once by overriding `convolution_op` (which the
layer's own `call` then uses) and once by overriding `call` and handing `convolution_op` a
standardized kernel, with the bias added by hand; both give the same outputs for the same
weights, and a small MNIST-shaped convnet built from them trains. The example computes the
moments with tf.nn; `keras.ops.moments` and `keras.ops.conv` keep it backend-agnostic. Random
28x28 "digits" (800 of them) and one epoch keep it to seconds."""

import numpy as np

from numen import keras
from numen.keras import layers, ops

keras.utils.set_random_seed(0)


class StandardizedConv2DWithOverride(layers.Conv2D):
    def convolution_op(self, inputs, kernel):
        # (Keras 3.15 on JAX refuses a Variable in ops.moments: the tensor it holds is taken.)
        kernel = ops.convert_to_tensor(kernel)
        mean, var = ops.moments(kernel, axes=[0, 1, 2], keepdims=True)
        return ops.conv(
            inputs,
            (kernel - mean) / ops.sqrt(var + 1e-10),
            padding="valid",
            strides=list(self.strides),
        )


class StandardizedConv2DWithCall(layers.Conv2D):
    def call(self, inputs):
        kernel = ops.convert_to_tensor(self.kernel)
        mean, var = ops.moments(kernel, axes=[0, 1, 2], keepdims=True)
        result = self.convolution_op(inputs, (kernel - mean) / ops.sqrt(var + 1e-10))
        if self.use_bias:
            result = result + self.bias
        return result


# The two ways are one layer: same weights, same outputs; a plain Conv2D differs.
x = np.random.default_rng(1).normal(size=(2, 9, 9, 3)).astype("float32")
with_override = StandardizedConv2DWithOverride(4, 3, bias_initializer="ones")
with_call = StandardizedConv2DWithCall(4, 3, bias_initializer="ones")
plain = layers.Conv2D(4, 3, bias_initializer="ones")
with_override(x), with_call(x), plain(x)
with_call.set_weights(with_override.get_weights())
plain.set_weights(with_override.get_weights())
np.testing.assert_allclose(with_override(x), with_call(x), rtol=1e-5, atol=1e-5)
assert not np.allclose(with_override(x), plain(x), atol=1e-3)

# Standardizing by hand and convolving with a plain Conv2D gives the same result again.
kernel, bias = with_override.get_weights()
standardized = (kernel - kernel.mean((0, 1, 2))) / np.sqrt(kernel.var((0, 1, 2)) + 1e-10)
plain.set_weights([standardized, bias])
np.testing.assert_allclose(with_override(x), plain(x), rtol=1e-4, atol=1e-4)

# The layers are used like any other Conv2D.
num_classes = 10
input_shape = (28, 28, 1)

rng = np.random.default_rng(0)
x_train = rng.random((800, 28, 28, 1)).astype("float32")
y_train = rng.integers(0, num_classes, 800)
for digit in range(num_classes):  # a bright square whose place is the label
    x_train[y_train == digit, 2 * digit:2 * digit + 6, 4:10] += 1.0
x_train = x_train / x_train.max()
y_train = keras.utils.to_categorical(y_train, num_classes)

model = keras.Sequential(
    [
        keras.layers.InputLayer(shape=input_shape),
        StandardizedConv2DWithCall(8, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        StandardizedConv2DWithOverride(16, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]
)

model.summary()
kernel_before = model.layers[0].get_weights()[0]
kernel2_before = model.layers[2].get_weights()[0]

batch_size = 64
epochs = 2

model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                    validation_split=0.1, verbose=2)
assert history.history["loss"][-1] < history.history["loss"][0]
# Both standardized layers' kernels were trained (the gradient reaches them through the op).
assert not np.allclose(model.layers[0].get_weights()[0], kernel_before, atol=1e-6)
assert not np.allclose(model.layers[2].get_weights()[0], kernel2_before, atol=1e-6)

print("subclassing_conv_layers OK")
