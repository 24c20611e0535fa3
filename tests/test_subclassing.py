"""Subclassed models and layers: tracked weights, add_loss, custom train_step, freezing."""

import numpy as np
import pytest

from numen import keras, ops
from numen.keras import layers


def _xy(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)).astype("float32")
    return x, (x @ np.arange(1, 6, dtype="float32")[:, None] / 5).astype("float32")


class Scale(layers.Layer):
    """A Keras-3-style custom layer: keyword add_weight, call, get_config."""

    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", trainable=True,
                                 name="w")
        self.offset = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                      name="offset")

    def call(self, inputs):
        self.add_loss(0.0 * ops.sum(self.w))
        return inputs * self.w * self.factor + self.offset

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class Net(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = layers.Dense(8, activation="relu")
        self.blocks = [layers.Dense(8, activation="relu"), Scale(2.0)]
        self.heads = {"out": layers.Dense(1)}
        self.drop = layers.Dropout(0.5)

    def call(self, x, training=False):
        x = self.drop(self.first(x), training=training)
        for block in self.blocks:
            x = block(x)
        return self.heads["out"](x)


def test_subclassed_model_tracks_layers_in_attributes_lists_and_dicts():
    model = Net()
    assert not model.built
    y = model(np.ones((3, 5), "float32"))
    assert y.shape == (3, 1) and model.built
    assert [type(l).__name__ for l in model.layers] == ["Dense", "Dense", "Scale", "Dense",
                                                       "Dropout"]
    assert len(model.weights) == 2 + 2 + 2 + 2
    assert len(model.trainable_weights) == 7  # Scale.offset is not trainable
    assert model.count_params() == 5 * 8 + 8 + 8 * 8 + 8 + 8 + 1 + 8 + 1
    # training=False makes Dropout a no-op: repeated calls agree.
    np.testing.assert_allclose(model(np.ones((3, 5))).numpy(), y.numpy())


def test_subclassed_model_trains_evaluates_predicts():
    x, y = _xy()
    model = Net()
    model.compile("adam", "mse", metrics=["mae"])
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    loss, mae = model.evaluate(x, y, verbose=0)
    assert loss < history.history["loss"][0] and mae > 0
    assert model.predict(x[:4], verbose=0).shape == (4, 1)


def test_build_with_shape_then_count_params():
    model = Net()
    with pytest.raises(ValueError, match="not been built"):
        model.count_params()
    model.build((None, 5))
    assert model.built and model.count_params() > 0


def test_custom_layer_config_round_trip_and_add_loss_reaches_training_loss():
    layer = Scale(3.0, name="scale")
    clone = Scale.from_config(layer.get_config())
    assert clone.factor == 3.0 and clone.name == "scale"

    class Penalized(layers.Layer):
        def call(self, inputs):
            self.add_loss(ops.sum(ops.square(inputs)) * 0 + 10.0)
            return inputs

    inp = keras.Input((5,))
    model = keras.Model(inp, layers.Dense(1)(Penalized()(inp)))
    model.compile("sgd", "mse")
    x, y = _xy(16)
    plain = keras.Model(inp, model.layers[-1](inp))
    plain.compile("sgd", "mse")
    with_penalty = model.evaluate(x, y, verbose=0)
    without = plain.evaluate(x, y, verbose=0)
    assert with_penalty == pytest.approx(without + 10.0, rel=1e-5)


class CustomModel(keras.Model):
    """The Keras 3 guide's custom train_step, unchanged but for the GradientTape import."""

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


class UnpackingModel(CustomModel):
    """The same step, unpacking the batch with Keras's helper (sample weights allowed)."""

    def train_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        return super().train_step((x, y))


@pytest.mark.parametrize("cls", [CustomModel, UnpackingModel])
def test_custom_train_step_from_the_keras_guide(cls):
    inputs = keras.Input(shape=(5,))
    outputs = layers.Dense(1)(inputs)
    model = cls(inputs, outputs)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x, y = _xy()
    history = model.fit(x, y, epochs=5, verbose=0)
    assert sorted(history.history) == ["loss", "mae"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["mae"][-1] > 0


def test_frozen_layer_has_no_trainable_weights_and_is_unchanged_by_fit():
    x, y = _xy(32)
    frozen = layers.Dense(4, name="frozen")
    model = keras.Sequential([keras.Input((5,)), frozen, layers.Dense(1)])
    frozen.trainable = False
    assert frozen.trainable_weights == [] and len(frozen.non_trainable_weights) == 2
    assert len(model.trainable_weights) == 2
    before = frozen.get_weights()
    model.compile("adam", "mse")
    model.fit(x, y, epochs=2, verbose=0)
    for a, b in zip(before, frozen.get_weights()):
        np.testing.assert_array_equal(a, b)
    model.trainable = False
    assert model.trainable_weights == []


def test_get_and_set_weights():
    model = Net()
    model(np.ones((1, 5)))
    values = [np.full(w.shape, 0.5, dtype=w.dtype) for w in model.weights]
    model.set_weights(values)
    assert all((v == 0.5).all() for v in model.get_weights())
    with pytest.raises(ValueError, match="expects 8 weight arrays"):
        model.set_weights(values[:-1])
    with pytest.raises(ValueError, match="has shape"):
        model.set_weights([np.zeros((2, 2))] + values[1:])


def test_fit_does_not_add_layers_to_a_subclassed_model():
    class Wrapper(keras.Model):
        def __init__(self):
            super().__init__()
            self.inner = keras.Sequential([keras.layers.Dense(2), keras.layers.Dense(1)])

        def call(self, x):
            return self.inner(x)

    model = Wrapper()
    model.compile(optimizer="sgd", loss="mse")
    model(np.zeros((1, 3), "float32"))
    before = [layer.name for layer in model.layers]
    model.fit(np.zeros((4, 3), "float32"), np.zeros((4, 1), "float32"), verbose=0)
    assert [layer.name for layer in model.layers] == before
    assert model.count_params() == 3 * 2 + 2 + 2 + 1


class _LazyScale(layers.Layer):
    """Adds a weight on its second call (Keras refuses this on a built layer; numen allows
    it and puts the weight where the layer's other weights are)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = 0

    def build(self, input_shape):
        self.bias = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="bias")

    def call(self, x):
        self.calls += 1
        if self.calls == 2:
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")
        return x + self.bias


class _HoldsLazy(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.lazy = _LazyScale(name="lazy")

    def call(self, x):
        return self.lazy(x)


def test_a_weight_added_on_a_later_call_is_under_the_layer_path():
    model = _HoldsLazy(name="holder")
    x = np.ones((2, 3), "float32")
    model(x)
    model(x)
    assert [v.path for v in model.weights] == ["holder/lazy/bias", "holder/lazy/scale"]


class HoldsVariables(layers.Layer):
    """Variables kept in attributes, not made by add_weight: Keras tracks them as weights."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.offset = keras.Variable(np.zeros((3,)), name="offset", dtype="float32")
        self.frozen = keras.Variable(np.ones((3,)), name="frozen", trainable=False)
        self.extra = [keras.Variable(np.zeros((3,)), name="in_list", dtype="float32")]

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], 3), name="kernel")

    def call(self, x):
        return ops.matmul(x, self.kernel) * self.frozen + self.offset + self.extra[0]


