"""keras.io example "Keras debugging tips", step by step: test a custom layer on its own before
the model (an Antirectifier whose concatenate on the wrong axis makes the matmul fail with the
shapes in the error, found with print statements of the shapes, then fixed); read the model
with summary(print_fn=...) and the intermediate outputs of a feature-extraction model; and
compile(run_eagerly=True) so that Python code in call() (a print, a counter, a breakpoint)
runs at every step of fit(), where Keras's compiled step runs it only while tracing."""

import numpy as np

from numen import keras
from numen.keras import layers, ops

keras.utils.set_random_seed(3)


# Tip 1: test each custom layer before testing the whole model.
class MyAntirectifier(layers.Layer):
    def build(self, input_shape):
        output_dim = input_shape[-1]
        self.kernel = self.add_weight(shape=(output_dim * 2, output_dim),
                                      initializer="he_normal", name="kernel", trainable=True)

    def call(self, inputs):
        pos = ops.relu(inputs)  # the positive part
        neg = ops.relu(-inputs)  # the negative part
        # The bug: the parts are stacked along the batch axis, not the features.
        concatenated = ops.concatenate([pos, neg], axis=0)
        return ops.matmul(concatenated, self.kernel)


x = keras.random.normal(shape=(2, 5))
try:
    MyAntirectifier()(x)
except (ValueError, TypeError) as exc:
    message = str(exc)
else:
    raise AssertionError("the buggy layer should fail")
print("Error:", message)
# The error names the sizes that do not fit: 5 features against the kernel's 10 rows.
assert "10" in message, message


class MyAntirectifierDebug(MyAntirectifier):
    def call(self, inputs):
        self.seen = []
        pos = ops.relu(inputs)
        neg = ops.relu(-inputs)
        self.seen.append(("pos", tuple(pos.shape)))
        self.seen.append(("neg", tuple(neg.shape)))
        concatenated = ops.concatenate([pos, neg], axis=0)
        self.seen.append(("concatenated", tuple(concatenated.shape)))
        self.seen.append(("kernel", tuple(self.kernel.shape)))
        print(self.seen)
        return ops.matmul(concatenated, self.kernel)


debug = MyAntirectifierDebug()
try:
    debug(x)
except (ValueError, TypeError):
    pass
# The prints show it: the concatenation doubled the batch, not the features.
assert debug.seen == [("pos", (2, 5)), ("neg", (2, 5)), ("concatenated", (4, 5)),
                      ("kernel", (10, 5))], debug.seen


class MyAntirectifierFixed(MyAntirectifier):
    def call(self, inputs):
        pos = ops.relu(inputs)
        neg = ops.relu(-inputs)
        concatenated = ops.concatenate([pos, neg], axis=-1)
        return ops.matmul(concatenated, self.kernel)


layer = MyAntirectifierFixed()
y = layer(x)
assert tuple(y.shape) == (2, 5)
expected = np.concatenate([np.maximum(x, 0), np.maximum(-x, 0)], axis=-1) @ layer.kernel.numpy()
np.testing.assert_allclose(ops.convert_to_numpy(y), expected, rtol=1e-5, atol=1e-6)


# Tip 2: read the model before training it.
calls = []


class CountingDense(layers.Dense):
    """A Dense layer with Python code in call(): here a counter, in the tip a print."""

    def call(self, inputs):
        calls.append(tuple(inputs.shape))
        return super().call(inputs)


def get_model():
    inputs = keras.Input(shape=(16,), name="features")
    h = MyAntirectifierFixed(name="antirectifier")(inputs)
    h = CountingDense(8, activation="relu", name="hidden")(h)
    outputs = layers.Dense(3, activation="softmax", name="classes")(h)
    return keras.Model(inputs, outputs, name="debug_me")


model = get_model()
lines = []
model.summary(print_fn=lambda line, **kwargs: lines.append(line))
text = "\n".join(lines)
for name in ("debug_me", "features", "antirectifier", "hidden", "classes"):
    assert name in text, (name, text)
assert "(None, 8)" in text and "(None, 3)" in text
# Intermediate outputs: a model returning every layer's output.
extractor = keras.Model(model.inputs, [layer.output for layer in model.layers[1:]])
data = np.random.default_rng(0).normal(size=(64, 16)).astype("float32")
labels = (data[:, :3].argmax(axis=1)).astype("int64")
features = extractor.predict(data[:4], verbose=0)
assert [f.shape for f in features] == [(4, 16), (4, 8), (4, 3)]

# Tip 3: run_eagerly=True runs call() in Python at every step.
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"],
              run_eagerly=True)
calls.clear()
model.fit(data, labels, batch_size=16, epochs=2, verbose=0)
# 4 steps an epoch, 2 epochs: every one seen (Keras traces once more to build its metrics).
assert len(calls) >= 8 and set(calls) == {(16, 16)}, calls

# Without it, Keras runs the Python code of call() only while tracing its compiled step
# (numen may run it at every step too): the tip's reason to debug with run_eagerly=True.
model = get_model()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
calls.clear()
history = model.fit(data, labels, batch_size=16, epochs=2, verbose=0)
print("calls without run_eagerly:", len(calls))
assert 1 <= len(calls) <= 8, calls
assert np.isfinite(history.history["loss"]).all()

print("debugging_tips OK")
