"""keras.io example "Structured data learning with Wide, Deep, and Cross networks", step by
step: named Inputs (float numbers, category strings), categories encoded either one-hot by a
StringLookup(output_mode="binary") on an expanded axis or as indices into an Embedding of
sqrt(vocabulary) width, a baseline MLP (Dense, BatchNormalization, ReLU, Dropout), a wide and
deep model (the one-hot features beside the deep MLP), and a deep and cross model (cross
layers written on symbolic tensors, x0 * Dense(x) + x), each trained on a 7-class target
with SparseCategoricalCrossentropy and SparseCategoricalAccuracy. A synthetic forest-cover
table (numbers and two categorical columns) stands in for the UCI covertype download."""

import math

import numpy as np

from numen import keras
from numen.keras import layers, ops

keras.utils.set_random_seed(5)
rng = np.random.default_rng(5)

NUMERIC_FEATURE_NAMES = ["Elevation", "Aspect", "Slope", "Horizontal_Distance_To_Hydrology",
                         "Hillshade_9am", "Hillshade_Noon"]
CATEGORICAL_FEATURES_WITH_VOCABULARY = {
    "Wilderness_Area": [f"area_{i}" for i in range(4)],
    "Soil_Type": [f"soil_{i}" for i in range(16)],
}
CATEGORICAL_FEATURE_NAMES = list(CATEGORICAL_FEATURES_WITH_VOCABULARY)
FEATURE_NAMES = NUMERIC_FEATURE_NAMES + CATEGORICAL_FEATURE_NAMES
NUM_CLASSES = 7
SOIL_CLASS = rng.integers(0, NUM_CLASSES, 16)  # each soil type favours one cover type


def make_split(n):
    data = {name: rng.normal(size=n).astype("float32") for name in NUMERIC_FEATURE_NAMES}
    area = rng.integers(0, 4, n)
    soil = rng.integers(0, 16, n)
    data["Wilderness_Area"] = np.array([f"area_{i}" for i in area])
    data["Soil_Type"] = np.array([f"soil_{i}" for i in soil])
    # The cover type: the soil's favourite, shifted by elevation bands in some areas.
    shift = np.digitize(data["Elevation"], [-0.5, 0.5]) * (area < 2)
    labels = (SOIL_CLASS[soil] + shift) % NUM_CLASSES
    noisy = rng.random(n) < 0.1
    labels[noisy] = rng.integers(0, NUM_CLASSES, noisy.sum())
    return data, labels.astype("int64")


train_data, train_labels = make_split(2048)
test_data, test_labels = make_split(512)

learning_rate = 0.01
dropout_rate = 0.1
batch_size = 128
num_epochs = 8
hidden_units = [32, 32]


def run_experiment(model):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    history = model.fit(train_data, train_labels, batch_size=batch_size, epochs=num_epochs,
                        validation_data=(test_data, test_labels), verbose=0)
    _, accuracy = model.evaluate(test_data, test_labels, verbose=0)
    print(f"Test accuracy: {round(accuracy * 100, 2)}%")
    return history, accuracy


def create_model_inputs():
    inputs = {}
    for feature_name in FEATURE_NAMES:
        if feature_name in NUMERIC_FEATURE_NAMES:
            inputs[feature_name] = layers.Input(name=feature_name, shape=(), dtype="float32")
        else:
            inputs[feature_name] = layers.Input(name=feature_name, shape=(), dtype="string")
    return inputs


def encode_inputs(inputs, use_embedding=False):
    encoded_features = []
    for feature_name in inputs:
        if feature_name in CATEGORICAL_FEATURE_NAMES:
            vocabulary = CATEGORICAL_FEATURES_WITH_VOCABULARY[feature_name]
            # No mask token and no OOV index: every value is in the vocabulary.
            lookup = layers.StringLookup(
                vocabulary=vocabulary,
                mask_token=None,
                num_oov_indices=0,
                output_mode="int" if use_embedding else "binary",
            )
            if use_embedding:
                encoded_feature = lookup(inputs[feature_name])
                embedding_dims = int(math.sqrt(len(vocabulary)))
                embedding = layers.Embedding(input_dim=len(vocabulary),
                                             output_dim=embedding_dims)
                encoded_feature = embedding(encoded_feature)
            else:
                # One-hot: the strings on an axis of their own.
                encoded_feature = lookup(ops.expand_dims(inputs[feature_name], -1))
        else:
            encoded_feature = ops.expand_dims(inputs[feature_name], -1)
        encoded_features.append(encoded_feature)
    return layers.concatenate(encoded_features)


