"""keras.io example "Using pre-trained word embeddings", step by step: a TextVectorization layer
adapted on the training texts (max_tokens, output_sequence_length), its vocabulary read back
with get_vocabulary() into a word index, an embedding matrix filled from a word -> vector table
(hits and misses counted), a frozen Embedding (trainable=False) built and given that matrix with
set_weights, a Conv1D/MaxPooling1D/GlobalMaxPooling1D classifier trained with rmsprop and the
"acc" metric, and an end-to-end model taking raw strings (vectorizer + trained model). Synthetic
four-topic messages and a random 16-dimensional "GloVe" table for most of their words stand in
for the Newsgroup20 files and glove.6B.100d.txt; short texts and 2 epochs keep it to seconds.
(Keras's own TextVectorization needs TensorFlow: with Keras on JAX, everything up to the
end-to-end string model was checked with numen's vectorizer in its place.)"""

import numpy as np

from numen import keras
from numen.keras import layers

keras.utils.set_random_seed(1337)
rng = np.random.default_rng(0)

class_names = ["comp.graphics", "rec.autos", "sci.space", "talk.politics"]
topic_words = [
    ["computer", "graphics", "render", "pixel", "3d", "modeling"],
    ["car", "engine", "wheel", "drive", "brake", "road"],
    ["orbit", "rocket", "nasa", "launch", "moon", "planet"],
    ["vote", "senate", "law", "policy", "election", "party"],
]
common = ["the", "a", "is", "about", "this", "message", "and", "of"]

samples, labels = [], []
for _ in range(160):
    label = int(rng.integers(len(class_names)))
    words = rng.choice(topic_words[label] + common, int(rng.integers(20, 40)))
    samples.append(" ".join(words))
    labels.append(label)

# Shuffle and split the data into training & validation sets
validation_split = 0.2
num_validation_samples = int(validation_split * len(samples))
train_samples = samples[:-num_validation_samples]
val_samples = samples[-num_validation_samples:]
train_labels = labels[:-num_validation_samples]
val_labels = labels[-num_validation_samples:]

# Create a vocabulary index
vectorizer = layers.TextVectorization(max_tokens=200, output_sequence_length=40)
vectorizer.adapt(np.array(train_samples))
voc = vectorizer.get_vocabulary()
print(voc[:5])
assert voc[:2] == ["", "[UNK]"]

output = vectorizer([["the cat sat on the mat"]])
output = keras.ops.convert_to_numpy(output)
assert output.shape == (1, 40)
print(output[0, :6])

voc = vectorizer.get_vocabulary()
word_index = dict(zip(voc, range(len(voc))))
test = ["the", "cat", "sat", "on", "the", "mat"]
# Out-of-vocabulary words map to the [UNK] index, 1.
np.testing.assert_array_equal(output[0, :6], [word_index.get(w, 1) for w in test])

# Load pre-trained word embeddings: a table missing one word per topic.
embedding_dim = 16
embeddings_index = {}
for words in topic_words:
    for word in words[:-1]:
        embeddings_index[word] = rng.normal(0, 1, embedding_dim).astype("float32")
for word in common:
    embeddings_index[word] = rng.normal(0, 1, embedding_dim).astype("float32")
print(f"Found {len(embeddings_index)} word vectors.")

num_tokens = len(voc) + 2
hits = 0
misses = 0

# Prepare embedding matrix
embedding_matrix = np.zeros((num_tokens, embedding_dim))
for word, i in word_index.items():
    embedding_vector = embeddings_index.get(word)
    if embedding_vector is not None:
        # Words not found in embedding index will be all-zeros.
        # This includes the representation for "padding" and "OOV"
        embedding_matrix[i] = embedding_vector
        hits += 1
    else:
        misses += 1
print(f"Converted {hits} words ({misses} misses)")
assert (hits, misses) == (len(embeddings_index), len(voc) - len(embeddings_index))

embedding_layer = layers.Embedding(num_tokens, embedding_dim, trainable=False)
embedding_layer.build((1,))
embedding_layer.set_weights([embedding_matrix])
assert embedding_layer.trainable_weights == [] and len(embedding_layer.non_trainable_weights) == 1

# Build the model
int_sequences_input = keras.Input(shape=(None,), dtype="int32")
embedded_sequences = embedding_layer(int_sequences_input)
x = layers.Conv1D(32, 5, activation="relu")(embedded_sequences)
x = layers.MaxPooling1D(2)(x)
x = layers.Conv1D(32, 5, activation="relu")(x)
x = layers.MaxPooling1D(2)(x)
x = layers.Conv1D(32, 5, activation="relu")(x)
x = layers.GlobalMaxPooling1D()(x)
x = layers.Dense(32, activation="relu")(x)
x = layers.Dropout(0.5)(x)
preds = layers.Dense(len(class_names), activation="softmax")(x)
model = keras.Model(int_sequences_input, preds)
model.summary()

# Train the model
x_train = keras.ops.convert_to_numpy(vectorizer(np.array([[s] for s in train_samples])))
x_val = keras.ops.convert_to_numpy(vectorizer(np.array([[s] for s in val_samples])))

y_train = np.array(train_labels)
y_val = np.array(val_labels)

model.compile(loss="sparse_categorical_crossentropy", optimizer="rmsprop", metrics=["acc"])
history = model.fit(x_train, y_train, batch_size=32, epochs=2,
                    validation_data=(x_val, y_val), verbose=2)
assert set(history.history) == {"loss", "acc", "val_loss", "val_acc"}
# The frozen embedding is unchanged by training.
np.testing.assert_array_equal(embedding_layer.get_weights()[0], embedding_matrix)

# Export an end-to-end model
string_input = keras.Input(shape=(1,), dtype="string")
x = vectorizer(string_input)
preds = model(x)
end_to_end_model = keras.Model(string_input, preds)

probabilities = end_to_end_model(np.array([["this message is about computer graphics and 3d "
                                            "modeling"]]))
probabilities = keras.ops.convert_to_numpy(probabilities)
assert probabilities.shape == (1, len(class_names))
print(class_names[np.argmax(probabilities[0])])
np.testing.assert_allclose(
    probabilities, model.predict(vectorizer(np.array([["this message is about computer "
                                                       "graphics and 3d modeling"]])),
                                 verbose=0), rtol=1e-5)

print("pretrained_word_embeddings OK")
