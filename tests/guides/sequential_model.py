"""keras.io "The Sequential model", step by step."""

import numpy as np

from numen import keras
from numen.keras import layers, ops

model = keras.Sequential([
    layers.Dense(2, activation="relu", name="layer1"),
    layers.Dense(3, activation="relu", name="layer2"),
    layers.Dense(4, name="layer3"),
])
x = ops.ones((3, 3))
y = model(x)
assert tuple(y.shape) == (3, 4)

layer1 = layers.Dense(2, activation="relu", name="layer1")
layer2 = layers.Dense(3, activation="relu", name="layer2")
layer3 = layers.Dense(4, name="layer3")
x = ops.ones((3, 3))
y = layer3(layer2(layer1(x)))
assert tuple(y.shape) == (3, 4)

model = keras.Sequential([layers.Dense(2, activation="relu"), layers.Dense(3, activation="relu"),
                          layers.Dense(4)])
assert len(model.layers) == 3

model = keras.Sequential()
model.add(layers.Dense(2, activation="relu"))
model.add(layers.Dense(3, activation="relu"))
model.add(layers.Dense(4))
model.pop()
assert len(model.layers) == 2

model = keras.Sequential(name="my_sequential")
model.add(layers.Dense(2, activation="relu", name="layer1"))
model.add(layers.Dense(3, activation="relu", name="layer2"))
model.add(layers.Dense(4, name="layer3"))
assert model.name == "my_sequential"

# Weights appear on the first call.
layer = layers.Dense(3)
assert layer.weights == []
x = ops.ones((1, 4))
y = layer(x)
assert len(layer.weights) == 2 and tuple(layer.weights[0].shape) == (4, 3)

model = keras.Sequential([layers.Dense(2, activation="relu"), layers.Dense(3, activation="relu"),
                          layers.Dense(4)])
assert model.weights == []  # not built yet: no input shape known
x = ops.ones((1, 4))
y = model(x)
assert len(model.weights) == 6

# An Input up front builds the model, so summary() works at once.
model = keras.Sequential()
model.add(keras.Input(shape=(4,)))
model.add(layers.Dense(2, activation="relu"))
model.summary()
assert [type(lay).__name__ for lay in model.layers] == ["Dense"]

# The usual debugging flow: summary() after each block.
model = keras.Sequential()
model.add(keras.Input(shape=(250, 250, 3)))
model.add(layers.Conv2D(32, 5, strides=2, activation="relu"))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.MaxPooling2D(3))
model.summary()
assert model.output_shape == (None, 40, 40, 32)
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.MaxPooling2D(3))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.MaxPooling2D(2))
model.summary()
assert model.output_shape == (None, 4, 4, 32)
model.add(layers.GlobalMaxPooling2D())
model.add(layers.Dense(10))

# Feature extraction from every layer, or from one.
initial_model = keras.Sequential([
    keras.Input(shape=(250, 250, 3)),
    layers.Conv2D(32, 5, strides=2, activation="relu"),
    layers.Conv2D(32, 3, activation="relu"),
    layers.Conv2D(32, 3, activation="relu"),
])
feature_extractor = keras.Model(inputs=initial_model.inputs,
                                outputs=[layer.output for layer in initial_model.layers])
x = ops.ones((1, 250, 250, 3))
features = feature_extractor(x)
assert [tuple(f.shape) for f in features] == [(1, 123, 123, 32), (1, 121, 121, 32),
                                              (1, 119, 119, 32)]

initial_model = keras.Sequential([
    keras.Input(shape=(250, 250, 3)),
    layers.Conv2D(32, 5, strides=2, activation="relu"),
    layers.Conv2D(32, 3, activation="relu", name="my_intermediate_layer"),
    layers.Conv2D(32, 3, activation="relu"),
])
feature_extractor = keras.Model(
    inputs=initial_model.inputs,
    outputs=initial_model.get_layer(name="my_intermediate_layer").output)
features = feature_extractor(ops.ones((1, 250, 250, 3)))
assert tuple(features.shape) == (1, 121, 121, 32)

# Transfer learning: freeze all but the last layer.
model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(32, activation="relu"),
                          layers.Dense(32, activation="relu"), layers.Dense(32, activation="relu"),
                          layers.Dense(10)])
for layer in model.layers[:-1]:
    layer.trainable = False
model.compile(optimizer="adam", loss="mse")
before = [w.copy() for w in model.get_weights()]
model.fit(np.random.random((64, 784)), np.random.random((64, 10)), epochs=1, verbose=0)
after = model.get_weights()
assert all(np.array_equal(b, a) for b, a in zip(before[:-2], after[:-2]))
assert not np.array_equal(before[-2], after[-2])
print("sequential_model OK")
