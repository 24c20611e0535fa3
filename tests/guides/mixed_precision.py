import numpy as np

from numen import keras
from numen.keras import layers, mixed_precision

mixed_precision.set_global_policy("mixed_float16")
try:
    policy = keras.mixed_precision.global_policy()
    print(f"Compute dtype: {policy.compute_dtype}")
    print(f"Variable dtype: {policy.variable_dtype}")
    assert (policy.compute_dtype, policy.variable_dtype) == ("float16", "float32")

    inputs = keras.Input(shape=(784,), name="digits")
    num_units = 64
    dense1 = layers.Dense(num_units, activation="relu", name="dense_1")
    x = dense1(inputs)
    dense2 = layers.Dense(num_units, activation="relu", name="dense_2")
    x = dense2(x)
    print(dense1.dtype_policy)
    print(f"x.dtype: {x.dtype}")
    print(f"dense1.kernel.dtype: {dense1.kernel.dtype}")
    assert x.dtype == "float16" and dense1.kernel.dtype == "float32"
    x = layers.Dense(10, name="dense_logits")(x)
    outputs = layers.Activation("softmax", dtype="float32", name="predictions")(x)
    print(f"Outputs dtype: {outputs.dtype}")
    assert outputs.dtype == "float32"

    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.RMSprop(),
        metrics=["accuracy"],
    )
    rng = np.random.default_rng(0)
    x_train = rng.random((512, 784)).astype("float32")
    y_train = rng.integers(0, 10, 512)
    initial_weights = model.get_weights()
    history = model.fit(x_train, y_train, batch_size=128, epochs=2, validation_split=0.2, verbose=0)
    test_scores = model.evaluate(x_train[:128], y_train[:128], verbose=0)
    print("Test loss:", test_scores[0])
    assert np.isfinite(test_scores[0])
    assert isinstance(model.optimizer, keras.mixed_precision.LossScaleOptimizer)
    model.set_weights(initial_weights)
finally:
    mixed_precision.set_global_policy("float32")

# On hardware with bfloat16 (TPUs, recent GPUs) the guide uses "mixed_bfloat16" instead: the
# same model and loop, float32 variables, bfloat16 computations and no loss scaling.
mixed_precision.set_global_policy("mixed_bfloat16")
try:
    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    print(f"x.dtype: {x.dtype}")
    assert x.dtype == "bfloat16"
    x = layers.Dense(10, name="dense_logits")(x)
    outputs = layers.Activation("softmax", dtype="float32", name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.RMSprop(),
                  metrics=["accuracy"])
    assert not isinstance(model.optimizer, keras.mixed_precision.LossScaleOptimizer)
    history = model.fit(x_train, y_train, batch_size=128, epochs=2, validation_split=0.2,
                        verbose=0)
    test_scores = model.evaluate(x_train[:128], y_train[:128], verbose=0)
    print("bfloat16 test loss:", test_scores[0])
    assert np.isfinite(test_scores[0])
    assert all(w.dtype == "float32" for w in model.weights)
finally:
    mixed_precision.set_global_policy("float32")

# Quantization: a float model, then int8 weights.
model = keras.Sequential([keras.Input((16,)), layers.Dense(32, activation="relu"), layers.Dense(4)])
x = np.random.default_rng(1).random((8, 16)).astype("float32")
before = model.predict(x, verbose=0)
model.quantize("int8")
after = model.predict(x, verbose=0)
print("int8 max difference:", np.abs(after - before).max())
assert np.abs(after - before).max() < 0.05 * np.abs(before).max() + 1e-3
print("mixed_precision OK")
