"""keras.io example "Timeseries classification with a Transformer model", step by step: a
Transformer encoder written as a function of Functional calls (MultiHeadAttention, Dropout,
LayerNormalization, Conv1D), GlobalAveragePooling1D(data_format="channels_first"), and training
with validation_split and EarlyStopping. The series are a synthetic stand-in for FordA (one
channel, labels -1 and 1), shorter and fewer, and the model is smaller."""

import numpy as np

from numen import keras
from numen.keras import layers


def make_series(count, length, rng):
    """(x (count, length), y (count,) in {-1, 1}) as FordA's files read: noise, raised in the
    second half of the series of class 1."""
    y = rng.choice([-1, 1], count)
    x = rng.normal(0, 1, (count, length))
    x[:, length // 2:] += 1.5 * (y[:, None] == 1)
    return x.astype("float32"), y


rng = np.random.default_rng(0)
np.random.seed(0)
(x_train, y_train), (x_test, y_test) = make_series(320, 48, rng), make_series(100, 48, rng)

# One channel: (samples, timesteps, 1).
x_train = x_train.reshape((x_train.shape[0], x_train.shape[1], 1))
x_test = x_test.reshape((x_test.shape[0], x_test.shape[1], 1))

n_classes = len(np.unique(y_train))

idx = np.random.permutation(len(x_train))
x_train = x_train[idx]
y_train = y_train[idx]

# Labels -1/1 become 0/1 for sparse_categorical_crossentropy.
y_train[y_train == -1] = 0
y_test[y_test == -1] = 0
assert n_classes == 2 and set(np.unique(y_train)) == {0, 1}


def transformer_encoder(inputs, head_size, num_heads, ff_dim, dropout=0):
    # Attention, then a residual around the normalized result.
    x = layers.MultiHeadAttention(key_dim=head_size, num_heads=num_heads, dropout=dropout)(
        inputs, inputs)
    x = layers.Dropout(dropout)(x)
    x = layers.LayerNormalization(epsilon=1e-6)(x)
    res = x + inputs

    # The feed-forward part: two position-wise (kernel size 1) convolutions.
    x = layers.Conv1D(filters=ff_dim, kernel_size=1, activation="relu")(res)
    x = layers.Dropout(dropout)(x)
    x = layers.Conv1D(filters=inputs.shape[-1], kernel_size=1)(x)
    x = layers.LayerNormalization(epsilon=1e-6)(x)
    return x + res


def build_model(input_shape, head_size, num_heads, ff_dim, num_transformer_blocks, mlp_units,
                dropout=0, mlp_dropout=0):
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for _ in range(num_transformer_blocks):
        x = transformer_encoder(x, head_size, num_heads, ff_dim, dropout)

    # channels_first averages each time step over its features: (batch, timesteps).
    x = layers.GlobalAveragePooling1D(data_format="channels_first")(x)
    for dim in mlp_units:
        x = layers.Dense(dim, activation="relu")(x)
        x = layers.Dropout(mlp_dropout)(x)
    outputs = layers.Dense(n_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


input_shape = x_train.shape[1:]
model = build_model(input_shape, head_size=16, num_heads=2, ff_dim=4, num_transformer_blocks=2,
                    mlp_units=[32], mlp_dropout=0.4, dropout=0.25)
model.compile(loss="sparse_categorical_crossentropy",
              optimizer=keras.optimizers.Adam(learning_rate=1e-3),
              metrics=["sparse_categorical_accuracy"])
model.summary()
pooled = model.get_layer("global_average_pooling1d")
assert pooled.output.shape == (None, 48), pooled.output.shape

callbacks = [keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)]
history = model.fit(x_train, y_train, validation_split=0.2, epochs=12, batch_size=64,
                    callbacks=callbacks, verbose=2)
val_losses = history.history["val_loss"]
print("epochs run:", len(val_losses), "best val_loss:", min(val_losses))
# restore_best_weights: the model now scores the best epoch's validation loss again.
x_val, y_val = x_train[-64:], y_train[-64:]
best = model.evaluate(x_val, y_val, verbose=0)[0]
assert abs(best - min(val_losses)) < 1e-4, (best, min(val_losses))

loss, accuracy = model.evaluate(x_test, y_test, verbose=1)
print("test accuracy:", accuracy)
assert accuracy > 0.75, accuracy  # chance is 0.5
print("timeseries_transformer OK")
