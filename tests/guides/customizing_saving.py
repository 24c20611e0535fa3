"""keras.io guide "Customizing Saving and Serialization", step by step: a Dense subclass with an
extra keras.Variable that writes and reads its own state through save_own_variables /
load_own_variables, a layer that keeps a vocabulary as a file through save_assets /
load_assets, a layer whose build() takes an extra argument and records it with
get_build_config / build_from_config, and a subclassed Model whose compile() has its own
signature, restored through get_compile_config / compile_from_config. Each object is
registered with register_keras_serializable and round-trips through model.save and
keras.models.load_model with no custom_objects."""

import os

import numpy as np

from numen import keras

keras.utils.set_random_seed(7)

ref_input = np.random.random((16, 8)).astype("float32")
ref_output = np.random.random((16, 1)).astype("float32")


# ---- State saving: save_own_variables() and load_own_variables() ----
@keras.saving.register_keras_serializable(package="my_custom_package")
class LayerWithCustomVariable(keras.layers.Dense):
    def __init__(self, units, **kwargs):
        super().__init__(units, **kwargs)
        self.my_variable = keras.Variable(
            np.random.random((units,)), name="my_variable", dtype="float32"
        )

    def save_own_variables(self, store):
        super().save_own_variables(store)
        # One more entry beside the numbered weights.
        store["variables"] = self.my_variable.numpy()

    def load_own_variables(self, store):
        self.my_variable.assign(store["variables"])
        # Loading is all ours: the kernel and the bias too, stored by Dense under "0" and "1".
        for i, v in enumerate([self.kernel, self.bias]):
            v.assign(store[f"{i}"])

    def call(self, inputs):
        return super().call(inputs) + self.my_variable


model = keras.Sequential([keras.Input((8,)), LayerWithCustomVariable(1)])
model.compile(optimizer="adam", loss="mean_squared_error")
model.fit(ref_input, ref_output, epochs=2, verbose=0)
# The extra variable is one of the layer's weights (so it trains, too).
assert len(model.layers[0].weights) == 3
model.save("custom_vars_model.keras")
restored_model = keras.models.load_model("custom_vars_model.keras")
np.testing.assert_allclose(
    model.layers[0].my_variable.numpy(), restored_model.layers[0].my_variable.numpy()
)
np.testing.assert_allclose(
    model.predict(ref_input, verbose=0), restored_model.predict(ref_input, verbose=0), rtol=1e-6
)

# ---- Asset saving: save_assets() and load_assets() ----
@keras.saving.register_keras_serializable(package="my_custom_package")
class LayerWithCustomAssets(keras.layers.Dense):
    def __init__(self, vocab=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.vocab = vocab

    def save_assets(self, inner_path):
        with open(os.path.join(inner_path, "vocabulary.txt"), "w") as f:
            f.write(self.vocab)

    def load_assets(self, inner_path):
        with open(os.path.join(inner_path, "vocabulary.txt")) as f:
            text = f.read()
        self.vocab = text.replace("<unk>", "little")


model = keras.Sequential(
    [keras.Input((8,)), LayerWithCustomAssets(vocab="Mary had a <unk> lamb.", units=5)]
)
x = np.random.random((10, 8)).astype("float32")
y = model(x)
model.save("custom_assets_model.keras")
restored_model = keras.models.load_model("custom_assets_model.keras")
np.testing.assert_string_equal(restored_model.layers[-1].vocab, "Mary had a little lamb.")
np.testing.assert_allclose(restored_model(x), y, rtol=1e-6)


# ---- build and compile saving customization ----
@keras.saving.register_keras_serializable(package="my_custom_package")
class LayerWithCustomBuild(keras.layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def call(self, inputs):
        return keras.ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return dict(units=self.units, **super().get_config())

    def build(self, input_shape, layer_init):
        # build() takes one more argument, so the layer is built by hand before its first call.
        super().build(input_shape)
        self._input_shape = input_shape
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units), initializer=layer_init, trainable=True
        )
        self.b = self.add_weight(shape=(self.units,), initializer=layer_init, trainable=True)
        self.layer_init = layer_init

    def get_build_config(self):
        return {"layer_init": self.layer_init, "input_shape": self._input_shape}

    def build_from_config(self, config):
        self.build(config["input_shape"], config["layer_init"])


custom_layer = LayerWithCustomBuild(units=16)
custom_layer.build(input_shape=(8,), layer_init="random_normal")
assert custom_layer.built and custom_layer.get_build_config()["layer_init"] == "random_normal"

model = keras.Sequential([custom_layer, keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="mean_squared_error")
model.fit(ref_input, ref_output, epochs=2, verbose=0)
model.save("custom_build_model.keras")
restored_model = keras.models.load_model("custom_build_model.keras")
np.testing.assert_equal(restored_model.layers[0].layer_init, "random_normal")
np.testing.assert_equal(restored_model.built, True)
np.testing.assert_allclose(
    model.predict(ref_input, verbose=0), restored_model.predict(ref_input, verbose=0), rtol=1e-6
)


@keras.saving.register_keras_serializable(package="my_custom_package")
class ModelWithCustomCompile(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense1 = keras.layers.Dense(8, activation="relu")
        self.dense2 = keras.layers.Dense(4, activation="softmax")

    def call(self, inputs):
        return self.dense2(self.dense1(inputs))

    def compile(self, optimizer, loss_fn):
        super().compile(optimizer=optimizer, loss=loss_fn)
        self.model_optimizer = optimizer
        self.loss_fn = loss_fn

    def get_compile_config(self):
        # Serialized at saving time: both are Keras objects.
        return {"model_optimizer": self.model_optimizer, "loss_fn": self.loss_fn}

    def compile_from_config(self, config):
        optimizer = keras.utils.deserialize_keras_object(config["model_optimizer"])
        loss_fn = keras.utils.deserialize_keras_object(config["loss_fn"])
        self.compile(optimizer=optimizer, loss_fn=loss_fn)


model = ModelWithCustomCompile()
model.compile(optimizer="SGD", loss_fn="mean_squared_error")
targets = np.random.random((16, 4)).astype("float32")
model.fit(ref_input, targets, epochs=2, verbose=0)
model.save("custom_compile_model.keras")
restored_model = keras.models.load_model("custom_compile_model.keras")
np.testing.assert_equal(model.model_optimizer, restored_model.model_optimizer)
np.testing.assert_equal(model.loss_fn, restored_model.loss_fn)
np.testing.assert_allclose(
    model.predict(ref_input, verbose=0), restored_model.predict(ref_input, verbose=0), rtol=1e-6
)
# The restored model is compiled and trains on.
restored_model.fit(ref_input, targets, epochs=1, verbose=0)

print("customizing_saving OK")
