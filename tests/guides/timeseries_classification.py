"""keras.io example "Timeseries classification from scratch", step by step: univariate series
reshaped to (samples, timesteps, 1), labels -1/1 remapped to 0/1 and shuffled, a fully
convolutional network (three Conv1D/BatchNormalization/ReLU blocks, GlobalAveragePooling1D, a
softmax Dense), trained with ModelCheckpoint(save_best_only, monitor="val_loss"),
ReduceLROnPlateau and EarlyStopping callbacks and validation_split, then the best model reloaded
with keras.models.load_model and evaluated. Synthetic series (a noisy sine against a noisy square
wave) stand in for the FordA engine-noise data; 128 steps in place of 500, 16 filters in place
of 64 and a few epochs keep it to seconds."""

import numpy as np

from numen import keras

keras.utils.set_random_seed(42)
rng = np.random.default_rng(0)


def readucr(n):
    """(series, labels) with labels in {-1, 1}, as the FordA files hold them."""
    t = np.linspace(0, 8 * np.pi, 128)
    y = rng.choice([-1, 1], n)
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    wave = np.where(y[:, None] == 1, np.sin(t + phase), np.sign(np.sin(t + phase)))
    return wave + rng.normal(0, 0.3, wave.shape), y


x_train, y_train = readucr(96)
x_test, y_test = readucr(32)

classes = np.unique(np.concatenate((y_train, y_test), axis=0))
assert list(classes) == [-1, 1]

# Standardize the data: the series are already z-normalized-ish; make them multivariate with one
# channel.
x_train = x_train.reshape((x_train.shape[0], x_train.shape[1], 1))
x_test = x_test.reshape((x_test.shape[0], x_test.shape[1], 1))

num_classes = len(np.unique(y_train))

idx = np.random.permutation(len(x_train))
x_train = x_train[idx]
y_train = y_train[idx]

y_train[y_train == -1] = 0
y_test[y_test == -1] = 0


def make_model(input_shape):
    input_layer = keras.layers.Input(input_shape)

    conv1 = keras.layers.Conv1D(filters=16, kernel_size=3, padding="same")(input_layer)
    conv1 = keras.layers.BatchNormalization()(conv1)
    conv1 = keras.layers.ReLU()(conv1)

    conv2 = keras.layers.Conv1D(filters=16, kernel_size=3, padding="same")(conv1)
    conv2 = keras.layers.BatchNormalization()(conv2)
    conv2 = keras.layers.ReLU()(conv2)

    conv3 = keras.layers.Conv1D(filters=16, kernel_size=3, padding="same")(conv2)
    conv3 = keras.layers.BatchNormalization()(conv3)
    conv3 = keras.layers.ReLU()(conv3)

    gap = keras.layers.GlobalAveragePooling1D()(conv3)

    output_layer = keras.layers.Dense(num_classes, activation="softmax")(gap)

    return keras.models.Model(inputs=input_layer, outputs=output_layer)


model = make_model(input_shape=x_train.shape[1:])
assert model.count_params() == (3 * 16 + 16) + 2 * (3 * 16 * 16 + 16) + 3 * 4 * 16 + 16 * 2 + 2

epochs = 6
batch_size = 16

callbacks = [
    keras.callbacks.ModelCheckpoint("best_model.keras", save_best_only=True, monitor="val_loss"),
    keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, min_lr=0.0001),
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, verbose=1),
]
model.compile(
    optimizer="adam",
    loss="sparse_categorical_crossentropy",
    metrics=["sparse_categorical_accuracy"],
)
history = model.fit(
    x_train,
    y_train,
    batch_size=batch_size,
    epochs=epochs,
    callbacks=callbacks,
    validation_split=0.2,
    verbose=1,
)
# ReduceLROnPlateau records the learning rate in the logs.
assert set(history.history) == {"loss", "sparse_categorical_accuracy", "val_loss",
                                "val_sparse_categorical_accuracy", "learning_rate"}
assert history.history["learning_rate"][0] == np.float32(0.001)
assert all(lr >= 0.0001 for lr in history.history["learning_rate"])

model = keras.models.load_model("best_model.keras")

test_loss, test_acc = model.evaluate(x_test, y_test)

print("Test accuracy", test_acc)
print("Test loss", test_loss)
np.testing.assert_allclose(test_loss, model.evaluate(x_test, y_test, verbose=0)[0], rtol=1e-5)
assert 0.0 <= test_acc <= 1.0

metric = "sparse_categorical_accuracy"
assert len(history.history[metric]) == len(history.history["val_" + metric]) <= epochs

print("timeseries_classification OK")
