"""keras.io example "Bidirectional LSTM on IMDB", step by step: an Embedding, two stacked
Bidirectional LSTMs (the first returning sequences) and a sigmoid, over IMDB-like lists of word
ids padded with pad_sequences. Made-up reviews and small sizes in place of the download."""

import numpy as np

from numen import keras
from numen.keras import layers

max_features = 300  # only the most frequent word ids
maxlen = 24  # the first words of each review kept


def make_reviews(count, rng):
    """Lists of word ids of varied lengths; a label-1 review opens with a few ids 10..29."""
    labels = rng.integers(0, 2, count)
    reviews = []
    for label in labels:
        words = list(rng.integers(40, max_features, rng.integers(6, 40)))
        marks = rng.integers(10, 30, 3) if label else rng.integers(30, 40, 3)
        reviews.append([1] + [int(w) for w in marks] + [int(w) for w in words])
    return reviews, labels


# Input for variable-length sequences of integers.
inputs = keras.Input(shape=(None,), dtype="int32")
# Each integer embedded in a 16-dimensional vector.
x = layers.Embedding(max_features, 16)(inputs)
# Two bidirectional LSTMs.
x = layers.Bidirectional(layers.LSTM(8, return_sequences=True))(x)
x = layers.Bidirectional(layers.LSTM(8))(x)
# A classifier.
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.summary()
assert model.output_shape == (None, 1)
assert model.layers[2].output.shape == (None, None, 16)  # both directions' 8 features

rng = np.random.default_rng(0)
(x_train, y_train), (x_val, y_val) = make_reviews(480, rng), make_reviews(120, rng)
print(len(x_train), "Training sequences")
print(len(x_val), "Validation sequences")
# pad_sequences pads and truncates at the front by default; these reviews are cut at the end
# so that the telling words at their start are kept.
x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen, truncating="post")
x_val = keras.utils.pad_sequences(x_val, maxlen=maxlen, truncating="post")
assert x_train.shape == (480, maxlen) and x_train.dtype == np.int32

model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=8, validation_data=(x_val, y_val),
                    verbose=2)
print({k: [round(v, 3) for v in vs] for k, vs in history.history.items()})
assert history.history["val_accuracy"][-1] > 0.8, history.history  # chance is 0.5
# Sequences of another length go through the same model (the Input's time axis is None).
assert model.predict(x_val[:4, :10], verbose=0).shape == (4, 1)
print("bidirectional_lstm OK")
