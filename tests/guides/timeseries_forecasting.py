"""The pattern of keras.io's "Timeseries forecasting for weather prediction": normalized
features, timeseries_dataset_from_array with a sampling rate and a target offset, an LSTM
regressor with EarlyStopping and ModelCheckpoint, and predictions on a few windows. A noisy sine
series in place of the Jena climate download."""

import numpy as np

from numen import keras

rng = np.random.default_rng(0)
steps = 3000
t = np.arange(steps, dtype="float32")
temperature = np.sin(2 * np.pi * t / 144) + 0.1 * rng.normal(size=steps)
pressure = np.cos(2 * np.pi * t / 144) + 0.1 * rng.normal(size=steps)
features = np.stack([temperature, pressure], axis=1).astype("float32")

split_fraction = 0.715
train_split = int(split_fraction * steps)
mean = features[:train_split].mean(axis=0)
std = features[:train_split].std(axis=0)
features = (features - mean) / std

step, past, future, batch_size = 6, 120, 12, 64
train_data, val_data = features[:train_split], features[train_split:]
start = past + future
end = start + train_split
x_train = train_data
y_train = features[start:end][:, [0]]
sequence_length = int(past / step)
dataset_train = keras.preprocessing.timeseries_dataset_from_array(
    x_train, y_train, sequence_length=sequence_length, sampling_rate=step,
    batch_size=batch_size)

x_end = len(val_data) - past - future
label_start = train_split + past + future
x_val = val_data[:x_end]
y_val = features[label_start:][:, [0]]
dataset_val = keras.preprocessing.timeseries_dataset_from_array(
    x_val, y_val, sequence_length=sequence_length, sampling_rate=step, batch_size=batch_size)

for batch in dataset_train:
    inputs, targets = batch
assert tuple(inputs.shape[1:]) == (sequence_length, 2) and tuple(targets.shape[1:]) == (1,)

inputs = keras.layers.Input(shape=(inputs.shape[1], inputs.shape[2]))
lstm_out = keras.layers.LSTM(16)(inputs)
outputs = keras.layers.Dense(1)(lstm_out)
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.005), loss="mse")
model.summary()

path_checkpoint = "model_checkpoint.weights.h5"
es_callback = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0, patience=3)
modelckpt_callback = keras.callbacks.ModelCheckpoint(
    monitor="val_loss", filepath=path_checkpoint, verbose=0, save_weights_only=True,
    save_best_only=True)
history = model.fit(dataset_train, epochs=4, validation_data=dataset_val,
                    callbacks=[es_callback, modelckpt_callback], verbose=0)
print(history.history)
assert history.history["val_loss"][-1] < 0.5  # a sine is easy to forecast

model.load_weights(path_checkpoint)
for x, _y in list(dataset_val)[:2]:
    prediction = model.predict(x, verbose=0)
    assert prediction.shape == (len(x), 1)
print("timeseries_forecasting OK")
