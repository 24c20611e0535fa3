"""keras.io "Transfer learning & fine-tuning", step by step with `from numen import keras`: the
`trainable` attribute (the weights of Dense and BatchNormalization, freezing a layer, freezing
a model and everything inside it), a frozen BatchNormalization in inference mode, the typical
workflow with a frozen base, a new head and a custom training loop over `trainable_weights`,
and the end-to-end example: Xception called with `training=False` under a new head trained on
top, then fine-tuned whole with a low learning rate.

Two stand-ins, since nothing is downloaded here:
- The "pretrained" weights file is made here first: an Xception with random weights (its batch
  norms' statistics set from one batch of generated pictures) saved with `save_weights` to a
  local file, then loaded with `Xception(weights=PATH, ...)` just as `weights="imagenet"` loads
  the published file. The features are random, not ImageNet's, but they tell colours apart.
- TFDS's cats vs dogs are generated pictures of varied sizes, warm-toned ("cat", 0) or
  cool-toned ("dog", 1), split 40% / 10% / 10% as the guide splits, and resized with a
  `Resizing` layer as the guide does.
The images are 75x75 rather than 150x150 (Xception takes 71x71 and up), the data sets a few
dozen pictures and the batches 4. Still about 30 s on two idle CPU cores (two minutes on a busy
machine), for Xception's 20 million weights; the guide runner marks it slow. The same program
with `import keras` passes under Keras 3 too.

Where this differs from the guide's words, it follows Keras 3 (see "A round of fine-tuning").
"""

import os
import tempfile

import numpy as np

from numen import keras
from numen.keras import layers

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)

# --- Freezing layers: the `trainable` attribute ---------------------------------------------
layer = keras.layers.Dense(3)
layer.build((None, 4))
print("weights:", len(layer.weights))
print("trainable_weights:", len(layer.trainable_weights))
print("non_trainable_weights:", len(layer.non_trainable_weights))
assert (len(layer.weights), len(layer.trainable_weights), len(layer.non_trainable_weights)) \
    == (2, 2, 0)

layer = keras.layers.BatchNormalization()
layer.build((None, 4))
print("weights:", len(layer.weights))
print("trainable_weights:", len(layer.trainable_weights))
print("non_trainable_weights:", len(layer.non_trainable_weights))
assert (len(layer.weights), len(layer.trainable_weights), len(layer.non_trainable_weights)) \
    == (4, 2, 2)

layer = keras.layers.Dense(3)
layer.build((None, 4))
layer.trainable = False
print("weights:", len(layer.weights))
print("trainable_weights:", len(layer.trainable_weights))
print("non_trainable_weights:", len(layer.non_trainable_weights))
assert (len(layer.weights), len(layer.trainable_weights), len(layer.non_trainable_weights)) \
    == (2, 0, 2)

# A frozen layer's weights do not change in fit.
layer1 = keras.layers.Dense(3, activation="relu")
layer2 = keras.layers.Dense(3, activation="sigmoid")
model = keras.Sequential([keras.Input(shape=(3,)), layer1, layer2])
layer1.trainable = False
initial_layer1_weights_values = layer1.get_weights()
initial_layer2_weights_values = layer2.get_weights()
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.random((2, 3)), np.random.random((2, 3)))
final_layer1_weights_values = layer1.get_weights()
np.testing.assert_allclose(initial_layer1_weights_values[0], final_layer1_weights_values[0])
np.testing.assert_allclose(initial_layer1_weights_values[1], final_layer1_weights_values[1])
# (not in the guide) while the trainable layer did learn
assert not np.allclose(initial_layer2_weights_values[0], layer2.get_weights()[0])

# --- Recursive setting of the `trainable` attribute -----------------------------------------
inner_model = keras.Sequential([
    keras.Input(shape=(3,)),
    keras.layers.Dense(3, activation="relu"),
    keras.layers.Dense(3, activation="relu"),
])
model = keras.Sequential([
    keras.Input(shape=(3,)),
    inner_model,
    keras.layers.Dense(3, activation="sigmoid"),
])
model.trainable = False
assert inner_model.trainable == False  # noqa: E712 (the guide's own comparison)
assert inner_model.layers[0].trainable == False  # noqa: E712
assert model.trainable_weights == [] and len(model.non_trainable_weights) == 6


# --- Fine-tuning: the notes about BatchNormalization ---------------------------------------
# A frozen BatchNormalization runs in inference mode, even when called with training=True: it
# normalizes with its moving statistics (still 0 and 1 here) and leaves them as they are.
bn_layer = keras.layers.BatchNormalization()
batch = np.random.random((8, 4)).astype("float32") * 5 + 3
bn_layer.trainable = False
out = bn_layer(batch, training=True)
np.testing.assert_allclose(np.asarray(out), batch / np.sqrt(1 + bn_layer.epsilon), rtol=1e-5)
assert np.all(np.asarray(bn_layer.moving_mean) == 0)


