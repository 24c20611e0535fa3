import os
import tempfile

import numpy as np

from numen import keras
from numen.keras import layers

# A small review folder (the keras.io example downloads IMDB; the steps are the same).
root = tempfile.mkdtemp()
rng = np.random.default_rng(0)
words = {
    "pos": ["great", "wonderful", "loved", "superb"],
    "neg": ["awful", "boring", "hated", "poor"],
}
for label in ("neg", "pos"):
    os.makedirs(os.path.join(root, "train", label))
    for i in range(40):
        text = " ".join(rng.choice(words[label] + ["the", "movie", "was", "<br />"], 12))
        with open(os.path.join(root, "train", label, f"{i}.txt"), "w") as f:
            f.write(text)

batch_size = 16
raw_train_ds = keras.utils.text_dataset_from_directory(
    os.path.join(root, "train"),
    batch_size=batch_size,
    validation_split=0.2,
    subset="training",
    seed=1337,
)
raw_val_ds = keras.utils.text_dataset_from_directory(
    os.path.join(root, "train"),
    batch_size=batch_size,
    validation_split=0.2,
    subset="validation",
    seed=1337,
)
print(raw_train_ds.class_names)
assert raw_train_ds.class_names == ["neg", "pos"]

max_features = 100
sequence_length = 16
vectorize_layer = layers.TextVectorization(
    max_tokens=max_features, output_mode="int", output_sequence_length=sequence_length
)
text_ds = raw_train_ds.map(lambda x, y: x)
vectorize_layer.adapt(text_ds)


def vectorize_text(text, label):
    return vectorize_layer(text), label


train_ds = raw_train_ds.map(vectorize_text)
val_ds = raw_val_ds.map(vectorize_text)

inputs = keras.Input(shape=(None,), dtype="int64")
x = layers.Embedding(max_features, 16)(inputs)
x = layers.Dropout(0.5)(x)
x = layers.Conv1D(16, 3, padding="valid", activation="relu", strides=1)(x)
x = layers.GlobalMaxPooling1D()(x)
x = layers.Dense(16, activation="relu")(x)
predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)
model = keras.Model(inputs, predictions)
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(train_ds, validation_data=val_ds, epochs=8, verbose=0)
print(model.evaluate(val_ds, verbose=0))

# The end-to-end model takes raw strings.
inputs = keras.Input(shape=(1,), dtype="string")
indices = vectorize_layer(inputs)
outputs = model(indices)
end_to_end_model = keras.Model(inputs, outputs)
end_to_end_model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
print(
    end_to_end_model.predict(np.array([["loved superb great"], ["awful boring hated"]]), verbose=0)
)
print("text_classification OK")
