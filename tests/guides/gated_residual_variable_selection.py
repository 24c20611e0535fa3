"""keras.io example "Classification with Gated Residual and Variable Selection Networks", step
by step: a GatedLinearUnit and a GatedResidualNetwork (elu Dense, Dense, Dropout, the gate,
a residual projection when the widths differ, LayerNormalization) written as custom layers
whose build() takes no arguments, and a VariableSelection layer holding dicts of Embedding and
Dense layers and a list of GRNs, called on a dict of named Inputs (integer-coded categories
and float numbers), clipping the indices, weighting the per-feature encodings with a softmax
through ops.stack / transpose / matmul / squeeze. Trained with BinaryCrossentropy and
EarlyStopping(restore_best_weights=True) on validation data. A synthetic census table stands
in for the UCI download; 8 features, 1536 rows and 4 epochs keep it to seconds."""

import numpy as np

from numen import keras
from numen.keras import layers

keras.utils.set_random_seed(42)
rng = np.random.default_rng(42)

NUMERIC_FEATURE_NAMES = ["age", "wage_per_hour", "capital_gains", "num_persons_worked"]
CATEGORICAL_FEATURES_WITH_VOCABULARY = {
    "class_of_worker": ["Private", "Self-employed", "Government", "Not in universe"],
    "education": ["Children", "High school", "Bachelors", "Masters", "Doctorate"],
    "marital_status": ["Never married", "Married", "Divorced"],
    "sex": ["Female", "Male"],
}
FEATURE_NAMES = NUMERIC_FEATURE_NAMES + list(CATEGORICAL_FEATURES_WITH_VOCABULARY)


def make_split(n):
    data = {name: rng.normal(size=n).astype("float32") for name in NUMERIC_FEATURE_NAMES}
    for name, vocab in CATEGORICAL_FEATURES_WITH_VOCABULARY.items():
        # Categories already turned into indices, as the example's input pipeline does.
        data[name] = rng.integers(0, len(vocab), n).astype("int32")
    score = (data["age"] + 0.8 * data["capital_gains"] + 0.6 * (data["education"] - 2)
             + 0.8 * (data["marital_status"] == 1) - 0.3 * data["num_persons_worked"])
    labels = (score + rng.normal(0, 0.5, n) > 0.3).astype("float32")
    return data, labels


train_data, train_labels = make_split(1536)
valid_data, valid_labels = make_split(384)
test_data, test_labels = make_split(384)


def create_model_inputs():
    inputs = {}
    for feature_name in FEATURE_NAMES:
        if feature_name in CATEGORICAL_FEATURES_WITH_VOCABULARY:
            inputs[feature_name] = layers.Input(name=feature_name, shape=(), dtype="int32")
        else:
            inputs[feature_name] = layers.Input(name=feature_name, shape=(), dtype="float32")
    return inputs


class GatedLinearUnit(layers.Layer):
    def __init__(self, units):
        super().__init__()
        self.linear = layers.Dense(units)
        self.sigmoid = layers.Dense(units, activation="sigmoid")

    def call(self, inputs):
        return self.linear(inputs) * self.sigmoid(inputs)

    # The sub-layers build themselves on their first call.
    def build(self):
        self.built = True


class GatedResidualNetwork(layers.Layer):
    def __init__(self, units, dropout_rate):
        super().__init__()
        self.units = units
        self.elu_dense = layers.Dense(units, activation="elu")
        self.linear_dense = layers.Dense(units)
        self.dropout = layers.Dropout(dropout_rate)
        self.gated_linear_unit = GatedLinearUnit(units)
        self.layer_norm = layers.LayerNormalization()
        self.project = layers.Dense(units)

    def call(self, inputs):
        x = self.elu_dense(inputs)
        x = self.linear_dense(x)
        x = self.dropout(x)
        if inputs.shape[-1] != self.units:
            inputs = self.project(inputs)
        x = inputs + self.gated_linear_unit(x)
        return self.layer_norm(x)

    def build(self):
        self.built = True