# --- Stand-ins for the downloads ---------------------------------------------------------
def pet_picture(label):
    """A noisy picture of a random size, warm-toned with a light blob for a "cat" (0),
    cool-toned with a dark blob for a "dog" (1)."""
    height, width = rng.integers(80, 140, size=2)
    tone = np.array([170, 110, 60] if label == 0 else [60, 110, 170])
    image = tone + rng.integers(-50, 50, size=(height, width, 3))
    yy, xx = np.ogrid[:height, :width]
    cy, cx = rng.integers(height // 3, 2 * height // 3), rng.integers(width // 3, 2 * width // 3)
    blob = (yy - cy) ** 2 + (xx - cx) ** 2 < (min(height, width) // 4) ** 2
    image[blob] += 60 if label == 0 else -50
    return np.clip(image, 0, 255).astype("uint8")


# The "pretrained" weights file: the published ImageNet file cannot be downloaded here, so one
# is made from an Xception with random weights. Random weights alone give features of about
# 1e-5 (as in Keras): the batch norms' moving statistics, still 0 and 1, do not normalize.
# One pass in training mode with momentum 0 sets them from a batch of generated pictures.
size = 75  # the guide's 150; Xception takes 71 and up
to_size = keras.layers.Resizing(size, size)
pretrained = keras.applications.Xception(weights=None, input_shape=(size, size, 3),
                                         include_top=False)
for layer in pretrained.layers:
    if isinstance(layer, keras.layers.BatchNormalization):
        layer.momentum = 0.0
calibration = np.stack([np.asarray(to_size(pet_picture(label))) for label in [0, 1] * 8])
pretrained(calibration / 127.5 - 1, training=True)
weights_dir = tempfile.TemporaryDirectory()  # 80 MB, removed at the end
weights_path = os.path.join(weights_dir.name, "xception_no_top.weights.h5")
pretrained.save_weights(weights_path)

# A small new data set for the workflow sections: batches of (images, targets).
new_dataset = []
for _ in range(2):
    batch_labels = rng.integers(0, 2, size=8)
    images = np.stack([np.asarray(to_size(pet_picture(label))) for label in batch_labels])
    new_dataset.append((images, batch_labels[:, None].astype("float32")))

# --- The typical transfer-learning workflow, with a custom training loop ------------------
base_model = keras.applications.Xception(
    weights=weights_path,  # the guide: weights="imagenet"
    input_shape=(size, size, 3),
    include_top=False)
base_model.trainable = False
inputs = keras.Input(shape=(size, size, 3))
x = base_model(inputs, training=False)
x = keras.layers.GlobalAveragePooling2D()(x)
outputs = keras.layers.Dense(1)(x)
model = keras.Model(inputs, outputs)

loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
optimizer = keras.optimizers.Adam()
frozen_before = base_model.get_weights()
head_before = model.layers[-1].get_weights()
for inputs, targets in new_dataset:
    with keras.GradientTape() as tape:
        predictions = model(inputs)
        loss_value = loss_fn(targets, predictions)
    gradients = tape.gradient(loss_value, model.trainable_weights)
    optimizer.apply_gradients(zip(gradients, model.trainable_weights))
assert len(gradients) == 2  # only the new head's kernel and bias
assert all(np.array_equal(a, b) for a, b in zip(frozen_before, base_model.get_weights()))
assert not np.allclose(head_before[0], model.layers[-1].get_weights()[0])


# --- The end-to-end example: getting the data (generated, in place of TFDS's cats vs dogs) ---
labels = rng.integers(0, 2, size=80)
pictures = [(pet_picture(label), label) for label in labels]
# train[:40%], train[40%:50%], train[50%:60%]
train_ds, validation_ds, test_ds = pictures[:32], pictures[32:40], pictures[40:48]
print(f"Number of training samples: {len(train_ds)}")
print(f"Number of validation samples: {len(validation_ds)}")
print(f"Number of test samples: {len(test_ds)}")
assert len({image.shape for image, _ in train_ds}) > 1  # all different sizes, as the guide shows

# Standardizing the data: one size for all (the guide's 150x150; 75x75 here).
resize_fn = keras.layers.Resizing(size, size)
train_ds = [(resize_fn(x), y) for x, y in train_ds]
validation_ds = [(resize_fn(x), y) for x, y in validation_ds]
test_ds = [(resize_fn(x), y) for x, y in test_ds]
assert all(tuple(x.shape) == (size, size, 3) for x, _ in train_ds)

# Random data augmentation, image by image, as the guide maps it over its data set.
augmentation_layers = [
    layers.RandomFlip("horizontal"),
    layers.RandomRotation(0.1),
]


def data_augmentation(x):
    for layer in augmentation_layers:
        x = layer(x)
    return x


train_ds = [(data_augmentation(x), y) for x, y in train_ds]

# The guide's visual check: the same image, augmented nine times, is not the same nine times.
first_image = np.asarray(train_ds[0][0])
augmented = [np.asarray(data_augmentation(np.expand_dims(first_image, 0)))[0]
             for _ in range(9)]
assert all(a.shape == (size, size, 3) for a in augmented)
assert len({a.tobytes() for a in augmented}) > 1


# Batching: arrays of images and labels for fit, in batches of 4 (the guide's 64 would make
# one step an epoch here). The training images are augmented once, above, not anew each epoch.
def as_arrays(pairs):
    return (np.stack([np.asarray(x) for x, _ in pairs]).astype("float32"),
            np.array([[y] for _, y in pairs], dtype="float32"))


x_train, y_train = as_arrays(train_ds)
x_val, y_val = as_arrays(validation_ds)
x_test, y_test = as_arrays(test_ds)
batch_size = 4

# --- Build a model ---------------------------------------------------------------------------
base_model = keras.applications.Xception(
    weights=weights_path,  # the guide: weights="imagenet"
    input_shape=(size, size, 3),
    include_top=False,
)
base_model.trainable = False
assert len(base_model.weights) == 234 and base_model.trainable_weights == []

inputs = keras.Input(shape=(size, size, 3))
scale_layer = keras.layers.Rescaling(scale=1 / 127.5, offset=-1)
x = scale_layer(inputs)
x = base_model(x, training=False)
x = keras.layers.GlobalAveragePooling2D()(x)
x = keras.layers.Dropout(0.2)(x)
outputs = keras.layers.Dense(1)(x)
model = keras.Model(inputs, outputs)
model.summary(show_trainable=True)
assert len(model.trainable_weights) == 2  # the new head's kernel and bias
assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == 2048 + 1

# --- Train the top layer ---------------------------------------------------------------------
frozen_before = base_model.get_weights()  # moving statistics included
model.compile(
    optimizer=keras.optimizers.Adam(),
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[keras.metrics.BinaryAccuracy()],
)
epochs = 6  # the guide's 2 epochs are hundreds of steps; here 8 steps an epoch
print("Fitting the top layer of the model")
history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                    validation_data=(x_val, y_val))
assert all(np.array_equal(a, b) for a, b in zip(frozen_before, base_model.get_weights()))
print(history.history)
assert history.history["loss"][-1] < 0.8 * history.history["loss"][0]
assert history.history["val_loss"][-1] < np.log(2)  # better than chance on new images

# --- A round of fine-tuning of the entire model ----------------------------------------------
base_model.trainable = True
model.summary(show_trainable=True)
assert len(model.trainable_weights) == 2 + 154  # 154 in the base: all but the BN statistics
statistics_before = [np.array(w) for w in base_model.non_trainable_weights]
assert len(statistics_before) == 80  # the moving mean and variance of 40 BatchNormalization
kernel_before = np.array(base_model.get_layer("block14_sepconv2").weights[0])

model.compile(
    optimizer=keras.optimizers.Adam(1e-5),  # Low learning rate
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[keras.metrics.BinaryAccuracy()],
)
epochs = 1
print("Fitting the end-to-end model")
model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
          validation_data=(x_val, y_val))
# The base learned. Its batch norms' moving statistics moved too: the guide says that
# `training=False` keeps them still, but Keras 3 (3.15.1, the version numen follows) lets
# fit's training=True override an argument given when the model was built (keras-team/keras
# issue 20285), so an unfrozen base updates them; only a frozen one (above) keeps them.
kernel_after = np.array(base_model.get_layer("block14_sepconv2").weights[0])
assert not np.array_equal(kernel_before, kernel_after)
assert any(not np.array_equal(before, np.array(after))
           for before, after in zip(statistics_before, base_model.non_trainable_weights))

print("Test dataset evaluation")
loss, accuracy = model.evaluate(x_test, y_test)
# BinaryAccuracy compares the model's outputs, logits here, with 0.5 (as in Keras): a logit
# between 0 and 0.5 counts as a "cat" although its probability is above one half. Whether
# the sign of the logit is right is the fairer test after so few steps.
sign_accuracy = float(np.mean((model.predict(x_test) > 0) == (y_test > 0.5)))
print(f"test loss {loss:.3f}, binary accuracy {accuracy:.3f}, sign accuracy {sign_accuracy:.3f}")
assert loss < np.log(2) and sign_accuracy >= 0.75
weights_dir.cleanup()
print("transfer_learning OK")
