"""keras.io example "Evaluating and exporting scikit-learn metrics in a Keras callback", step by
step: a Callback subclass that does not call super().__init__(), reaches the model through
self.model in on_epoch_end, predicts on held-out data, scores the predictions with
sklearn.metrics.jaccard_score(average=None) and averages the per-class scores with a
keras.metrics.Mean updated on an array. The example writes the value with tf.summary; here it
is written into the epoch's logs (so History keeps it) and a small log file. scikit-learn's
8x8 digits stand in for MNIST; a small convnet trains for a few epochs in seconds."""

import os
import tempfile

import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import jaccard_score

from numen import keras
from numen.keras import layers

keras.utils.set_random_seed(1)

digits = load_digits()
x = (digits.images / 16.0).astype("float32")[..., None]  # (1797, 8, 8, 1) in [0, 1]
y = digits.target
x_train, y_train = x[:1400], y[:1400]
x_test, y_test = x[1400:], y[1400:]
num_classes = 10
input_shape = (8, 8, 1)

model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(num_classes, activation="softmax"),
    ]
)
model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(0.01),
              metrics=["accuracy"])


class JaccardScoreCallback(keras.callbacks.Callback):
    """Computes the Jaccard score of the held-out data after each epoch and records it."""

    def __init__(self, name, x_test, y_test, log_dir):
        self.x_test = x_test
        self.y_test = y_test
        self.keras_metric = keras.metrics.Mean("jaccard_score")
        self.epoch = 0
        self.path = os.path.join(log_dir, name)
        self.values = []

    def on_epoch_end(self, batch, logs=None):
        self.epoch += 1
        self.keras_metric.reset_state()
        predictions = self.model.predict(self.x_test, verbose=0)
        jaccard_value = jaccard_score(np.argmax(predictions, axis=-1), self.y_test,
                                      average=None)
        self.keras_metric.update_state(jaccard_value)
        value = float(self.keras_metric.result())
        # The mean of the per-class scores, as the Mean metric computed it.
        np.testing.assert_allclose(value, np.mean(jaccard_value), rtol=1e-6)
        self._write_metric(self.keras_metric.name, value)
        logs[self.keras_metric.name] = value

    def _write_metric(self, name, value):
        self.values.append(value)
        with open(self.path, "a") as f:
            f.write(f"{self.epoch} {name} {value:.6f}\n")


log_dir = tempfile.mkdtemp()
callbacks = [JaccardScoreCallback(model.name, x_test, y_test, log_dir)]
history = model.fit(x_train, y_train, batch_size=64, epochs=4, validation_split=0.1,
                    callbacks=callbacks, verbose=0)
print(history.history)

scores = callbacks[0].values
assert len(scores) == 4 and scores[-1] > scores[0], scores
assert scores[-1] > 0.7, scores
# The callback's entry in the logs reached History, beside the compiled metrics.
assert history.history["jaccard_score"] == scores
assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(history.history)
with open(os.path.join(log_dir, model.name)) as f:
    lines = f.read().splitlines()
assert [int(line.split()[0]) for line in lines] == [1, 2, 3, 4]

print("sklearn_metric_callback OK")
