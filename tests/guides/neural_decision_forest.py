"""keras.io example "Classification with Neural Decision Forests", step by step: named Inputs
per feature (float numbers, strings for categories), StringLookup + Embedding to encode the
categorical ones, a subclassed keras.Model tree whose leaf class weights are a keras.Variable
held in an attribute (trained, like any weight, without add_weight), a random feature mask
kept as a constant tensor, stochastic routing through the levels with ops.tile / reshape /
slicing and layers.concatenate inside call(), and a forest model averaging a list of such
trees. Both models train with fit() on a dict of arrays. A synthetic census table (numbers
and category strings, the income bracket a noisy function of them) stands in for the UCI
download; 3 trees of depth 3 keep it to seconds."""

import numpy as np

from numen import keras
from numen.keras import layers, ops

keras.utils.set_random_seed(1337)
rng = np.random.default_rng(1337)

NUMERIC_FEATURE_NAMES = ["age", "education_num", "capital_gain", "hours_per_week"]
CATEGORICAL_FEATURES_WITH_VOCABULARY = {
    "workclass": ["Private", "Self-emp", "Government", "Without-pay"],
    "marital_status": ["Married", "Never-married", "Divorced", "Widowed"],
    "occupation": ["Tech", "Craft", "Sales", "Service", "Admin"],
    "gender": ["Female", "Male"],
}
CATEGORICAL_FEATURE_NAMES = list(CATEGORICAL_FEATURES_WITH_VOCABULARY)
FEATURE_NAMES = NUMERIC_FEATURE_NAMES + CATEGORICAL_FEATURE_NAMES
TARGET_LABELS = [" <=50K", " >50K"]


def make_table(n):
    table = {
        "age": rng.integers(18, 80, n),
        "education_num": rng.integers(1, 17, n),
        "capital_gain": rng.exponential(1.0, n) * (rng.random(n) < 0.2),
        "hours_per_week": rng.integers(10, 70, n),
    }
    for name, vocab in CATEGORICAL_FEATURES_WITH_VOCABULARY.items():
        table[name] = rng.choice(np.array(vocab), n)
    score = (0.08 * (table["age"] - 40) + 0.4 * (table["education_num"] - 9)
             + 2.0 * table["capital_gain"] + 0.05 * (table["hours_per_week"] - 40)
             + 1.5 * (table["marital_status"] == "Married") - 0.8 * (table["occupation"] ==
                                                                      "Service"))
    labels = (score + rng.normal(0, 0.5, n) > 0.5).astype("int64")
    # Standardize the numbers, as a preprocessing step outside the model would.
    for name in NUMERIC_FEATURE_NAMES:
        table[name] = ((table[name] - table[name].mean()) / table[name].std()).astype("float32")
    return table, labels


train_data, train_labels = make_table(1024)
test_data, test_labels = make_table(256)
print(f"Train: {len(train_labels)} rows, positive rate {train_labels.mean():.2f}")


def create_model_inputs():
    inputs = {}
    for feature_name in FEATURE_NAMES:
        if feature_name in NUMERIC_FEATURE_NAMES:
            inputs[feature_name] = layers.Input(name=feature_name, shape=(), dtype="float32")
        else:
            inputs[feature_name] = layers.Input(name=feature_name, shape=(), dtype="string")
    return inputs


def encode_inputs(inputs):
    encoded_features = []
    for feature_name in inputs:
        if feature_name in CATEGORICAL_FEATURE_NAMES:
            vocabulary = CATEGORICAL_FEATURES_WITH_VOCABULARY[feature_name]
            # Strings to indices (no OOV here: the vocabulary is complete) ...
            lookup = layers.StringLookup(vocabulary=vocabulary, mask_token=None,
                                         num_oov_indices=0, output_mode="int")
            value_index = lookup(inputs[feature_name])
            # ... and indices to learned vectors of sqrt(vocabulary size) numbers.
            embedding_dims = int(np.sqrt(lookup.vocabulary_size()))
            embedding = layers.Embedding(input_dim=lookup.vocabulary_size(),
                                         output_dim=embedding_dims)
            encoded_feature = embedding(value_index)
        else:
            encoded_feature = ops.expand_dims(inputs[feature_name], -1)
        encoded_features.append(encoded_feature)
    return layers.concatenate(encoded_features)