def test_variables_held_in_attributes_are_weights_that_train_and_save(tmp_path):
    layer = HoldsVariables()
    model = keras.Sequential([keras.Input((5,)), layer])
    names = [w.name for w in layer.weights]
    assert sorted(names) == ["frozen", "in_list", "kernel", "offset"]
    # As in Keras: trainable ones (in order of creation) first, then the non-trainable one.
    assert [w.name for w in layer._saved_variables()] == ["offset", "in_list", "kernel",
                                                         "frozen"]
    assert [w.name for w in layer.non_trainable_weights] == ["frozen"]
    x, y = _xy(32)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.repeat(y, 3, axis=1) + 1.0, epochs=2, verbose=0)
    assert np.abs(layer.offset.numpy()).sum() > 0  # the optimizer updated it
    np.testing.assert_array_equal(layer.frozen.numpy(), np.ones(3))
    keras.saving.register_keras_serializable("test_subclassing")(HoldsVariables)
    path = str(tmp_path / "m.keras")
    model.save(path)
    back = keras.models.load_model(path)
    np.testing.assert_allclose(back.layers[0].offset.numpy(), layer.offset.numpy())
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_a_dense_subclass_saves_only_what_dense_made():
    """Keras's Dense writes kernel and bias as "0" and "1"; a Variable a subclass adds is the
    subclass's to save (customizing saving guide)."""

    class WithOffset(layers.Dense):
        def __init__(self, units, **kwargs):
            super().__init__(units, **kwargs)
            self.offset = keras.Variable(np.ones((units,)), name="offset", dtype="float32")

    layer = WithOffset(2)
    layer.build((None, 4))
    assert [w.name for w in layer.weights] == ["offset", "kernel", "bias"]
    store = {}
    layer.save_own_variables(store)
    assert sorted(store) == ["0", "1"]
    assert store["0"].shape == (4, 2) and store["1"].shape == (2,)
    with pytest.raises(ValueError, match=r"expected 2 variables, but received 1"):
        layer.load_own_variables({"0": store["0"]})