# The two encodings of one batch: one-hot columns, or embedding rows.
sample = {k: v[:3] for k, v in train_data.items()}
inputs = create_model_inputs()
wide_encoder = keras.Model(inputs, encode_inputs(inputs))
deep_inputs = create_model_inputs()
deep_encoder = keras.Model(deep_inputs, encode_inputs(deep_inputs, use_embedding=True))
wide_features = wide_encoder.predict(sample, verbose=0)
assert wide_features.shape == (3, 6 + 4 + 16)
np.testing.assert_array_equal(wide_features[:, 6:].sum(axis=1), [2, 2, 2])  # two one-hots
soil = [int(s.split("_")[1]) for s in sample["Soil_Type"]]
np.testing.assert_array_equal(wide_features[:, 10:].argmax(axis=1), soil)
assert deep_encoder.predict(sample, verbose=0).shape == (3, 6 + 2 + 4)


def deep_block(features):
    """The example's deep part (written out in each of its three models)."""
    for units in hidden_units:
        features = layers.Dense(units)(features)
        features = layers.BatchNormalization()(features)
        features = layers.ReLU()(features)
        features = layers.Dropout(dropout_rate)(features)
    return features


def create_baseline_model():
    inputs = create_model_inputs()
    features = deep_block(encode_inputs(inputs))
    outputs = layers.Dense(units=NUM_CLASSES, activation="softmax")(features)
    return keras.Model(inputs=inputs, outputs=outputs)


baseline_model = create_baseline_model()
history, baseline_accuracy = run_experiment(baseline_model)
assert history.history["loss"][-1] < history.history["loss"][0]


def create_wide_and_deep_model():
    inputs = create_model_inputs()
    wide = encode_inputs(inputs)
    wide = layers.BatchNormalization()(wide)
    deep = deep_block(encode_inputs(inputs, use_embedding=True))
    merged = layers.concatenate([wide, deep])
    outputs = layers.Dense(units=NUM_CLASSES, activation="softmax")(merged)
    return keras.Model(inputs=inputs, outputs=outputs)


wide_and_deep_model = create_wide_and_deep_model()
history, wide_deep_accuracy = run_experiment(wide_and_deep_model)
assert wide_deep_accuracy > 0.6, wide_deep_accuracy


def create_deep_and_cross_model():
    inputs = create_model_inputs()
    x0 = encode_inputs(inputs, use_embedding=True)
    cross = x0
    for _ in hidden_units:
        units = cross.shape[-1]
        x = layers.Dense(units)(cross)
        cross = x0 * x + cross
    cross = layers.BatchNormalization()(cross)

    deep = deep_block(x0)

    merged = layers.concatenate([cross, deep])
    outputs = layers.Dense(units=NUM_CLASSES, activation="softmax")(merged)
    return keras.Model(inputs=inputs, outputs=outputs)


deep_and_cross_model = create_deep_and_cross_model()
# The cross layers keep the width of x0 (6 numbers and 2 + 4 embedding columns).
cross_dense = [layer for layer in deep_and_cross_model.layers
               if isinstance(layer, layers.Dense) and layer.units == 12]
assert len(cross_dense) == 2, [getattr(layer, "units", None)
                               for layer in deep_and_cross_model.layers]
history, cross_accuracy = run_experiment(deep_and_cross_model)
assert cross_accuracy > 0.6, cross_accuracy
print(f"baseline {baseline_accuracy:.3f}, wide & deep {wide_deep_accuracy:.3f}, "
      f"deep & cross {cross_accuracy:.3f}")

print("wide_deep_cross OK")