class NeuralDecisionTree(keras.Model):
    def __init__(self, depth, num_features, used_features_rate, num_classes):
        super().__init__()
        self.depth = depth
        self.num_leaves = 2**depth
        self.num_classes = num_classes

        # A mask that keeps a random subset of the features for this tree.
        num_used_features = int(num_features * used_features_rate)
        one_hot = np.eye(num_features)
        sampled_feature_indices = rng.choice(np.arange(num_features), num_used_features,
                                             replace=False)
        self.used_features_mask = ops.convert_to_tensor(one_hot[sampled_feature_indices],
                                                        dtype="float32")

        # The class weights of the leaves: a Variable of the model's own.
        self.pi = keras.Variable(
            initializer=keras.initializers.RandomNormal(),
            shape=[self.num_leaves, self.num_classes],
            dtype="float32",
            trainable=True,
        )

        # The stochastic routing layer.
        self.decision_fn = layers.Dense(units=self.num_leaves, activation="sigmoid",
                                        name="decision")

    def call(self, features):
        batch_size = ops.shape(features)[0]

        features = ops.matmul(features, ops.transpose(self.used_features_mask))
        # Routing probabilities and their complements: [batch, leaves, 2].
        decisions = ops.expand_dims(self.decision_fn(features), axis=2)
        decisions = layers.concatenate([decisions, 1 - decisions], axis=2)

        mu = ops.ones([batch_size, 1, 1])
        begin_idx = 1
        end_idx = 2
        # Breadth-first through the levels of the tree.
        for level in range(self.depth):
            mu = ops.reshape(mu, [batch_size, -1, 1])  # [batch, 2 ** level, 1]
            mu = ops.tile(mu, (1, 1, 2))  # [batch, 2 ** level, 2]
            level_decisions = decisions[:, begin_idx:end_idx, :]
            mu = mu * level_decisions
            begin_idx = end_idx
            end_idx = begin_idx + 2 ** (level + 1)

        mu = ops.reshape(mu, [batch_size, self.num_leaves])  # reach probability of each leaf
        probabilities = keras.activations.softmax(self.pi)  # [leaves, classes]
        return ops.matmul(mu, probabilities)


class NeuralDecisionForest(keras.Model):
    def __init__(self, num_trees, depth, num_features, used_features_rate, num_classes):
        super().__init__()
        self.num_classes = num_classes
        # Each tree uses its own random subset of the features.
        self.ensemble = [
            NeuralDecisionTree(depth, num_features, used_features_rate, num_classes)
            for _ in range(num_trees)
        ]

    def call(self, inputs):
        batch_size = ops.shape(inputs)[0]
        outputs = ops.zeros([batch_size, self.num_classes])
        for tree in self.ensemble:
            outputs += tree(inputs)
        outputs /= len(self.ensemble)
        return outputs


# A tree on its own: the leaf probabilities of each sample sum to one, so do its outputs.
tree = NeuralDecisionTree(depth=3, num_features=6, used_features_rate=0.5, num_classes=2)
probe = tree(rng.normal(size=(5, 6)).astype("float32"))
np.testing.assert_allclose(ops.convert_to_numpy(ops.sum(probe, axis=1)), np.ones(5), rtol=1e-5)
# The leaf weights are one of its trainable variables, beside the routing Dense layer's.
assert any(v is tree.pi for v in tree.trainable_variables)
assert len(tree.trainable_weights) == 3 and len(tree.weights) == 3

learning_rate = 0.01
batch_size = 64
num_epochs = 3


def run_experiment(model):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    print("Start training the model...")
    history = model.fit(train_data, train_labels, epochs=num_epochs, batch_size=batch_size,
                        verbose=0)
    print("Model training finished")
    _, accuracy = model.evaluate(test_data, test_labels, verbose=0)
    print(f"Test accuracy: {round(accuracy * 100, 2)}%")
    return history, accuracy


num_trees = 3
depth = 3
used_features_rate = 0.5
num_classes = len(TARGET_LABELS)


def create_tree_model():
    inputs = create_model_inputs()
    features = encode_inputs(inputs)
    features = layers.BatchNormalization()(features)
    num_features = features.shape[1]
    tree = NeuralDecisionTree(depth, num_features, used_features_rate, num_classes)
    outputs = tree(features)
    return keras.Model(inputs=inputs, outputs=outputs), tree


tree_model, tree = create_tree_model()
pi_before = tree.pi.numpy().copy()
history, tree_accuracy = run_experiment(tree_model)
assert not np.allclose(tree.pi.numpy(), pi_before)  # the leaf weights were trained
losses = history.history["loss"]
assert losses[-1] < losses[0], losses
assert tree_accuracy > 0.65, tree_accuracy


def create_forest_model():
    inputs = create_model_inputs()
    features = encode_inputs(inputs)
    features = layers.BatchNormalization()(features)
    num_features = features.shape[1]
    forest_model = NeuralDecisionForest(num_trees, depth, num_features, used_features_rate,
                                        num_classes)
    outputs = forest_model(features)
    return keras.Model(inputs=inputs, outputs=outputs), forest_model


forest_model, forest = create_forest_model()
# Every tree's leaf weights count among the model's trainable weights.
leaf_ids = {id(t.pi) for t in forest.ensemble}
assert leaf_ids <= {id(v) for v in forest_model.trainable_weights}
history, forest_accuracy = run_experiment(forest_model)
assert forest_accuracy > 0.7, forest_accuracy
predictions = forest_model.predict({k: v[:4] for k, v in test_data.items()}, verbose=0)
assert predictions.shape == (4, num_classes)
np.testing.assert_allclose(predictions.sum(axis=1), np.ones(4), rtol=1e-5)

print("neural_decision_forest OK")
