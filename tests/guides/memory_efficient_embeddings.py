"""keras.io example "Memory-efficient embeddings for recommendation systems", step by step: a
baseline rating model (string user and movie ids through Sequential StringLookup + Embedding
encoders, layers.Dot similarity, a sigmoid scaled to the rating range on a KerasTensor), then
the same model with a quotient-remainder embedding (two small Embedding tables indexed by
ops.floor_divide and ops.mod of the looked-up id, combined by multiplication) and a
mixed-dimension embedding (vocabulary blocks of different embedding widths, projected to one
width by Dense or an identity Lambda, selected per id by a mask). Each is trained with MSE and
a MeanAbsoluteError metric, and the parameter counts are compared. The example's own lookup
table (tf.lookup) is written with a StringLookup and ops.take, so the layer stays
backend-agnostic. A synthetic ratings table (popular movies rated more often, as in
MovieLens) stands in for the download; a few hundred ids keep it to seconds."""

import numpy as np

from numen import keras
from numen.keras import layers, ops
from numen.keras.layers import StringLookup

keras.utils.set_random_seed(42)
rng = np.random.default_rng(42)

num_users, num_movies, num_ratings = 120, 400, 6000
user_vocabulary = [f"user_{i}" for i in range(num_users)]
movie_vocabulary = [f"movie_{i}" for i in range(num_movies)]
# Movies sorted by popularity: a Zipf-like draw puts most ratings on the first ids.
popularity = 1.0 / np.arange(1, num_movies + 1) ** 0.8
movie_ids = rng.choice(num_movies, num_ratings, p=popularity / popularity.sum())
user_ids = rng.integers(0, num_users, num_ratings)
user_taste = rng.normal(size=(num_users, 3))
movie_traits = rng.normal(size=(num_movies, 3))
affinity = np.sum(user_taste[user_ids] * movie_traits[movie_ids], axis=1)
ratings = np.clip(np.round(3 + affinity + rng.normal(0, 0.3, num_ratings)), 1, 5)

data = {
    "user_id": np.array(user_vocabulary)[user_ids],
    "movie_id": np.array(movie_vocabulary)[movie_ids],
}
labels = ratings.astype("float32")
split = int(0.85 * num_ratings)
train_data = {k: v[:split] for k, v in data.items()}
eval_data = {k: v[split:] for k, v in data.items()}
train_labels, eval_labels = labels[:split], labels[split:]

base_embedding_dim = 16
learning_rate = 0.01
batch_size = 128
num_epochs = 3


def run_experiment(model):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.MeanSquaredError(),
        metrics=[keras.metrics.MeanAbsoluteError(name="mae")],
    )
    history = model.fit(train_data, train_labels, batch_size=batch_size, epochs=num_epochs,
                        validation_data=(eval_data, eval_labels), verbose=0)
    return history


def embedding_encoder(vocabulary, embedding_dim, num_oov_indices=0, name=None):
    return keras.Sequential(
        [
            StringLookup(vocabulary=vocabulary, mask_token=None,
                         num_oov_indices=num_oov_indices),
            layers.Embedding(input_dim=len(vocabulary) + num_oov_indices,
                             output_dim=embedding_dim),
        ],
        name=f"{name}_embedding" if name else None,
    )


def create_model(movie_encoder, name):
    """The example's three models differ only in how the movie id is embedded."""
    user_input = layers.Input(name="user_id", shape=(), dtype="string")
    user_embedding = embedding_encoder(vocabulary=user_vocabulary,
                                       embedding_dim=base_embedding_dim,
                                       name="user")(user_input)
    movie_input = layers.Input(name="movie_id", shape=(), dtype="string")
    movie_embedding = movie_encoder(movie_input)
    logits = layers.Dot(axes=1, name="dot_similarity")([user_embedding, movie_embedding])
    # Into the rating scale.
    prediction = keras.activations.sigmoid(logits) * 5
    return keras.Model(inputs=[user_input, movie_input], outputs=prediction, name=name)


def create_baseline_model():
    return create_model(embedding_encoder(vocabulary=movie_vocabulary,
                                          embedding_dim=base_embedding_dim, name="movie"),
                        "baseline_model")


baseline_model = create_baseline_model()
baseline_model.summary()
history = run_experiment(baseline_model)
baseline_mae = history.history["val_mae"][-1]
print("baseline val_mae:", baseline_mae)
assert history.history["loss"][-1] < history.history["loss"][0]
full_params = baseline_model.get_layer("movie_embedding").count_params()
assert full_params == num_movies * base_embedding_dim


class QREmbedding(keras.layers.Layer):
    def __init__(self, vocabulary, embedding_dim, num_buckets, name=None):
        super().__init__(name=name)
        self.num_buckets = num_buckets
        self.index_lookup = StringLookup(vocabulary=vocabulary, mask_token=None,
                                         num_oov_indices=0)
        self.q_embeddings = layers.Embedding(num_buckets, embedding_dim)
        self.r_embeddings = layers.Embedding(num_buckets, embedding_dim)

    def call(self, inputs):
        embedding_index = self.index_lookup(inputs)
        quotient_index = ops.floor_divide(embedding_index, self.num_buckets)
        remainder_index = ops.mod(embedding_index, self.num_buckets)
        quotient_embedding = self.q_embeddings(quotient_index)
        remainder_embedding = self.r_embeddings(remainder_index)
        # Multiplication combines the two.
        return quotient_embedding * remainder_embedding