def test_a_build_without_a_shape_argument_is_called_without_one():
    """Keras calls `build()` bare when it takes no shape (the GRN/VSN example's layers, whose
    sub-layers build on their first call); numen passed the shape and raised TypeError."""

    class Gate(layers.Layer):
        def __init__(self, units):
            super().__init__()
            self.linear = layers.Dense(units)
            self.sigmoid = layers.Dense(units, activation="sigmoid")
            self.calls_to_build = 0

        def build(self):
            self.calls_to_build += 1
            self.built = True

        def call(self, x):
            return self.linear(x) * self.sigmoid(x)

    eager = Gate(3)
    assert eager(np.ones((2, 5), "float32")).shape == (2, 3)
    assert eager.calls_to_build == 1 and len(eager.trainable_weights) == 4
    symbolic = Gate(2)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, symbolic(inputs))
    assert model.output_shape == (None, 2) and symbolic.calls_to_build == 1


def test_call_arguments_besides_the_inputs_are_converted_as_keras_does():
    # Keras converts arrays in every argument of a layer call (floats to the layer's dtype),
    # leaving Python numbers and lists alone; a two-argument endpoint layer (keras.io's
    # captcha OCR CTCLayer(labels, predictions)) relies on it in a Functional model.
    seen = {}

    class Endpoint(layers.Layer):
        def call(self, y_true, y_pred, weight=None, scale=1.0, extra=None):
            seen.update(y_pred=y_pred, weight=weight, scale=scale, extra=extra)
            self.add_loss(ops.mean(ops.square(y_true - y_pred)) * scale)
            return y_pred

    layer = Endpoint(dtype="float16")
    layer(np.zeros((2, 3)), np.ones((2, 3)), weight=np.float64(2.0), scale=0.5,
          extra=[1.0, np.arange(3)])
    assert ops.is_tensor(seen["y_pred"]) and seen["y_pred"].dtype == "float16"
    assert ops.is_tensor(seen["weight"]) and seen["weight"].dtype == "float16"
    assert seen["scale"] == 0.5 and isinstance(seen["scale"], float)
    assert seen["extra"][0] == 1.0 and ops.is_tensor(seen["extra"][1])
    assert seen["extra"][1].dtype == "int64"

    labels, features = keras.Input((3,)), keras.Input((4,))
    predictions = layers.Dense(3)(features)
    out = Endpoint()(labels, predictions)
    assert out.shape == (None, 3)
    model = keras.Model([features, labels], out)
    model.compile(optimizer="sgd")
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    loss = model.evaluate([x, np.ones((8, 3), "float32")], verbose=0)
    assert np.isfinite(loss)


class _HoldsVariables(layers.Layer):
    """Variables made outside add_weight and kept in attributes (keras.io's Swin Transformer
    keeps its relative position index and shifted-window mask so)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.index = keras.Variable(np.array([2, 0, 1]), dtype="int", trainable=False)
        self.dense = layers.Dense(3)

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(3,), initializer="ones", name="scale")
        self.offset = keras.Variable(np.zeros(3, "float32"), name="offset")
        self.tables = [keras.Variable(np.ones(2, "float32"), trainable=False, name="table")]
        self.dense.build(input_shape)
        self.alias = self.dense.kernel  # a sublayer's weight stays the sublayer's

    def call(self, x):
        return self.dense(ops.take(x, self.index, axis=1)) * self.scale + self.offset


def test_variables_held_in_attributes_are_the_layers_weights_and_train():
    layer = _HoldsVariables()
    layer(np.ones((4, 3), "float32"))
    # As Keras lists them: own trainable, own non-trainable, then the sublayer's.
    assert [w.name for w in layer.weights] == ["scale", "offset", "variable", "table",
                                               "kernel", "bias"]
    assert [w.name for w in layer.non_trainable_weights] == ["variable", "table"]
    model = keras.Sequential([keras.Input((3,)), layer])
    model.compile(optimizer="sgd", loss="mse")
    assert model.count_params() == 3 + 3 + 3 + 2 + 9 + 3
    model.fit(np.ones((8, 3), "float32"), np.full((8, 3), 2.0, "float32"), verbose=0)
    assert np.all(layer.offset.numpy() != 0)  # trained
    np.testing.assert_array_equal(layer.index.numpy(), [2, 0, 1])


def test_weights_list_trainable_ones_first_whatever_the_order_they_were_made_in():
    class CountFirst(layers.Layer):
        def build(self, input_shape):
            self.count = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                         name="count")
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

        def call(self, x):
            return x * self.w

    layer = CountFirst()
    layer(np.ones((2, 3), "float32"))
    assert [w.name for w in layer.weights] == ["w", "count"]
    assert [w.shape for w in layer.get_weights()] == [(3,), ()]
