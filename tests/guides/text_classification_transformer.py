"""keras.io example "Text classification with Transformer", step by step: a Transformer block
and a token-plus-position embedding subclassed from Layer, over IMDB-like lists of word ids. The
reviews are made up here (a few "positive" and "negative" word ids among random ones) in place of
the download, and the sizes are small."""

import numpy as np

from numen import keras
from numen.keras import layers, ops


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential(
            [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    # No `training` argument here: Keras hands the call's training flag on to the dropouts.
    def call(self, inputs):
        attended = self.dropout1(self.att(inputs, inputs))
        out1 = self.layernorm1(inputs + attended)
        fed = self.dropout2(self.ffn(out1))
        return self.layernorm2(out1 + fed)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        length = ops.shape(x)[-1]
        positions = self.pos_emb(ops.arange(start=0, stop=length, step=1))
        return self.token_emb(x) + positions


vocab_size = 200
maxlen = 40


def make_reviews(count, rng):
    """Lists of word ids of varied lengths, like keras.datasets.imdb.load_data's, starting with
    the start mark 1; a label-1 review holds some ids 10..19, a label-0 one some ids 20..29."""
    reviews, labels = [], rng.integers(0, 2, count)
    for label in labels:
        words = list(rng.integers(30, vocab_size, rng.integers(8, 60)))
        for _ in range(3):  # the telling words fall in the last `maxlen` that padding keeps
            words.insert(len(words) - rng.integers(0, min(len(words), maxlen - 5)),
                         int(rng.integers(10, 20) if label else rng.integers(20, 30)))
        reviews.append([1] + [int(w) for w in words])
    return reviews, labels


rng = np.random.default_rng(0)
(x_train, y_train), (x_val, y_val) = make_reviews(800, rng), make_reviews(200, rng)
print(len(x_train), "Training sequences")
print(len(x_val), "Validation sequences")
x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen)
x_val = keras.utils.pad_sequences(x_val, maxlen=maxlen)
assert x_train.shape == (800, maxlen) and x_val.shape == (200, maxlen)

embed_dim = 32  # embedding size of each token
num_heads = 2  # attention heads
ff_dim = 32  # hidden layer size of the feed-forward network in the Transformer

inputs = layers.Input(shape=(maxlen,))
embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
x = embedding_layer(inputs)
transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim)
x = transformer_block(x)
assert tuple(x.shape) == (None, maxlen, embed_dim)
x = layers.GlobalAveragePooling1D()(x)
x = layers.Dropout(0.1)(x)
x = layers.Dense(20, activation="relu")(x)
x = layers.Dropout(0.1)(x)
outputs = layers.Dense(2, activation="softmax")(x)
model = keras.Model(inputs=inputs, outputs=outputs)
model.summary()

model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=4, validation_data=(x_val, y_val),
                    verbose=2)
print({k: [round(v, 3) for v in vs] for k, vs in history.history.items()})
assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
assert history.history["loss"][-1] < history.history["loss"][0]
assert history.history["val_accuracy"][-1] > 0.85, history.history["val_accuracy"]

# Dropout is off in inference: two predictions agree, and each row is a distribution.
probs = model.predict(x_val[:8], verbose=0)
assert probs.shape == (8, 2)
np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
np.testing.assert_allclose(model.predict(x_val[:8], verbose=0), probs, rtol=1e-5)
print("text_classification_transformer OK")
