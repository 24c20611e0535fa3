"""The keras.io quantization guides (the overview, int8/int4 quantization and float8
training), step by step with `from numen import keras` as the only change."""

import os

import numpy as np

from numen import keras
from numen.keras import layers

rng = np.random.default_rng(0)

# -- Quantizing a layer, then a model (the overview guide) -----------------------------------
layer = layers.Dense(units=20)
layer.build((None, 10))
layer.quantize("int8")
print(layer.dtype_policy.name, layer.kernel.dtype, layer.kernel_scale.shape)
assert layer.dtype_policy.name == "int8_from_float32"

INPUT_DIM, OUTPUT_DIM = 32, 8
x_eval = rng.random((64, INPUT_DIM)).astype("float32")


def build_model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([
        keras.Input(shape=(INPUT_DIM,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(OUTPUT_DIM),
    ])


float_model = build_model()
y_float = float_model.predict(x_eval, verbose=0)
for mode in ("int8", "int4"):
    model = build_model()
    model.quantize(mode)
    y = model.predict(x_eval, verbose=0)
    error = float(np.mean(np.abs(y - y_float)))
    print(f"{mode}: mean absolute difference {error:.5f}")
    assert error < (0.02 if mode == "int8" else 0.2)

# Saving and reloading a quantized model keeps its integer weights and policies.
model = build_model()
model.quantize("int8")
model.save("quantized_model.keras")
reloaded = keras.saving.load_model("quantized_model.keras")
np.testing.assert_allclose(reloaded.predict(x_eval, verbose=0), model.predict(x_eval, verbose=0))
assert os.path.getsize("quantized_model.keras") > 0

# int4 with an explicit configuration: sub-channel blocks of 16 input rows.
model = build_model()
config = keras.quantizers.Int4QuantizationConfig(block_size=16)
model.quantize(config=config)
print([layer.dtype_policy.name for layer in model.layers])
assert model.layers[0].dtype_policy.name == "int4/16_from_float32"

# Quantizing only some layers with `filters`.
model = build_model()
model.quantize("int8", filters=lambda layer: layer.name == model.layers[0].name)
assert [layer.quantization_mode for layer in model.layers] == ["int8", None]

# -- A small transformer-style block: Embedding, EinsumDense projections, Dense head --------
VOCAB, SEQ, DIM = 50, 6, 16


def build_text_model():
    keras.utils.set_random_seed(1)
    inputs = keras.Input((SEQ,), dtype="int32")
    h = layers.Embedding(VOCAB, DIM)(inputs)
    h = layers.EinsumDense("abc,cde->abde", (SEQ, 2, 8), bias_axes="de",
                           activation="gelu")(h)
    h = layers.Reshape((SEQ, 16))(h)
    h = layers.EinsumDense("abc,cd->abd", (SEQ, DIM), bias_axes="d")(h)
    h = layers.GlobalAveragePooling1D()(h)
    outputs = layers.Dense(2)(h)
    return keras.Model(inputs, outputs)


tokens = rng.integers(0, VOCAB, (32, SEQ)).astype("int32")
labels = rng.integers(0, 2, 32)
text_model = build_text_model()
reference = text_model.predict(tokens, verbose=0)
text_model.quantize("int8")
print([layer.dtype_policy.name for layer in text_model.layers])
assert np.abs(text_model.predict(tokens, verbose=0) - reference).max() < 0.05

# -- float8 training (delayed scaling): quantize before fit --------------------------------
text_model = build_text_model()
text_model.quantize("float8")  # Embedding has no float8: a warning, and it stays float32
dense_layers = [layer for layer in text_model.layers if layer.quantization_mode == "float8"]
assert len(dense_layers) == 3
text_model.compile(optimizer=keras.optimizers.Adam(1e-2),
                   loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                   metrics=["accuracy"])
history = text_model.fit(tokens, labels, batch_size=8, epochs=3, verbose=0)
print("float8 losses:", [round(v, 4) for v in history.history["loss"]])
assert history.history["loss"][-1] < history.history["loss"][0]
head = dense_layers[-1]
print("float8 scales:", float(head.inputs_scale.numpy()), float(head.kernel_scale.numpy()))
assert float(head.inputs_scale.numpy()) != 1.0  # updated from the amax history
text_model.save("float8_model.keras")
again = keras.saving.load_model("float8_model.keras")
np.testing.assert_allclose(again.predict(tokens, verbose=0),
                           text_model.predict(tokens, verbose=0), rtol=1e-6, atol=1e-6)
print("quantization OK")
