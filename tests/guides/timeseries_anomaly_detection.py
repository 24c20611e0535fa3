"""keras.io example "Timeseries anomaly detection using an Autoencoder", step by step: windows of a
normalized series, a convolutional autoencoder (Conv1D with strides 2, Dropout,
Conv1DTranspose), training with validation_split and EarlyStopping, the reconstruction error's
maximum on the training windows as the threshold, and the anomalous windows and points it flags in
a test series. A synthetic daily-periodic series, and a test copy with one sustained jump,
stand in for the Numenta Anomaly Benchmark files (288 readings a day, 5 training days in place of
14, 12 epochs in place of 50), so it trains in seconds."""

import numpy as np

from numen import keras
from numen.keras import layers

# The data: one reading every 5 minutes, a daily cycle plus noise; the test series also holds an
# anomaly (a sustained jump, like art_daily_jumpsup).
rng = np.random.default_rng(0)
day = 288


def daily_series(days):
    t = np.arange(days * day)
    return 20 + 40 * (np.sin(2 * np.pi * t / day) > 0) + rng.normal(0, 2, t.size)


df_small_noise = daily_series(5)
df_daily_jumpsup = daily_series(4)
anomaly_start, anomaly_stop = 2 * day + 60, 2 * day + 100
df_daily_jumpsup[anomaly_start:anomaly_stop] += 80

# Normalize with the training series' mean and std.
training_mean = df_small_noise.mean()
training_std = df_small_noise.std()
df_training_value = (df_small_noise - training_mean) / training_std
print("Number of training samples:", len(df_training_value))

TIME_STEPS = day


def create_sequences(values, time_steps=TIME_STEPS):
    """Every window of `time_steps` consecutive values: (len - time_steps + 1, time_steps, 1)."""
    output = []
    for i in range(len(values) - time_steps + 1):
        output.append(values[i: (i + time_steps)])
    return np.stack(output)[..., None].astype("float32")


x_train = create_sequences(df_training_value)
print("Training input shape: ", x_train.shape)
assert x_train.shape == (4 * day + 1, TIME_STEPS, 1)

model = keras.Sequential([
    layers.Input(shape=(x_train.shape[1], x_train.shape[2])),
    layers.Conv1D(filters=32, kernel_size=7, padding="same", strides=2, activation="relu"),
    layers.Dropout(rate=0.2),
    layers.Conv1D(filters=16, kernel_size=7, padding="same", strides=2, activation="relu"),
    layers.Conv1DTranspose(filters=16, kernel_size=7, padding="same", strides=2,
                           activation="relu"),
    layers.Dropout(rate=0.2),
    layers.Conv1DTranspose(filters=32, kernel_size=7, padding="same", strides=2,
                           activation="relu"),
    layers.Conv1DTranspose(filters=1, kernel_size=7, padding="same"),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
model.summary()
assert [layer.output.shape for layer in model.layers] == [
    (None, 144, 32), (None, 144, 32), (None, 72, 16), (None, 144, 16), (None, 144, 16),
    (None, 288, 32), (None, 288, 1)]
assert model.count_params() == 9505, model.count_params()

history = model.fit(
    x_train, x_train, epochs=12, batch_size=64, validation_split=0.1, verbose=2,
    callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, mode="min")])
print("loss", history.history["loss"][0], "->", history.history["loss"][-1])
assert history.history["val_loss"][-1] < 0.5 * history.history["val_loss"][0], history.history

# The threshold: the worst reconstruction error on a training window.
x_train_pred = model.predict(x_train, verbose=0)
train_mae_loss = np.mean(np.abs(x_train_pred - x_train), axis=1)
threshold = np.max(train_mae_loss)
print("Reconstruction error threshold: ", threshold)
assert train_mae_loss.shape == (len(x_train), 1)

# The test series, normalized with the training statistics, windowed and reconstructed.
df_test_value = (df_daily_jumpsup - training_mean) / training_std
x_test = create_sequences(df_test_value)
print("Test input shape: ", x_test.shape)
x_test_pred = model.predict(x_test, verbose=0)
test_mae_loss = np.mean(np.abs(x_test_pred - x_test), axis=1).reshape(-1)

anomalies = test_mae_loss > threshold
print("Number of anomaly samples: ", np.sum(anomalies))
print("Indices of anomaly samples: ", np.where(anomalies))

# A data point is anomalous when every window holding it is: windows (i - TIME_STEPS + 1) to i.
anomalous_data_indices = []
for data_idx in range(TIME_STEPS - 1, len(df_test_value) - TIME_STEPS + 1):
    if np.all(anomalies[data_idx - TIME_STEPS + 1: data_idx]):
        anomalous_data_indices.append(data_idx)
print("Anomalous data points:", anomalous_data_indices[:3], "...", len(anomalous_data_indices))

# Nearly every window over the jump is flagged, and few windows far from it (the threshold is
# the worst training window, so noise crosses it now and then); the flagged points sit on the
# jump (the example's loop leaves window data_idx out, so the point after it may join them).
over_jump = np.arange(anomaly_start - TIME_STEPS + 1, anomaly_stop)
far = np.setdiff1d(np.arange(len(anomalies)), np.arange(anomaly_start - TIME_STEPS - 20,
                                                        anomaly_stop + 20))
print("flagged over the jump:", anomalies[over_jump].mean(), "far from it:", anomalies[far].mean())
assert anomalies[over_jump].mean() > 0.9, anomalies[over_jump].mean()
assert anomalies[far].mean() < 0.06, np.where(anomalies[far])
assert len(anomalous_data_indices) >= 30 and all(
    anomaly_start <= i <= anomaly_stop for i in anomalous_data_indices), anomalous_data_indices
print("timeseries_anomaly_detection OK")
