import numpy as np

from numen import keras
from numen.keras import layers

data = np.array([[0.1, 0.2, 0.3], [0.8, 0.9, 1.0], [1.5, 1.6, 1.7]])
layer = layers.Normalization()
layer.adapt(data)
normalized_data = layer(data)
print(f"Features mean: {normalized_data.numpy().mean():.2f}")
print(f"Features std: {normalized_data.numpy().std():.2f}")
assert abs(normalized_data.numpy().mean()) < 1e-5

data = [
    "ξεῖν᾽, ἦ τοι μὲν ὄνειροι ἀμήχανοι ἀκριτόμυθοι",
    "γίγνοντ᾽, οὐδέ τι πάντα τελείεται ἀνθρώποισι.",
    "δοιαὶ γάρ τε πύλαι ἀμενηνῶν εἰσὶν ὀνείρων:",
    "αἱ μὲν γὰρ κεράεσσι τετεύχαται, αἱ δ᾽ ἐλέφαντι:",
]
layer = layers.TextVectorization()
layer.adapt(data)
vectorized_text = layer(data)
print(vectorized_text)

vocab = ["a", "b", "c", "d"]
data = np.array([["a", "c", "d"], ["d", "z", "b"]])
layer = layers.StringLookup(vocabulary=vocab)
vectorized_data = layer(data)
print(vectorized_data)
np.testing.assert_array_equal(np.asarray(vectorized_data), [[1, 3, 4], [4, 0, 2]])

input_shape = (32, 32, 3)
classes = 10
data_augmentation = keras.Sequential(
    [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1), layers.RandomZoom(0.1)]
)
inputs = keras.Input(shape=input_shape)
x = data_augmentation(inputs)
x = layers.Rescaling(1.0 / 255)(x)
x = layers.Conv2D(8, 3, activation="relu")(x)
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(classes)(x)
model = keras.Model(inputs, outputs)
rng = np.random.default_rng(0)
x_train = rng.integers(0, 255, (32, 32, 32, 3)).astype("float32")
y_train = rng.integers(0, 10, (32, 1))
model.compile(
    optimizer="rmsprop", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
)
model.fit(x_train, y_train, epochs=1, batch_size=16, verbose=0)

# Normalizing numerical features
x_train = rng.random((64, 32, 32, 3)).astype("float32")
normalizer = layers.Normalization()
normalizer.adapt(x_train)
inputs = keras.Input(shape=(32, 32, 3))
x = normalizer(inputs)
outputs = layers.Dense(10)(layers.Flatten()(x))
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x_train, rng.integers(0, 10, 64), epochs=1, verbose=0)

# Encoding string categorical features via one-hot encoding
vocab = ["a", "b", "c"]
lookup = layers.StringLookup(vocabulary=vocab, output_mode="one_hot")
test_data = np.array(["a", "b", "c", "d", "e", ""])
encoded_data = lookup(test_data)
print(encoded_data)
assert np.asarray(encoded_data).shape == (6, 4)

# integer categorical features
data = np.array([10, 20, 20, 10, 30, 0])
lookup = layers.IntegerLookup(output_mode="one_hot", mask_token=0)
lookup.adapt(data)
test_data = np.array([10, 10, 20, 50, 60, 0])
encoded_data = lookup(test_data)
print(encoded_data)

# hashing trick
data = np.random.randint(0, 100000, size=(10000, 1))
hasher = layers.Hashing(num_bins=64, salt=1337)
encoder = layers.CategoryEncoding(num_tokens=64, output_mode="multi_hot")
encoded_data = encoder(hasher(data))
print(np.asarray(encoded_data).shape)
assert np.asarray(encoded_data).shape == (10000, 64)

# text as token indices inside a model
adapt_data = np.array(
    [
        "The Brain is wider than the Sky",
        "For put them side by side",
        "The one the other will contain",
        "With ease and You beside",
    ]
)
text_vectorizer = layers.TextVectorization(output_mode="int")
text_vectorizer.adapt(adapt_data)
train_text = np.array(["The Brain is deeper than the sea", "for if they are held Blue to Blue"])
int_sequences = text_vectorizer(train_text)
inputs = keras.Input(shape=(None,), dtype="int64")
x = layers.Embedding(input_dim=text_vectorizer.vocabulary_size(), output_dim=16)(inputs)
x = layers.GRU(8)(x)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="rmsprop", loss="mse")
model.fit(np.asarray(int_sequences), np.array([1.0, 0.0]), epochs=1, verbose=0)
test_data = np.array(["The one the other will absorb"])
print(model.predict(np.asarray(text_vectorizer(test_data)), verbose=0))

# multi-hot / tf-idf
text_vectorizer = layers.TextVectorization(output_mode="multi_hot", ngrams=2)
text_vectorizer.adapt(adapt_data)
print(text_vectorizer(train_text))
text_vectorizer = layers.TextVectorization(output_mode="tf_idf", ngrams=2)
text_vectorizer.adapt(adapt_data)
print(text_vectorizer(train_text))

# a string input end to end
inputs = keras.Input(shape=(1,), dtype="string")
x = text_vectorizer(inputs)
outputs = layers.Dense(1)(x)
end_to_end = keras.Model(inputs, outputs)
print(end_to_end.predict(np.array([["The one the other will absorb"]]), verbose=0))
print("preprocessing_layers OK")
