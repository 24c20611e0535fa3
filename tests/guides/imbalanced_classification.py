"""keras.io example "Imbalanced classification: credit card fraud detection", step by step:
a validation split taken from the end, features normalized with the training mean and std, a
Dense/Dropout binary classifier, class_weight derived from the class counts, the
confusion-matrix metrics (FalseNegatives, FalsePositives, TrueNegatives, TruePositives) with
Precision and Recall, and a ModelCheckpoint whose file name holds the epoch. Synthetic
transactions (30 features, about 2% positives shifted in a few features) stand in for the Kaggle
CSV; 1,200 rows in place of 284,807 and narrower layers keep it to seconds."""

import os

import numpy as np

from numen import keras

keras.utils.set_random_seed(7)
rng = np.random.default_rng(0)

# First, vectorize the CSV data
n = 1200
all_targets = (rng.random(n) < 0.02).astype("uint8")
all_features = rng.normal(0, 1, (n, 30)).astype("float32")
all_features[:, :4] += 3.0 * all_targets[:, None]
all_features[:, 29] = rng.exponential(80, n)  # the "Amount" column: positive, skewed
all_targets = all_targets.reshape(-1, 1)
print("features.shape:", all_features.shape)
print("targets.shape:", all_targets.shape)

# Prepare a validation set
num_val_samples = int(len(all_features) * 0.2)
train_features = all_features[:-num_val_samples]
train_targets = all_targets[:-num_val_samples]
val_features = all_features[-num_val_samples:]
val_targets = all_targets[-num_val_samples:]

print("Number of training samples:", len(train_features))
print("Number of validation samples:", len(val_features))

# Analyze class imbalance in the targets
counts = np.bincount(train_targets[:, 0])
share = 100 * float(counts[1]) / len(train_targets)
print(f"Number of positive samples in training data: {counts[1]} ({share:.2f}% of total)")

weight_for_0 = 1.0 / counts[0]
weight_for_1 = 1.0 / counts[1]

# Normalize the data using training set statistics
mean = np.mean(train_features, axis=0)
train_features -= mean
val_features -= mean
std = np.std(train_features, axis=0)
train_features /= std
val_features /= std

# Build a binary classification model
model = keras.Sequential(
    [
        keras.Input(shape=train_features.shape[1:]),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(1, activation="sigmoid"),
    ]
)
model.summary()

# Train the model with class_weight argument
metrics = [
    keras.metrics.FalseNegatives(name="fn"),
    keras.metrics.FalsePositives(name="fp"),
    keras.metrics.TrueNegatives(name="tn"),
    keras.metrics.TruePositives(name="tp"),
    keras.metrics.Precision(name="precision"),
    keras.metrics.Recall(name="recall"),
]

model.compile(
    optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy", metrics=metrics
)

callbacks = [keras.callbacks.ModelCheckpoint("fraud_model_at_epoch_{epoch}.keras")]
class_weight = {0: weight_for_0, 1: weight_for_1}

history = model.fit(
    train_features,
    train_targets,
    batch_size=256,
    epochs=4,
    verbose=2,
    callbacks=callbacks,
    validation_data=(val_features, val_targets),
    class_weight=class_weight,
)
assert sorted(os.listdir(".")) == [f"fraud_model_at_epoch_{e}.keras" for e in range(1, 5)]

# The confusion counts add up to the sample counts, every epoch, for training and validation.
h = history.history
for e in range(4):
    assert h["fn"][e] + h["fp"][e] + h["tn"][e] + h["tp"][e] == len(train_features)
    assert h["val_fn"][e] + h["val_fp"][e] + h["val_tn"][e] + h["val_tp"][e] == num_val_samples
    assert h["val_fn"][e] + h["val_tp"][e] == val_targets.sum()

# Evaluating the last checkpoint gives the last epoch's validation logs (the class weights
# apply only to training).
reloaded = keras.models.load_model("fraud_model_at_epoch_4.keras")
results = reloaded.evaluate(val_features, val_targets, batch_size=256, verbose=0,
                            return_dict=True)
for name in ("loss", "fn", "fp", "tn", "tp", "precision", "recall"):
    np.testing.assert_allclose(results[name], h["val_" + name][-1], rtol=1e-5, atol=1e-7)
tp, fn = results["tp"], results["fn"]
np.testing.assert_allclose(results["recall"], tp / (tp + fn) if tp + fn else 0.0, rtol=1e-5)

print("imbalanced_classification OK")
