"""keras.io example "Next-Frame Video Prediction with Convolutional LSTMs", step by step:
videos split into shifted input/target frame sequences, a model on keras.Input(shape=(None,
h, w, 1)) (any number of frames) stacking ConvLSTM2D(return_sequences=True, activation="relu")
layers of several kernel sizes with BatchNormalization between them and a sigmoid Conv3D
head, binary_crossentropy with EarlyStopping and ReduceLROnPlateau, then predicting new frames
one at a time by feeding each prediction back onto the end of the sequence. Synthetic videos
(a bright square drifting one pixel a frame) stand in for Moving MNIST; 8x8 frames, 6-frame
clips and 4 filters keep it to seconds."""

import numpy as np

from numen import keras
from numen.keras import layers

keras.utils.set_random_seed(3)
rng = np.random.default_rng(3)

FRAMES, SIZE = 6, 8


def make_videos(count):
    """(count, FRAMES, SIZE, SIZE) videos of a 2x2 square moving by a fixed step."""
    videos = np.zeros((count, FRAMES, SIZE, SIZE), "float32")
    for i in range(count):
        y, x = rng.integers(0, SIZE - 2, 2)
        dy, dx = rng.choice([-1, 1], 2)
        for t in range(FRAMES):
            videos[i, t, y:y + 2, x:x + 2] = 1.0
            if not 0 <= y + dy <= SIZE - 2:
                dy = -dy
            if not 0 <= x + dx <= SIZE - 2:
                dx = -dx
            y, x = y + dy, x + dx
    return videos


dataset = make_videos(40)
# Add a channel dimension since the images are grayscale.
dataset = np.expand_dims(dataset, axis=-1)

indexes = np.arange(dataset.shape[0])
rng.shuffle(indexes)
train_index = indexes[: int(0.9 * dataset.shape[0])]
val_index = indexes[int(0.9 * dataset.shape[0]):]
train_dataset = dataset[train_index]
val_dataset = dataset[val_index]


def create_shifted_frames(data):
    """Inputs are frames 0..n-2, targets frames 1..n-1: each step predicts the next frame."""
    x = data[:, 0: data.shape[1] - 1, :, :]
    y = data[:, 1: data.shape[1], :, :]
    return x, y


x_train, y_train = create_shifted_frames(train_dataset)
x_val, y_val = create_shifted_frames(val_dataset)
print("Training Dataset Shapes: " + str(x_train.shape) + ", " + str(y_train.shape))
print("Validation Dataset Shapes: " + str(x_val.shape) + ", " + str(y_val.shape))
assert x_train.shape == (36, FRAMES - 1, SIZE, SIZE, 1)
np.testing.assert_array_equal(x_train[:, 1:], y_train[:, :-1])

inp = layers.Input(shape=(None, *x_train.shape[2:]))

x = layers.ConvLSTM2D(
    filters=4, kernel_size=(5, 5), padding="same", return_sequences=True, activation="relu",
)(inp)
x = layers.BatchNormalization()(x)
x = layers.ConvLSTM2D(
    filters=4, kernel_size=(3, 3), padding="same", return_sequences=True, activation="relu",
)(x)
x = layers.BatchNormalization()(x)
x = layers.ConvLSTM2D(
    filters=4, kernel_size=(1, 1), padding="same", return_sequences=True, activation="relu",
)(x)
x = layers.Conv3D(filters=1, kernel_size=(3, 3, 3), activation="sigmoid", padding="same")(x)

model = keras.models.Model(inp, x)
model.compile(loss=keras.losses.binary_crossentropy, optimizer=keras.optimizers.Adam())
model.summary()
assert model.output_shape == (None, None, SIZE, SIZE, 1)
# ConvLSTM2D holds one kernel for its four gates: (kh, kw, in, 4 * filters).
assert model.layers[1].weights[0].shape == (5, 5, 1, 16)

early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=10)
reduce_lr = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", patience=5)

epochs = 4
batch_size = 6
history = model.fit(
    x_train, y_train, batch_size=batch_size, epochs=epochs,
    validation_data=(x_val, y_val), callbacks=[early_stopping, reduce_lr], verbose=2,
)
losses = history.history["loss"]
assert all(np.isfinite(losses)) and losses[-1] < losses[0]
assert "learning_rate" in history.history

# Frame prediction: start from the first frames of a validation video and append each
# predicted frame to the sequence before predicting the one after it.
example = val_dataset[np.random.choice(range(len(val_dataset)), size=1)[0]]
frames = example[:3, ...]
original_frames = example[3:, ...]

for _ in range(FRAMES - 3):
    new_prediction = model.predict(np.expand_dims(frames, axis=0), verbose=0)
    new_prediction = np.squeeze(new_prediction, axis=0)
    predicted_frame = np.expand_dims(new_prediction[-1, ...], axis=0)
    frames = np.concatenate((frames, predicted_frame), axis=0)

assert frames.shape == (FRAMES, SIZE, SIZE, 1)
new_frames = frames[3:, ...]
assert new_frames.shape == original_frames.shape
assert np.all((new_frames >= 0) & (new_frames <= 1))

# The model takes sequences of any length: one frame in, one frame out.
assert model.predict(example[:1][None], verbose=0).shape == (1, 1, SIZE, SIZE, 1)

print("conv_lstm OK")
