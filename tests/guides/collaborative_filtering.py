"""keras.io example "Collaborative Filtering for Movie Recommendations", step by step: user and
movie ids encoded to indices, ratings scaled to [0, 1], and a subclassed Model with user and
movie embeddings and biases, combined with ops.tensordot and a sigmoid. Ratings from a made-up
taste model (generous users, liked movies, genres) in place of the MovieLens download."""

import numpy as np

from numen import keras
from numen.keras import layers, ops

keras.utils.set_random_seed(42)
rng = np.random.default_rng(42)
n_users, n_movies, n_ratings = 60, 40, 1500
# Raw ids as MovieLens has them: not contiguous.
user_ids = rng.choice(np.arange(1000, 5000), n_users, replace=False)
movie_ids = rng.choice(np.arange(1, 200_000), n_movies, replace=False)
taste, genre = rng.normal(size=(n_users, 3)), rng.normal(size=(n_movies, 3))
pairs = rng.choice(n_users * n_movies, n_ratings, replace=False)
ratings_user, ratings_movie = pairs // n_movies, pairs % n_movies
generous, liked = rng.normal(0, 1.5, n_users), rng.normal(0, 1.5, n_movies)
score = generous[ratings_user] + liked[ratings_movie] + 0.5 * (
    taste[ratings_user] * genre[ratings_movie]).sum(1)
rating = np.clip(np.round(6 + score) / 2, 0.5, 5.0)  # half stars, 0.5 to 5

# Encode the ids as consecutive indices.
user_id_list = list(dict.fromkeys(user_ids[ratings_user].tolist()))
user2user_encoded = {x: i for i, x in enumerate(user_id_list)}
movie_id_list = list(dict.fromkeys(movie_ids[ratings_movie].tolist()))
movie2movie_encoded = {x: i for i, x in enumerate(movie_id_list)}
user = np.array([user2user_encoded[u] for u in user_ids[ratings_user]])
movie = np.array([movie2movie_encoded[m] for m in movie_ids[ratings_movie]])
num_users, num_movies = len(user2user_encoded), len(movie2movie_encoded)
rating = rating.astype(np.float32)
min_rating, max_rating = min(rating), max(rating)
print(f"Number of users: {num_users}, Number of Movies: {num_movies}, "
      f"Min rating: {min_rating}, Max rating: {max_rating}")

# Shuffle, scale the targets to [0, 1], and keep 90% for training.
order = rng.permutation(n_ratings)
x = np.stack([user, movie], axis=1)[order]
y = ((rating - min_rating) / (max_rating - min_rating))[order]
train_indices = int(0.9 * n_ratings)
x_train, x_val, y_train, y_val = (x[:train_indices], x[train_indices:], y[:train_indices],
                                  y[train_indices:])

EMBEDDING_SIZE = 16


class RecommenderNet(keras.Model):
    def __init__(self, num_users, num_movies, embedding_size, **kwargs):
        super().__init__(**kwargs)
        self.num_users = num_users
        self.num_movies = num_movies
        self.embedding_size = embedding_size
        self.user_embedding = layers.Embedding(
            num_users, embedding_size, embeddings_initializer="he_normal",
            embeddings_regularizer=keras.regularizers.l2(1e-6))
        self.user_bias = layers.Embedding(num_users, 1)
        self.movie_embedding = layers.Embedding(
            num_movies, embedding_size, embeddings_initializer="he_normal",
            embeddings_regularizer=keras.regularizers.l2(1e-6))
        self.movie_bias = layers.Embedding(num_movies, 1)

    def call(self, inputs):
        user_vector = self.user_embedding(inputs[:, 0])
        user_bias = self.user_bias(inputs[:, 0])
        movie_vector = self.movie_embedding(inputs[:, 1])
        movie_bias = self.movie_bias(inputs[:, 1])
        # As in the example: tensordot over both axes sums the products over the whole batch
        # into one number, added to every row's biases.
        dot_user_movie = ops.tensordot(user_vector, movie_vector, 2)
        x = dot_user_movie + user_bias + movie_bias
        return ops.nn.sigmoid(x)


model = RecommenderNet(num_users, num_movies, EMBEDDING_SIZE)
model.compile(loss=keras.losses.BinaryCrossentropy(),
              optimizer=keras.optimizers.Adam(learning_rate=0.01))
history = model.fit(x=x_train, y=y_train, batch_size=64, epochs=5, verbose=2,
                    validation_data=(x_val, y_val))
print({k: [round(v, 4) for v in vs] for k, vs in history.history.items()})
# The biases learn who rates high and what is rated high: predictions follow the ratings.
val_pred = model.predict(x_val, batch_size=len(x_val), verbose=0)[:, 0]
correlation = np.corrcoef(val_pred, y_val)[0, 1]
print("correlation of predicted and true validation ratings:", correlation)
assert correlation > 0.4, correlation
# The L2 penalties on the embeddings are part of the training loss.
assert len(model.losses) == 2 and all(float(p) > 0 for p in model.losses)

# Recommendations for one user: the movies not rated yet, scored.
user_id = user_id_list[0]
rated = set(movie[user == user2user_encoded[user_id]].tolist())
not_watched = [m for m in range(num_movies) if m not in rated]
user_movie_array = np.hstack(([[user2user_encoded[user_id]]] * len(not_watched),
                              np.array(not_watched)[:, None]))
ratings = model.predict(user_movie_array, verbose=0).flatten()
assert ratings.shape == (len(not_watched),) and np.all((ratings > 0) & (ratings < 1))
top_ratings_indices = ratings.argsort()[-10:][::-1]  # (fewer when fewer are left)
recommended_movie_ids = [movie_id_list[not_watched[i]] for i in top_ratings_indices]
print("Top 10 movie recommendations for user", user_id, ":", recommended_movie_ids)
assert len(set(recommended_movie_ids)) == min(10, len(not_watched))
print("collaborative_filtering OK")
