"""keras.io example "Simple custom layer example: Antirectifier", step by step: a Layer subclass
that centers and L2-normalizes its inputs and concatenates their positive and negative parts
(doubling the features), with `build` creating nothing, a compute-only `call` in keras.ops and a
`get_config`; it is used in a Sequential MLP for MNIST, trained, evaluated, and the model is
saved to .keras and reloaded with the layer passed in `custom_objects`. Random flattened
"digits" stand in for MNIST and a few epochs over 1,000 samples keep it fast."""

import numpy as np

from numen import keras
from numen.keras import layers, ops


class Antirectifier(layers.Layer):
    def __init__(self, initializer="he_normal", **kwargs):
        super().__init__(**kwargs)
        self.initializer = keras.initializers.get(initializer)

    def build(self, input_shape):
        output_dim = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(output_dim * 2, output_dim),
            initializer=self.initializer,
            name="kernel",
            trainable=True,
        )

    def call(self, inputs):
        inputs -= ops.mean(inputs, axis=-1, keepdims=True)
        pos = ops.relu(inputs)
        neg = ops.relu(-inputs)
        concatenated = ops.concatenate([pos, neg], axis=-1)
        mixed = ops.matmul(concatenated, self.kernel)
        return mixed

    def get_config(self):
        # Implement get_config to enable serialization. This is optional.
        base_config = super().get_config()
        config = {"initializer": keras.initializers.serialize(self.initializer)}
        return dict(list(base_config.items()) + list(config.items()))


# The layer on its own: the kernel maps the doubled features back to the input width.
layer = Antirectifier()
x = np.array([[1.0, 2.0, 6.0]], "float32")
y = layer(x)
assert y.shape == (1, 3) and tuple(layer.kernel.shape) == (6, 3)
centered = x - x.mean()
doubled = np.concatenate([np.maximum(centered, 0), np.maximum(-centered, 0)], -1)
np.testing.assert_allclose(y, doubled @ np.asarray(layer.kernel), rtol=1e-5)
np.testing.assert_array_equal(x, [[1.0, 2.0, 6.0]])  # `inputs -= ...` left the caller's array
config = layer.get_config()
assert config["initializer"]["class_name"] == "HeNormal"
assert Antirectifier.from_config(config).initializer.__class__.__name__ == "HeNormal"

# Training parameters
batch_size = 128
num_classes = 10
epochs = 3

rng = np.random.default_rng(0)
x_train = rng.random((1000, 784)).astype("float32")
y_train = rng.integers(0, num_classes, 1000)
x_train[np.arange(1000), y_train * 50] += 3.0  # one telling pixel per class
x_test, y_test = x_train[-200:], y_train[-200:]
x_train, y_train = x_train[:-200], y_train[:-200]
print(x_train.shape[0], "train samples")
print(x_test.shape[0], "test samples")

# Build the model
model = keras.Sequential(
    [
        keras.Input(shape=(784,)),
        layers.Dense(64),
        Antirectifier(),
        layers.Dense(64),
        Antirectifier(),
        layers.Dropout(0.5),
        layers.Dense(10),
    ]
)

# Compile the model
model.compile(
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    optimizer=keras.optimizers.RMSprop(),
    metrics=[keras.metrics.SparseCategoricalAccuracy()],
)

# Train the model
history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                    validation_split=0.15, verbose=2)
assert history.history["loss"][-1] < history.history["loss"][0]

# Test the model
results = model.evaluate(x_test, y_test, verbose=0)
print("Test loss, test acc:", results)

# Save and reload, the custom layer passed by name.
model.save("antirectifier.keras")
reloaded = keras.models.load_model("antirectifier.keras",
                                   custom_objects={"Antirectifier": Antirectifier})
np.testing.assert_allclose(reloaded.predict(x_test, verbose=0), model.predict(x_test, verbose=0),
                           rtol=1e-5, atol=1e-6)
assert isinstance(reloaded.layers[1], Antirectifier)

print("antirectifier OK")
