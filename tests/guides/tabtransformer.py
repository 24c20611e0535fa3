"""keras.io example "Structured data learning with TabTransformer", step by step: a dict of
named Inputs (integer-coded categories, float numbers), an Embedding per categorical feature,
the embeddings stacked with ops.stack into a sequence and given a learned column embedding
(an Embedding called on ops.arange and added to the symbolic tensor), Transformer blocks of
MultiHeadAttention, Add, LayerNormalization and feed-forward Sequential MLPs built by a
factory taking the normalization layer as a functools.partial, keras.activations.gelu / selu
as Dense activations, and a baseline MLP on the concatenated features. Both classifiers train
with AdamW(weight_decay=...) on BinaryCrossentropy with a BinaryAccuracy metric. A synthetic
census table stands in for the download; 1024 rows, 2 epochs and 2 blocks keep it to
seconds."""

from functools import partial

import numpy as np

from numen import keras
from numen.keras import layers, ops

keras.utils.set_random_seed(42)
rng = np.random.default_rng(7)

NUMERIC_FEATURE_NAMES = ["age", "education_num", "capital_gain", "hours_per_week"]
CATEGORICAL_FEATURES_WITH_VOCABULARY = {
    "workclass": ["Private", "Self-emp", "Government", "Never-worked"],
    "education": ["HS-grad", "Some-college", "Bachelors", "Masters", "Doctorate"],
    "marital_status": ["Married", "Never-married", "Divorced"],
    "relationship": ["Husband", "Wife", "Own-child", "Unmarried"],
    "race": ["White", "Black", "Asian", "Other"],
}
CATEGORICAL_FEATURE_NAMES = list(CATEGORICAL_FEATURES_WITH_VOCABULARY)
FEATURE_NAMES = NUMERIC_FEATURE_NAMES + CATEGORICAL_FEATURE_NAMES


def make_split(n):
    data = {name: rng.normal(size=n).astype("float32") for name in NUMERIC_FEATURE_NAMES}
    for name, vocab in CATEGORICAL_FEATURES_WITH_VOCABULARY.items():
        # Category indices, as the example's input pipeline hands them to the model.
        data[name] = rng.integers(0, len(vocab), n).astype("int32")
    # An interaction between two categories: what attention over the columns can pick up.
    score = (data["age"] + 0.7 * data["education_num"] + 0.5 * data["capital_gain"]
             + 1.2 * ((data["marital_status"] == 0) & (data["relationship"] < 2)))
    labels = (score + rng.normal(0, 0.5, n) > 0.6).astype("float32")
    return data, labels


train_data, train_labels = make_split(1024)
test_data, test_labels = make_split(256)

LEARNING_RATE = 0.001
WEIGHT_DECAY = 0.0001
DROPOUT_RATE = 0.1
BATCH_SIZE = 128
NUM_EPOCHS = 2

NUM_TRANSFORMER_BLOCKS = 2
NUM_HEADS = 2
EMBEDDING_DIMS = 8
MLP_HIDDEN_UNITS_FACTORS = [2, 1]
NUM_MLP_BLOCKS = 2


def run_experiment(model):
    optimizer = keras.optimizers.AdamW(learning_rate=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.BinaryCrossentropy(),
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy")],
    )
    print("Start training the model...")
    history = model.fit(train_data, train_labels, epochs=NUM_EPOCHS, batch_size=BATCH_SIZE,
                        validation_data=(test_data, test_labels), verbose=0)
    print("Model training finished")
    _, accuracy = model.evaluate(test_data, test_labels, verbose=0)
    print(f"Validation accuracy: {round(accuracy * 100, 2)}%")
    return history


def create_model_inputs():
    inputs = {}
    for feature_name in FEATURE_NAMES:
        if feature_name in NUMERIC_FEATURE_NAMES:
            inputs[feature_name] = layers.Input(name=feature_name, shape=(), dtype="float32")
        else:
            inputs[feature_name] = layers.Input(name=feature_name, shape=(), dtype="int32")
    return inputs


def encode_inputs(inputs, embedding_dims):
    encoded_categorical_feature_list = []
    numerical_feature_list = []
    for feature_name in inputs:
        if feature_name in CATEGORICAL_FEATURE_NAMES:
            vocabulary = CATEGORICAL_FEATURES_WITH_VOCABULARY[feature_name]
            embedding = layers.Embedding(input_dim=len(vocabulary), output_dim=embedding_dims)
            encoded_categorical_feature_list.append(embedding(inputs[feature_name]))
        else:
            # The numbers are used as they are.
            numerical_feature_list.append(ops.expand_dims(inputs[feature_name], -1))
    return encoded_categorical_feature_list, numerical_feature_list


def create_mlp(hidden_units, dropout_rate, activation, normalization_layer, name=None):
    mlp_layers = []
    for units in hidden_units:
        mlp_layers.append(normalization_layer())
        mlp_layers.append(layers.Dense(units, activation=activation))
        mlp_layers.append(layers.Dropout(dropout_rate))
    return keras.Sequential(mlp_layers, name=name)


def classifier_head(features, mlp_hidden_units_factors, dropout_rate):
    """The final MLP and the sigmoid output (the example writes it out in both models)."""
    mlp_hidden_units = [factor * features.shape[-1] for factor in mlp_hidden_units_factors]
    features = create_mlp(
        hidden_units=mlp_hidden_units,
        dropout_rate=dropout_rate,
        activation=keras.activations.selu,
        normalization_layer=layers.BatchNormalization,
        name="MLP",
    )(features)
    return layers.Dense(units=1, activation="sigmoid", name="sigmoid")(features)


