import numpy as np

from numen import keras
from numen.keras.utils import FeatureSpace

rng = np.random.default_rng(0)
n = 200
data = {
    "sex": rng.integers(0, 2, n),
    "cp": rng.integers(0, 4, n),
    "thal": rng.choice(np.array(["fixed", "normal", "reversible"]), n),
    "age": rng.integers(30, 80, n).astype("float32"),
    "trestbps": rng.normal(130, 15, n).astype("float32"),
    "chol": rng.normal(240, 40, n).astype("float32"),
}
target = (data["age"] / 80 + (data["cp"] > 1) + rng.random(n) > 1.4).astype("float32")

feature_space = FeatureSpace(
    features={
        "sex": FeatureSpace.integer_categorical(num_oov_indices=0),
        "cp": FeatureSpace.integer_categorical(num_oov_indices=0),
        "thal": FeatureSpace.string_categorical(num_oov_indices=0),
        "age": FeatureSpace.float_discretized(num_bins=10),
        "trestbps": FeatureSpace.float_normalized(),
        "chol": FeatureSpace.float_normalized(),
    },
    crosses=[FeatureSpace.cross(feature_names=("sex", "age"), crossing_dim=16)],
    output_mode="concat",
)
feature_space.adapt(data)
encoded = feature_space(data)
print(np.asarray(encoded).shape)

encoded_features = feature_space.get_encoded_features()
x = keras.layers.Dense(32, activation="relu")(encoded_features)
x = keras.layers.Dropout(0.5)(x)
predictions = keras.layers.Dense(1, activation="sigmoid")(x)
training_model = keras.Model(inputs=encoded_features, outputs=predictions)
training_model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = training_model.fit(np.asarray(encoded), target, epochs=5, validation_split=0.2, verbose=0)
print(history.history["val_accuracy"][-1])
sample = {k: v[:1] for k, v in data.items()}
print(training_model.predict(np.asarray(feature_space(sample)), verbose=0))
print("structured_data OK")