class VariableSelection(layers.Layer):
    def __init__(self, num_features, units, dropout_rate):
        super().__init__()
        self.units = units
        # One embedding per categorical feature ...
        self.embeddings = dict()
        for input_ in CATEGORICAL_FEATURES_WITH_VOCABULARY:
            vocabulary = CATEGORICAL_FEATURES_WITH_VOCABULARY[input_]
            self.embeddings[input_] = layers.Embedding(
                input_dim=len(vocabulary), output_dim=self.units, name=input_
            )
        # ... one linear projection per numeric feature ...
        self.proj_layer = dict()
        for input_ in NUMERIC_FEATURE_NAMES:
            self.proj_layer[input_] = layers.Dense(units=self.units)
        # ... a GRN per feature, and one over all of them that weighs the features.
        self.grns = list()
        for _ in range(num_features):
            self.grns.append(GatedResidualNetwork(units, dropout_rate))
        self.grn_concat = GatedResidualNetwork(units, dropout_rate)
        self.softmax = layers.Dense(units=num_features, activation="softmax")

    def call(self, inputs):
        concat_inputs = []
        for input_ in inputs:
            if input_ in CATEGORICAL_FEATURES_WITH_VOCABULARY:
                max_index = self.embeddings[input_].input_dim - 1
                embedded_feature = self.embeddings[input_](
                    keras.ops.clip(inputs[input_], 0, max_index)
                )
                concat_inputs.append(embedded_feature)
            else:
                proj_feature = keras.ops.expand_dims(inputs[input_], -1)
                concat_inputs.append(self.proj_layer[input_](proj_feature))

        v = layers.concatenate(concat_inputs)
        v = self.grn_concat(v)
        v = keras.ops.expand_dims(self.softmax(v), axis=-1)  # [batch, features, 1]
        x = []
        for idx, input_ in enumerate(concat_inputs):
            x.append(self.grns[idx](input_))
        x = keras.ops.stack(x, axis=1)  # [batch, features, units]
        return keras.ops.squeeze(
            keras.ops.matmul(keras.ops.transpose(v, axes=[0, 2, 1]), x), axis=1
        )

    def build(self):
        self.built = True


# The gate on its own: a GRN keeps the batch and maps to `units`, projecting the residual.
grn = GatedResidualNetwork(units=6, dropout_rate=0.0)
out = grn(rng.normal(size=(4, 3)).astype("float32"))
assert tuple(out.shape) == (4, 6)
# LayerNormalization at the end: each row has zero mean.
np.testing.assert_allclose(keras.ops.convert_to_numpy(keras.ops.mean(out, axis=-1)),
                           np.zeros(4), atol=1e-5)
assert len(grn.trainable_weights) == 12  # 5 Dense layers and the LayerNormalization
same = GatedResidualNetwork(units=3, dropout_rate=0.0)
same(rng.normal(size=(4, 3)).astype("float32"))
assert not same.project.built  # no projection when the widths already agree

learning_rate = 0.003
dropout_rate = 0.15
batch_size = 128
num_epochs = 4
encoding_size = 8


def create_model(encoding_size):
    inputs = create_model_inputs()
    num_features = len(inputs)
    features = VariableSelection(num_features, encoding_size, dropout_rate)(inputs)
    outputs = layers.Dense(units=1, activation="sigmoid")(features)
    return keras.Model(inputs=inputs, outputs=outputs)


model = create_model(encoding_size)
selection = model.layers[-2]
assert isinstance(selection, VariableSelection)
# Every sub-layer in its dicts and list is tracked: 4 embeddings, 4 projections (kernel and
# bias), 8 per-feature GRNs whose input already has `units` (no projection: 10 weights), the
# GRN over the concatenation (12) and the softmax Dense.
assert len(selection.trainable_weights) == 4 + 4 * 2 + 8 * 10 + 12 + 2, \
    len(selection.trainable_weights)

model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
    loss=keras.losses.BinaryCrossentropy(),
    metrics=[keras.metrics.BinaryAccuracy(name="accuracy")],
)
early_stopping = keras.callbacks.EarlyStopping(
    monitor="val_loss", patience=2, restore_best_weights=True
)
print("Start training the model...")
history = model.fit(
    train_data, train_labels, batch_size=batch_size, epochs=num_epochs,
    validation_data=(valid_data, valid_labels), callbacks=[early_stopping], verbose=0,
)
print("Model training finished.")
print(history.history)
assert history.history["val_loss"][-1] < history.history["val_loss"][0]
# The best epoch's weights are back: evaluating the validation data gives its loss.
best = min(history.history["val_loss"])
np.testing.assert_allclose(model.evaluate(valid_data, valid_labels, verbose=0)[0], best,
                           rtol=1e-4)
_, accuracy = model.evaluate(test_data, test_labels, verbose=0)
print(f"Test accuracy: {round(accuracy * 100, 2)}%")
assert accuracy > 0.75, accuracy

# Out-of-range category indices are clipped into the vocabulary, not an error.
sample = {k: v[:2].copy() for k, v in test_data.items()}
sample["education"][:] = [99, -3]
probs = model.predict(sample, verbose=0)
assert probs.shape == (2, 1) and np.all((probs > 0) & (probs < 1))

print("gated_residual_variable_selection OK")