def create_baseline_model(embedding_dims, num_mlp_blocks, mlp_hidden_units_factors,
                          dropout_rate):
    inputs = create_model_inputs()
    encoded_categorical_feature_list, numerical_feature_list = encode_inputs(inputs,
                                                                             embedding_dims)
    features = layers.concatenate(encoded_categorical_feature_list + numerical_feature_list)
    feedforward_units = [features.shape[-1]]
    # Feed-forward blocks with skip connections.
    for layer_idx in range(num_mlp_blocks):
        feedforward_output = create_mlp(
            hidden_units=feedforward_units,
            dropout_rate=dropout_rate,
            activation=keras.activations.gelu,
            normalization_layer=layers.LayerNormalization,
            name=f"feedforward_{layer_idx}",
        )(features)
        features = layers.Add(name=f"skip_connection_{layer_idx}")([feedforward_output,
                                                                     features])
    return keras.Model(inputs=inputs, outputs=classifier_head(
        features, mlp_hidden_units_factors, dropout_rate))


baseline_model = create_baseline_model(
    embedding_dims=EMBEDDING_DIMS,
    num_mlp_blocks=NUM_MLP_BLOCKS,
    mlp_hidden_units_factors=MLP_HIDDEN_UNITS_FACTORS,
    dropout_rate=DROPOUT_RATE,
)
print("Total model weights:", baseline_model.count_params())
width = 5 * EMBEDDING_DIMS + 4
assert baseline_model.get_layer("feedforward_0").output.shape == (None, width)
assert baseline_model.get_layer("MLP").output.shape == (None, width)
history = run_experiment(baseline_model)
assert history.history["loss"][-1] < history.history["loss"][0]


def create_tabtransformer_classifier(num_transformer_blocks, num_heads, embedding_dims,
                                     mlp_hidden_units_factors, dropout_rate,
                                     use_column_embedding=False):
    inputs = create_model_inputs()
    encoded_categorical_feature_list, numerical_feature_list = encode_inputs(inputs,
                                                                             embedding_dims)
    # The categorical embeddings as a sequence for the Transformer.
    encoded_categorical_features = ops.stack(encoded_categorical_feature_list, axis=1)
    numerical_features = layers.concatenate(numerical_feature_list)

    if use_column_embedding:
        num_columns = encoded_categorical_features.shape[1]
        column_embedding = layers.Embedding(input_dim=num_columns, output_dim=embedding_dims)
        column_indices = ops.arange(start=0, stop=num_columns, step=1)
        encoded_categorical_features = encoded_categorical_features + column_embedding(
            column_indices
        )

    for block_idx in range(num_transformer_blocks):
        attention_output = layers.MultiHeadAttention(
            num_heads=num_heads,
            key_dim=embedding_dims,
            dropout=dropout_rate,
            name=f"multihead_attention_{block_idx}",
        )(encoded_categorical_features, encoded_categorical_features)
        x = layers.Add(name=f"skip_connection1_{block_idx}")(
            [attention_output, encoded_categorical_features]
        )
        x = layers.LayerNormalization(name=f"layer_norm1_{block_idx}", epsilon=1e-6)(x)
        feedforward_output = create_mlp(
            hidden_units=[embedding_dims],
            dropout_rate=dropout_rate,
            activation=keras.activations.gelu,
            normalization_layer=partial(layers.LayerNormalization, epsilon=1e-6),
            name=f"feedforward_{block_idx}",
        )(x)
        x = layers.Add(name=f"skip_connection2_{block_idx}")([feedforward_output, x])
        encoded_categorical_features = layers.LayerNormalization(
            name=f"layer_norm2_{block_idx}", epsilon=1e-6
        )(x)

    # The contextual embeddings, flattened, beside the normalized numbers.
    categorical_features = layers.Flatten()(encoded_categorical_features)
    numerical_features = layers.LayerNormalization(epsilon=1e-6)(numerical_features)
    features = layers.concatenate([categorical_features, numerical_features])

    return keras.Model(inputs=inputs, outputs=classifier_head(
        features, mlp_hidden_units_factors, dropout_rate))


tabtransformer_model = create_tabtransformer_classifier(
    num_transformer_blocks=NUM_TRANSFORMER_BLOCKS,
    num_heads=NUM_HEADS,
    embedding_dims=EMBEDDING_DIMS,
    mlp_hidden_units_factors=MLP_HIDDEN_UNITS_FACTORS,
    dropout_rate=DROPOUT_RATE,
    use_column_embedding=True,
)
print("Total model weights:", tabtransformer_model.count_params())
attention = tabtransformer_model.get_layer("multihead_attention_0")
assert attention.output.shape == (None, 5, EMBEDDING_DIMS)
# The partial's epsilon reached the feed-forward block's LayerNormalization.
assert tabtransformer_model.get_layer("feedforward_0").layers[0].epsilon == 1e-6
# The column embedding is one of the model's weights: 5 columns of EMBEDDING_DIMS.
assert any(tuple(w.shape) == (5, EMBEDDING_DIMS) for w in tabtransformer_model.weights)
history = run_experiment(tabtransformer_model)
assert history.history["loss"][-1] < history.history["loss"][0]
assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
probs = tabtransformer_model.predict({k: v[:3] for k, v in test_data.items()}, verbose=0)
assert probs.shape == (3, 1) and np.all((probs > 0) & (probs < 1))

print("tabtransformer OK")
