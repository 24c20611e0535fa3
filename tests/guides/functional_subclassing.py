"""keras.io example "Packaging Keras models for wide distribution using Functional
Subclassing", step by step: a keras.Model subclass whose __init__ builds a functional graph
(uint8 images of any size, Rescaling, strided Conv2D, GlobalAveragePooling2D, a named head) and
hands inputs and outputs to super().__init__; trained from an endless batch stream with
steps_per_epoch; the same weights applied to two image sizes; the layer graph walked through
`layers`; model surgery (the head's `input` feeding a new binary head in a new functional
model) and the new model trained; and a variant taking a dict of named inputs. A Python
generator stands in for the tf.data pipeline and random 28x28 "digits" for MNIST; narrow layers
and a few steps keep it fast."""

import numpy as np

from numen import keras

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)

BATCH_SIZE = 32
x_train = rng.integers(0, 100, (256, 28, 28, 1)).astype("uint8")
train_labels = rng.integers(0, 10, 256)
for digit in range(10):  # a bright bar whose row is the label
    x_train[train_labels == digit, 2 * digit + 2:2 * digit + 5, 4:24] = 255
x_test, test_labels = x_train[-64:], train_labels[-64:]


def train_data(labels=train_labels, as_dict=False):
    """Batches forever, reshuffled each pass (the example's batch/shuffle/repeat)."""
    while True:
        order = rng.permutation(len(x_train))
        for start in range(0, len(order) - BATCH_SIZE + 1, BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            x = {"image": x_train[batch]} if as_dict else x_train[batch]
            yield x, labels[batch]


STEPS_PER_EPOCH = len(train_labels) // BATCH_SIZE
EPOCHS = 2


class MnistModel(keras.Model):
    def __init__(self, **kwargs):
        # 1-channel monochrome input
        inputs = keras.layers.Input(shape=(None, None, 1), dtype="uint8")
        # pixel format conversion from uint8 to float32
        y = keras.layers.Rescaling(1 / 255.0)(inputs)

        # 3 convolutional layers
        y = keras.layers.Conv2D(filters=8, kernel_size=3, padding="same", activation="relu")(y)
        y = keras.layers.Conv2D(
            filters=16, kernel_size=6, padding="same", activation="relu", strides=2
        )(y)
        y = keras.layers.Conv2D(
            filters=16, kernel_size=6, padding="same", activation="relu", strides=2
        )(y)

        # 2 dense layers
        y = keras.layers.GlobalAveragePooling2D()(y)
        y = keras.layers.Dense(16, activation="relu")(y)
        y = keras.layers.Dropout(0.4)(y)
        outputs = keras.layers.Dense(
            10, activation="softmax", name="classification_head"  # 10 classes
        )(y)

        # A Keras Functional model is created by calling keras.Model(inputs, outputs)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)


model = MnistModel()
assert isinstance(model, MnistModel) and model.name.startswith("mnist_model")

model.compile(
    optimizer="adam",
    loss="sparse_categorical_crossentropy",
    metrics=["sparse_categorical_accuracy"],
)

history = model.fit(
    train_data(),
    steps_per_epoch=STEPS_PER_EPOCH,
    epochs=EPOCHS,
    validation_data=(x_test, test_labels),
    verbose=2,
)
assert len(history.history["loss"]) == EPOCHS
assert set(history.history) == {"loss", "sparse_categorical_accuracy", "val_loss",
                                "val_sparse_categorical_accuracy"}

# Unconstrained inputs: the same weights take any image size.
assert model.predict(x_test[:4], verbose=0).shape == (4, 10)
assert model.predict(x_test[:4, :20, :16], verbose=0).shape == (4, 10)

# Model introspection
model = MnistModel()
model.summary()

names = []


def walk_layers(layer):
    if hasattr(layer, "layers"):
        for sublayer in layer.layers:
            walk_layers(sublayer)
    else:
        names.append(layer.name)


walk_layers(model)
print(names)
assert len(names) == 9 and names[-1] == "classification_head"
assert type(model.layers[0]).__name__ == "InputLayer"

# Model surgery: a binary head in place of the 10-way one.
model = MnistModel()

input = model.input
# cut before the classification head
y = model.get_layer("classification_head").input

# add a new classification head
output = keras.layers.Dense(
    1,  # single class for binary classification
    activation="sigmoid",
    name="binary_classification_head",
)(y)

# create a new functional model
binary_model = keras.Model(input, output)
binary_model.summary()
assert [layer.name for layer in binary_model.layers][-1] == "binary_classification_head"
assert binary_model.count_params() == model.count_params() - 10 * 17 + 17

# new dataset with 0 / 1 labels (1 = digit '0', 0 = all other digits)
bin_labels = (train_labels == 0).astype("uint8")

# appropriate loss and metric for binary classification
binary_model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["binary_accuracy"])

history = binary_model.fit(
    train_data(bin_labels),
    steps_per_epoch=STEPS_PER_EPOCH,
    epochs=EPOCHS,
    validation_data=(x_test, bin_labels[-64:]),
    verbose=2,
)
assert set(history.history) == {"binary_accuracy", "loss", "val_binary_accuracy", "val_loss"}
# The surgery shares the original model's layers (and so its weights).
assert binary_model.get_layer(index=2) is model.layers[2]


class MnistDictModel(keras.Model):
    def __init__(self, **kwargs):
        # The input is a dictionary
        inputs = {
            "image": keras.layers.Input(
                shape=(None, None, 1),  # 1-channel monochrome
                dtype="uint8",
                name="image",
            )
        }

        # pixel format conversion from uint8 to float32
        y = keras.layers.Rescaling(1 / 255.0)(inputs["image"])

        # 3 conv layers
        y = keras.layers.Conv2D(filters=8, kernel_size=3, padding="same", activation="relu")(y)
        y = keras.layers.Conv2D(
            filters=16, kernel_size=6, padding="same", activation="relu", strides=2
        )(y)

        # 2 dense layers
        y = keras.layers.GlobalAveragePooling2D()(y)
        y = keras.layers.Dense(16, activation="relu")(y)
        outputs = keras.layers.Dense(
            10, activation="softmax", name="classification_head"  # 10 classes
        )(y)

        # A Keras Functional model is created by calling keras.Model(inputs, outputs)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)


model = MnistDictModel()

model.compile(
    optimizer="adam",
    loss="sparse_categorical_crossentropy",
    metrics=["sparse_categorical_accuracy"],
)

history = model.fit(
    train_data(as_dict=True),
    steps_per_epoch=STEPS_PER_EPOCH,
    epochs=EPOCHS,
    validation_data=({"image": x_test}, test_labels),
    verbose=2,
)
assert len(history.history["val_loss"]) == EPOCHS
np.testing.assert_allclose(model.predict({"image": x_test[:3]}, verbose=0),
                           model({"image": x_test[:3]}), rtol=1e-5)

print("functional_subclassing OK")
