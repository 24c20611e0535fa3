"""keras.io example "Image similarity estimation using a Siamese Network with a contrastive
loss", step by step: pairs of digit images, one embedding network shared by two inputs, a Lambda
layer computing the Euclidean distance, and a contrastive loss written with keras.ops. The digits
are a synthetic stand-in with MNIST's shapes (28x28, labels 0-9), and fewer of them."""

import random

import numpy as np

from numen import keras
from numen.keras import ops

epochs = 4
batch_size = 16
margin = 1  # margin of the contrastive loss


def make_digits(count, rng):
    """(images (count, 28, 28) uint8, labels (count,) uint8): a bar at a height per class."""
    labels = rng.integers(0, 10, count).astype("uint8")
    images = np.zeros((count, 28, 28), "float32")
    for i, label in enumerate(labels):
        start = rng.integers(2, 10)
        images[i, 4 + 2 * label: 6 + 2 * label, start: start + rng.integers(10, 17)] = 1.0
    images = np.clip(images * 220 + rng.normal(0, 25, images.shape), 0, 255)
    return images.astype("uint8"), labels


rng = np.random.default_rng(0)
random.seed(0)
(x_train_val, y_train_val), (x_test, y_test) = make_digits(350, rng), make_digits(100, rng)
x_train_val = x_train_val.astype("float32")
y_train_val = y_train_val.astype("float32")
x_test = x_test.astype("float32")
y_test = y_test.astype("float32")

# Keep 60% for training and 40% for validation, as the example splits MNIST's training set.
x_train, x_val = x_train_val[:200], x_train_val[200:]
y_train, y_val = y_train_val[:200], y_train_val[200:]
del x_train_val, y_train_val


def make_pairs(x, y):
    """Each image twice: with an image of its class (label 0, no distance) and of another class
    (label 1)."""
    num_classes = int(max(y)) + 1
    digit_indices = [np.where(y == i)[0] for i in range(num_classes)]
    pairs, labels = [], []
    for idx1 in range(len(x)):
        x1, label1 = x[idx1], int(y[idx1])
        idx2 = random.choice(digit_indices[label1])
        pairs += [[x1, x[idx2]]]
        labels += [0]
        label2 = random.randint(0, num_classes - 1)
        while label2 == label1:
            label2 = random.randint(0, num_classes - 1)
        idx2 = random.choice(digit_indices[label2])
        pairs += [[x1, x[idx2]]]
        labels += [1]
    return np.array(pairs), np.array(labels).astype("float32")


pairs_train, labels_train = make_pairs(x_train, y_train)
pairs_val, labels_val = make_pairs(x_val, y_val)
pairs_test, labels_test = make_pairs(x_test, y_test)
assert pairs_train.shape == (400, 2, 28, 28) and labels_train.mean() == 0.5

x_train_1, x_train_2 = pairs_train[:, 0], pairs_train[:, 1]  # (400, 28, 28) each
x_val_1, x_val_2 = pairs_val[:, 0], pairs_val[:, 1]
x_test_1, x_test_2 = pairs_test[:, 0], pairs_test[:, 1]


def euclidean_distance(vects):
    """The distance between two batches of vectors, kept off zero (sqrt's gradient there)."""
    x, y = vects
    sum_square = ops.sum(ops.square(x - y), axis=1, keepdims=True)
    return ops.sqrt(ops.maximum(sum_square, keras.backend.epsilon()))


# The tower each image goes through; the two inputs share its weights. (A short training
# converges or not depending on the sign the last Dense starts with: the seed fixes it.)
keras.utils.set_random_seed(4)
input = keras.layers.Input((28, 28, 1))
x = keras.layers.BatchNormalization()(input)
x = keras.layers.Conv2D(4, (5, 5), activation="tanh")(x)
x = keras.layers.AveragePooling2D(pool_size=(2, 2))(x)
x = keras.layers.Conv2D(16, (5, 5), activation="tanh")(x)
x = keras.layers.AveragePooling2D(pool_size=(2, 2))(x)
x = keras.layers.Flatten()(x)
x = keras.layers.BatchNormalization()(x)
x = keras.layers.Dense(10, activation="tanh")(x)
embedding_network = keras.Model(input, x)

input_1 = keras.layers.Input((28, 28, 1))
input_2 = keras.layers.Input((28, 28, 1))
tower_1 = embedding_network(input_1)
tower_2 = embedding_network(input_2)
merge_layer = keras.layers.Lambda(euclidean_distance, output_shape=(1,))([tower_1, tower_2])
normal_layer = keras.layers.BatchNormalization()(merge_layer)
output_layer = keras.layers.Dense(1, activation="sigmoid")(normal_layer)
siamese = keras.Model(inputs=[input_1, input_2], outputs=output_layer)
assert len(siamese.layers) == 6  # two inputs, the shared tower once, Lambda, norm, Dense


def loss(margin=1):
    """The contrastive loss for a given margin, as a Keras loss function."""

    def contrastive_loss(y_true, y_pred):
        square_pred = ops.square(y_pred)
        margin_square = ops.square(ops.maximum(margin - (y_pred), 0))
        return ops.mean((1 - y_true) * square_pred + (y_true) * margin_square)

    return contrastive_loss


siamese.compile(loss=loss(margin=margin), optimizer="RMSprop", metrics=["accuracy"])
siamese.summary()

# The (N, 28, 28) arrays go into (28, 28, 1) inputs: Keras adds the channel axis.
history = siamese.fit(
    [x_train_1, x_train_2],
    labels_train,
    validation_data=([x_val_1, x_val_2], labels_val),
    batch_size=batch_size,
    epochs=epochs,
    verbose=2,
)
print({k: [round(v, 3) for v in vs] for k, vs in history.history.items()})
assert history.history["loss"][-1] < history.history["loss"][0]

results = siamese.evaluate([x_test_1, x_test_2], labels_test)
print("test loss, test acc:", results)
assert results[1] > 0.75, results  # chance is 0.5

predictions = siamese.predict([x_test_1, x_test_2], verbose=0)
assert predictions.shape == (200, 1)
# Pairs of two classes come out farther apart than pairs of one.
same, other = predictions[labels_test == 0].mean(), predictions[labels_test == 1].mean()
print("mean prediction, same class:", same, "different classes:", other)
assert other > same + 0.2
print("siamese_contrastive OK")