# Two ids share a quotient or a remainder, never both: their vectors differ.
qr = QREmbedding(vocabulary=movie_vocabulary, embedding_dim=4, num_buckets=20)
vectors = ops.convert_to_numpy(qr(np.array(["movie_3", "movie_23", "movie_43", "movie_3"])))
assert vectors.shape == (4, 4)
np.testing.assert_array_equal(vectors[0], vectors[3])
assert not np.allclose(vectors[0], vectors[1]) and not np.allclose(vectors[1], vectors[2])
# What the lookup does, in ops: "movie_43" is index 43 = 2 * 20 + 3.
q = ops.convert_to_numpy(qr.q_embeddings(np.array([2])))
r = ops.convert_to_numpy(qr.r_embeddings(np.array([3])))
np.testing.assert_allclose(vectors[2], (q * r)[0], rtol=1e-6)


def create_qr_model(num_buckets):
    return create_model(QREmbedding(vocabulary=movie_vocabulary,
                                    embedding_dim=base_embedding_dim,
                                    num_buckets=num_buckets, name="movie_embedding"),
                        "qr_model")


qr_model = create_qr_model(num_buckets=20)
qr_model.summary()
history = run_experiment(qr_model)
print("QR val_mae:", history.history["val_mae"][-1])
assert history.history["loss"][-1] < history.history["loss"][0]
qr_params = qr_model.get_layer("movie_embedding").count_params()
assert qr_params == 2 * 20 * base_embedding_dim and qr_params < full_params / 5


class MDEmbedding(keras.layers.Layer):
    def __init__(self, blocks_vocabulary, blocks_embedding_dims, base_embedding_dim,
                 name=None):
        super().__init__(name=name)
        self.num_blocks = len(blocks_vocabulary)
        self.base_embedding_dim = base_embedding_dim
        # Which block each id falls in: a lookup over all of them, then a table of block
        # indices (index 0 is for ids in no block).
        keys, values = [], []
        for block_idx, block_vocab in enumerate(blocks_vocabulary):
            keys.extend(block_vocab)
            values.extend([block_idx] * len(block_vocab))
        self.vocab_lookup = StringLookup(vocabulary=keys, mask_token=None, num_oov_indices=1)
        self.block_of_index = ops.convert_to_tensor(np.array([-1] + values), dtype="int32")

        self.block_embedding_encoders = []
        self.block_embedding_projectors = []
        for idx in range(self.num_blocks):
            vocabulary = blocks_vocabulary[idx]
            embedding_dim = blocks_embedding_dims[idx]
            self.block_embedding_encoders.append(
                embedding_encoder(vocabulary, embedding_dim, num_oov_indices=1)
            )
            if embedding_dim == base_embedding_dim:
                self.block_embedding_projectors.append(layers.Lambda(lambda x: x))
            else:
                self.block_embedding_projectors.append(layers.Dense(units=base_embedding_dim))

    def call(self, inputs):
        block_indices = ops.take(self.block_of_index, self.vocab_lookup(inputs))
        embeddings = ops.zeros((ops.shape(inputs)[0], self.base_embedding_dim))
        for idx in range(self.num_blocks):
            block_embeddings = self.block_embedding_encoders[idx](inputs)
            block_embeddings = self.block_embedding_projectors[idx](block_embeddings)
            # Zero where the id is in another block.
            mask = ops.expand_dims(ops.cast(ops.equal(block_indices, idx), "float32"), 1)
            embeddings += block_embeddings * mask
        return embeddings


# Popular movies get wide embeddings, rare ones narrow ones.
movie_frequencies = np.bincount(movie_ids[:split], minlength=num_movies)
sorted_vocabulary = [movie_vocabulary[i] for i in np.argsort(-movie_frequencies,
                                                             kind="stable")]
movie_blocks_vocabulary = [sorted_vocabulary[:40], sorted_vocabulary[40:160],
                           sorted_vocabulary[160:]]
movie_blocks_embedding_dims = [16, 8, 4]

md = MDEmbedding(movie_blocks_vocabulary, movie_blocks_embedding_dims, base_embedding_dim)
probe_ids = np.array([movie_blocks_vocabulary[0][0], movie_blocks_vocabulary[2][5]])
probe = ops.convert_to_numpy(md(probe_ids))
assert probe.shape == (2, base_embedding_dim)
# The first id is in the widest block, whose projector is the identity: its row is the raw
# embedding of that block's encoder.
raw = ops.convert_to_numpy(md.block_embedding_encoders[0](probe_ids[:1]))
np.testing.assert_allclose(probe[0], raw[0], rtol=1e-6)


def create_md_model():
    return create_model(MDEmbedding(blocks_vocabulary=movie_blocks_vocabulary,
                                    blocks_embedding_dims=movie_blocks_embedding_dims,
                                    base_embedding_dim=base_embedding_dim,
                                    name="movie_embedding"),
                        "md_model")


md_model = create_md_model()
md_model.summary()
history = run_experiment(md_model)
print("MD val_mae:", history.history["val_mae"][-1])
assert history.history["loss"][-1] < history.history["loss"][0]
md_params = md_model.get_layer("movie_embedding").count_params()
expected_md = (41 * 16) + (121 * 8 + 8 * 16 + 16) + (241 * 4 + 4 * 16 + 16)
assert md_params == expected_md and md_params < full_params, (md_params, expected_md)
predictions = md_model.predict({k: v[:5] for k, v in eval_data.items()}, verbose=0)
assert predictions.shape == (5, 1) and np.all((predictions > 0) & (predictions < 5))

print("memory_efficient_embeddings OK")
