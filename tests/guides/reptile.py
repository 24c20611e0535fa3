"""keras.io example "Few-Shot learning with Reptile", step by step: N-way K-shot mini-datasets
sampled from many classes, a Conv2D/BatchNormalization/ReLU network, the Reptile meta-step
(the weights saved with get_weights, a few inner SGD steps on a task, then set_weights moving
the saved weights part of the way towards the adapted ones, with a shrinking step size), and
the evaluation that adapts a copy of the weights on a new task's support set, predicts its query
set and restores the weights. The example's inner steps use tf.GradientTape; here each is
`model.train_on_batch` with the same SGD optimizer and loss, which works on every backend.
Random 14x14 "characters" (40 classes, each a fixed pattern plus noise) stand in for Omniglot,
and a handful of meta-iterations keep it fast."""

import random

import numpy as np

from numen import keras
from numen.keras import layers

keras.utils.set_random_seed(0)
random.seed(0)

learning_rate = 0.003
meta_step_size = 0.25

inner_batch_size = 10
eval_batch_size = 10

meta_iters = 8
eval_iters = 2
inner_iters = 2

eval_interval = 4
train_shots = 4
shots = 2
classes = 3

rng = np.random.default_rng(0)
patterns = rng.random((40, 14, 14, 1)).astype("float32")


class Dataset:
    """Images of a set of classes, by label; mini-datasets are drawn from it."""

    def __init__(self, labels):
        self.data = {label: [np.clip(patterns[label] + rng.normal(0, 0.1, (14, 14, 1)), 0, 1)
                             .astype("float32") for _ in range(8)] for label in labels}
        self.labels = list(self.data)

    def get_mini_dataset(self, batch_size, repetitions, shots, num_classes, split=False):
        temp_labels = np.zeros(shape=(num_classes * shots))
        temp_images = np.zeros(shape=(num_classes * shots, 14, 14, 1))
        if split:
            test_labels = np.zeros(shape=(num_classes))
            test_images = np.zeros(shape=(num_classes, 14, 14, 1))

        # Get a random subset of labels from the entire label set.
        label_subset = random.choices(self.labels, k=num_classes)
        for class_idx in range(len(label_subset)):
            # Use enumerated index value as a temporary label for mini-batch in
            # few shot learning.
            temp_labels[class_idx * shots:(class_idx + 1) * shots] = class_idx
            # If creating a split dataset for testing, select an extra sample from each
            # label to create the test dataset.
            if split:
                test_labels[class_idx] = class_idx
                images_to_split = random.choices(self.data[label_subset[class_idx]], k=shots + 1)
                test_images[class_idx] = images_to_split[-1]
                temp_images[class_idx * shots:(class_idx + 1) * shots] = images_to_split[:-1]
            else:
                # For each index in the randomly selected label_subset, sample the
                # necessary number of images.
                temp_images[class_idx * shots:(class_idx + 1) * shots] = random.choices(
                    self.data[label_subset[class_idx]], k=shots)

        # The tf.data pipeline: shuffle, repeat, batch.
        order = np.concatenate([rng.permutation(len(temp_labels)) for _ in range(repetitions)])
        batches = [(temp_images[order[i:i + batch_size]].astype("float32"),
                    temp_labels[order[i:i + batch_size]].astype("int32"))
                   for i in range(0, len(order), batch_size)]
        if split:
            return batches, test_images.astype("float32"), test_labels.astype("int32")
        return batches


train_dataset = Dataset(range(30))
test_dataset = Dataset(range(30, 40))


def conv_bn(x):
    x = layers.Conv2D(filters=16, kernel_size=3, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


inputs = layers.Input(shape=(14, 14, 1))
x = conv_bn(inputs)
x = conv_bn(x)
x = conv_bn(x)
x = layers.Flatten()(x)
outputs = layers.Dense(classes, activation="softmax")(x)
model = keras.Model(inputs=inputs, outputs=outputs)
optimizer = keras.optimizers.SGD(learning_rate=learning_rate)
model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")

training = []
testing = []
for meta_iter in range(meta_iters):
    frac_done = meta_iter / meta_iters
    cur_meta_step_size = (1 - frac_done) * meta_step_size
    # Temporarily save the weights from the model.
    old_vars = model.get_weights()
    # Get a sample from the full dataset.
    mini_dataset = train_dataset.get_mini_dataset(inner_batch_size, inner_iters, train_shots,
                                                  classes)
    for images, labels in mini_dataset:
        loss = model.train_on_batch(images, labels)
        assert np.isfinite(loss)
    new_vars = model.get_weights()
    # Perform SGD for the meta step.
    for var in range(len(new_vars)):
        new_vars[var] = old_vars[var] + ((new_vars[var] - old_vars[var]) * cur_meta_step_size)
    # After the meta-learning step, reload the newly-trained weights into the model.
    model.set_weights(new_vars)
    for value, variable in zip(new_vars, model.weights):
        np.testing.assert_allclose(np.asarray(variable), value, rtol=1e-6)
    # Evaluation loop
    if meta_iter % eval_interval == 0:
        accuracies = []
        for dataset in (train_dataset, test_dataset):
            # Sample a mini dataset from the full dataset.
            train_set, test_images, test_labels = dataset.get_mini_dataset(
                eval_batch_size, eval_iters, shots, classes, split=True
            )
            old_vars = model.get_weights()
            # Train on the samples and get the resulting accuracies.
            for images, labels in train_set:
                model.train_on_batch(images, labels)
            test_preds = model.predict(test_images, verbose=0)
            test_preds = test_preds.argmax(1)
            num_correct = (test_preds == test_labels).sum()
            # Reset the weights after getting the evaluation accuracies.
            model.set_weights(old_vars)
            accuracies.append(num_correct / classes)
        training.append(accuracies[0])
        testing.append(accuracies[1])
        print(f"batch {meta_iter}: train={accuracies[0]:f} test={accuracies[1]:f}")

assert len(training) == len(testing) == meta_iters // eval_interval
assert all(0.0 <= a <= 1.0 for a in training + testing)
# train_on_batch advanced the optimizer once per batch, restored weights or not.
steps = meta_iters * len(mini_dataset) + len(training) * 2 * len(train_set)
assert int(optimizer.iterations) == steps

print("reptile OK")
