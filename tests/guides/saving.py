import os
import tempfile

import numpy as np

from numen import keras
from numen.keras import ops

d = tempfile.mkdtemp()


def get_model():
    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(), loss="mean_squared_error")
    return model


model = get_model()
test_input = np.random.random((128, 32))
test_target = np.random.random((128, 1))
model.fit(test_input, test_target, verbose=0)
model.save(os.path.join(d, "my_model.keras"))
reconstructed_model = keras.models.load_model(os.path.join(d, "my_model.keras"))
np.testing.assert_allclose(
    model.predict(test_input, verbose=0), reconstructed_model.predict(test_input, verbose=0)
)


@keras.saving.register_keras_serializable(package="my_package", name="custom_fn")
def custom_fn(x):
    return x**2


assert keras.saving.get_registered_object("my_package>custom_fn") is custom_fn


@keras.saving.register_keras_serializable(package="MyLayers")
class CustomLayer(keras.layers.Layer):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {"factor": self.factor}


@keras.saving.register_keras_serializable(package="my_package")
class MyDense(keras.layers.Layer):
    def __init__(
        self,
        units,
        *,
        kernel_regularizer=None,
        kernel_initializer=None,
        nested_model=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.hidden_units = units
        self.kernel_regularizer = kernel_regularizer
        self.kernel_initializer = kernel_initializer
        self.nested_model = nested_model

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.hidden_units,
                "kernel_regularizer": self.kernel_regularizer,
                "kernel_initializer": self.kernel_initializer,
                "nested_model": self.nested_model,
            }
        )
        return config

    def build(self, input_shape):
        _, input_units = input_shape
        self.kernel = self.add_weight(
            name="kernel",
            shape=[input_units, self.hidden_units],
            regularizer=self.kernel_regularizer,
            initializer=self.kernel_initializer,
        )

    def call(self, inputs):
        return ops.matmul(inputs, self.kernel)


layer = MyDense(units=16, kernel_regularizer="l1", kernel_initializer="ones")
layer3 = MyDense(units=64, nested_model=layer)
config = (
    keras.layers.serialize(layer3)
    if hasattr(keras.layers, "serialize")
    else keras.saving.serialize_keras_object(layer3)
)
print(config)
new_layer = (
    keras.layers.deserialize(config)
    if hasattr(keras.layers, "deserialize")
    else keras.saving.deserialize_keras_object(config)
)
print(new_layer, new_layer.nested_model)


class CustomLayer2(keras.layers.Layer):
    def __init__(self, sublayer, **kwargs):
        super().__init__(**kwargs)
        self.sublayer = sublayer

    def call(self, x):
        return self.sublayer(x)

    def get_config(self):
        base_config = super().get_config()
        config = {"sublayer": keras.saving.serialize_keras_object(self.sublayer)}
        return {**base_config, **config}

    @classmethod
    def from_config(cls, config):
        sublayer_config = config.pop("sublayer")
        sublayer = keras.saving.deserialize_keras_object(sublayer_config)
        return cls(sublayer, **config)


@keras.saving.register_keras_serializable(package="Complex")
class CustomModel(keras.layers.Layer):
    def __init__(self, first_layer, second_layer=None, **kwargs):
        super().__init__(**kwargs)
        self.first_layer = first_layer
        if second_layer is not None:
            self.second_layer = second_layer
        else:
            self.second_layer = keras.layers.Dense(8)

    def get_config(self):
        config = super().get_config()
        config.update({"first_layer": self.first_layer, "second_layer": self.second_layer})
        return config

    @classmethod
    def from_config(cls, config):
        config["first_layer"] = keras.saving.deserialize_keras_object(config["first_layer"])
        config["second_layer"] = keras.saving.deserialize_keras_object(config["second_layer"])
        return cls(**config)

    def call(self, inputs):
        return self.first_layer(self.second_layer(inputs))


inputs = keras.Input((32,))
outputs = CustomModel(first_layer=CustomLayer(12))(inputs)
model = keras.Model(inputs, outputs)
model.save(os.path.join(d, "custom.keras"))
m2 = keras.models.load_model(os.path.join(d, "custom.keras"))
x = np.random.random((2, 32)).astype("float32")
np.testing.assert_allclose(model.predict(x, verbose=0), m2.predict(x, verbose=0), rtol=1e-6)


# custom objects / scope
class CustomLayer3(keras.layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True
        )

    def call(self, inputs):
        return ops.matmul(inputs, self.w)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config


def custom_activation(x):
    return ops.tanh(x) ** 2


inputs = keras.Input((32,))
x = CustomLayer3(32)(inputs)
outputs = keras.layers.Activation(custom_activation)(x)
model = keras.Model(inputs, outputs)
config = model.get_config()
custom_objects = {"CustomLayer3": CustomLayer3, "custom_activation": custom_activation}
with keras.saving.custom_object_scope(custom_objects):
    new_model = keras.Model.from_config(config)
model.save(os.path.join(d, "ca.keras"))
m3 = keras.models.load_model(os.path.join(d, "ca.keras"), custom_objects=custom_objects)
np.testing.assert_allclose(
    model.predict(x := np.random.random((2, 32)).astype("float32"), verbose=0),
    m3.predict(x, verbose=0),
    rtol=1e-6,
)


# weights
def create_layer():
    layer = keras.layers.Dense(64, activation="relu", name="dense_2")
    layer.build((None, 784))
    return layer


layer_1 = create_layer()
layer_2 = create_layer()
layer_2.set_weights(layer_1.get_weights())
model.save_weights(os.path.join(d, "w.weights.h5"))
model.load_weights(os.path.join(d, "w.weights.h5"))
# get_config / from_config
layer = keras.layers.Dense(3, activation="relu")
layer_config = layer.get_config()
new_layer = keras.layers.Dense.from_config(layer_config)
model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(1)])
config = model.get_config()
new_model = keras.Sequential.from_config(config)
json_config = model.to_json()
new_model = keras.models.model_from_json(json_config)
clone = keras.models.clone_model(model)
# transfer learning weights by name / subset
inputs = keras.Input(shape=(784,), name="digits")
x = keras.layers.Dense(64, activation="relu", name="dense_1")(inputs)
x = keras.layers.Dense(64, activation="relu", name="dense_2")(x)
outputs = keras.layers.Dense(10, name="predictions")(x)
functional_model = keras.Model(inputs=inputs, outputs=outputs, name="3_layer_mlp")
pretrained = keras.Model(
    functional_model.inputs, functional_model.layers[-1].input, name="pretrained_model"
)
for w in pretrained.weights:
    print(w.name)
print("saving OK")
