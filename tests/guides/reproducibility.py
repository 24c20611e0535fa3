"""keras.io example "Reproducibility in Keras Models", step by step: keras.utils.set_random_seed
making the unseeded random ops, initializers and dropout repeat, integer seeds making one call
repeat itself, a SeedGenerator giving a fresh draw per call and the same sequence when rebuilt,
seeded initializers and Dropout layers, and a model trained twice from the same global seed
ending with the same history and weights. Random values are the backend's own (numen's differ
from JAX's), so what is checked is that they repeat; a tiny MLP on random data keeps it fast."""

import numpy as np

from numen import keras
from numen.keras import layers

keras.utils.set_random_seed(812)


def generate_random_numbers(func, seed=1337):
    return keras.ops.convert_to_numpy(func(shape=(3,), seed=seed))


# Random ops with an integer seed give the same numbers at every call ...
for func in (keras.random.normal, keras.random.uniform, keras.random.truncated_normal):
    first, second = generate_random_numbers(func), generate_random_numbers(func)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, generate_random_numbers(func, seed=1338))

# ... while unseeded ones draw afresh, in an order set_random_seed fixes.
keras.utils.set_random_seed(812)
run_1 = [keras.ops.convert_to_numpy(keras.random.normal(shape=(3,))) for _ in range(2)]
keras.utils.set_random_seed(812)
run_2 = [keras.ops.convert_to_numpy(keras.random.normal(shape=(3,))) for _ in range(2)]
assert not np.array_equal(run_1[0], run_1[1])
np.testing.assert_array_equal(run_1, run_2)

# A SeedGenerator: a new draw per call, the same sequence for the same seed.
seed = keras.random.SeedGenerator(1337)
a, b = (keras.ops.convert_to_numpy(keras.random.normal(shape=(2,), seed=seed)) for _ in "ab")
assert not np.array_equal(a, b)
seed = keras.random.SeedGenerator(1337)
np.testing.assert_array_equal(keras.random.normal(shape=(2,), seed=seed), a)
np.testing.assert_array_equal(keras.random.normal(shape=(2,), seed=seed), b)


# Initializers: a seed makes two layers start alike; without one they differ.
def get_random_weights(seed=None):
    layer = layers.Dense(4, kernel_initializer=keras.initializers.GlorotUniform(seed=seed))
    layer.build((None, 3))
    return keras.ops.convert_to_numpy(layer.kernel)


np.testing.assert_array_equal(get_random_weights(seed=42), get_random_weights(seed=42))
assert not np.array_equal(get_random_weights(), get_random_weights())

# Dropout: a seeded layer drops the same units on every new layer.
x = np.ones((4, 10), "float32")
drops = [keras.ops.convert_to_numpy(layers.Dropout(0.5, seed=7)(x, training=True))
         for _ in range(2)]
np.testing.assert_array_equal(drops[0], drops[1])
assert set(np.unique(drops[0])) == {0.0, 2.0}
# In inference Dropout does nothing.
np.testing.assert_array_equal(layers.Dropout(0.5, seed=7)(x, training=False), x)


# Training twice from the same global seed ends in the same place.
def train_model():
    keras.utils.set_random_seed(812)
    rng = np.random.default_rng(0)
    x_train = rng.random((64, 8)).astype("float32")
    y_train = (x_train.sum(1) > 4).astype("float32")
    model = keras.Sequential([
        keras.Input((8,)),
        layers.Dense(16, activation="relu"),
        layers.Dropout(0.3),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=16, epochs=2, shuffle=True, verbose=0)
    return history.history, model.get_weights()


history_1, weights_1 = train_model()
history_2, weights_2 = train_model()
assert history_1 == history_2
for w1, w2 in zip(weights_1, weights_2):
    np.testing.assert_array_equal(w1, w2)

print("reproducibility OK")
