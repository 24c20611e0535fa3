"""Saving and loading in numen: .keras round trips that resume training exactly, weights
files, configs and JSON, custom objects, and the safety rules (atomic writes, no code run
from files, clear errors for damaged files)."""

import json
import os
import zipfile

import numpy as np
import pytest

from numen import backend, keras
from numen.keras import layers

X = np.random.default_rng(1).normal(size=(32, 6)).astype("float32")
Y = np.random.default_rng(2).normal(size=(32, 2)).astype("float32")


def sequential(seed=0):
    backend.set_random_seed(seed)
    model = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="relu"),
                              layers.BatchNormalization(), layers.Dropout(0.2), layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model


def functional(seed=0):
    backend.set_random_seed(seed)
    a, b = keras.Input((6,), name="a"), keras.Input((6,), name="b")
    shared = layers.Dense(4, activation="tanh")
    h = layers.Concatenate()([shared(a), shared(b), layers.Subtract()([a, b])])
    return keras.Model([a, b], [layers.Dense(2, name="out")(h), layers.Dense(1, name="aux")(h)])


def test_resume_training_from_keras_file_is_exact(tmp_path):
    straight = sequential()
    straight.fit(X, Y, epochs=3, batch_size=8, verbose=0)

    model = sequential()
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.optimizer.iterations == 8 and loaded.compiled
    assert loaded.optimizer.learning_rate == pytest.approx(0.01)
    loaded.fit(X, Y, epochs=1, batch_size=8, verbose=0)
    for a, b in zip(loaded.get_weights(), straight.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-7)
    assert loaded.evaluate(X, Y, verbose=0) == pytest.approx(straight.evaluate(X, Y, verbose=0))


def test_keras_file_layout(tmp_path):
    model = sequential()
    model.fit(X, Y, epochs=1, batch_size=16, verbose=0)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        assert z.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
        config = json.loads(z.read("config.json"))
    assert config["class_name"] == "Sequential" and config["module"] == "keras"
    assert [spec["class_name"] for spec in config["config"]["layers"]] == [
        "InputLayer", "Dense", "BatchNormalization", "Dropout", "Dense"]
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert config["compile_config"]["loss"] == "mse"


def test_functional_round_trip_with_shared_layer(tmp_path):
    model = functional()
    x = [X, X[::-1].copy()]
    config = model.get_config()
    assert config["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    shared = [spec for spec in config["layers"] if spec["class_name"] == "Dense"][0]
    assert len(shared["inbound_nodes"]) == 2
    model.save(tmp_path / "f.keras")
    loaded = keras.models.load_model(tmp_path / "f.keras")
    for got, want in zip(loaded.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    assert loaded.output_names == ["out", "aux"] and len(loaded.weights) == len(model.weights)


def test_activity_regularizers_survive_save_clone_and_config(tmp_path):
    # Keras lists a set activity_regularizer in get_config (Dense(activity_regularizer="l2")
    # gives {"class_name": "L2", "config": {"l2": 0.01}, ...}); numen left it out, so a
    # reloaded or cloned model trained without the penalty.
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 2), "float32")
    model = keras.Sequential([keras.Input((3,)),
                              layers.Dense(2, activity_regularizer=keras.regularizers.L2(0.5)),
                              layers.Dense(2, activity_regularizer="l1")])
    model.compile(loss="mse")
    config = model.layers[0].get_config()["activity_regularizer"]
    assert config["class_name"] == "L2" and config["config"] == {"l2": 0.5}
    expected = model.evaluate(x, y, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    clone.compile(loss="mse")
    for other in (loaded, clone):
        assert [type(layer.activity_regularizer).__name__ for layer in other.layers] == [
            "L2", "L1"]
        assert other.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-6)


def test_json_config_and_clone(tmp_path):
    model = functional()
    rebuilt = keras.models.model_from_json(model.to_json())
    assert rebuilt.get_config() == model.get_config()
    clone = keras.models.clone_model(model)
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    assert not np.allclose(clone.get_weights()[0], model.get_weights()[0])
    seq = sequential()
    again = keras.Sequential.from_config(seq.get_config())
    assert [type(layer) for layer in again.layers] == [type(layer) for layer in seq.layers]


def test_save_and_load_weights_with_skip_mismatch(tmp_path):
    model = sequential()
    model.fit(X, Y, epochs=1, batch_size=16, verbose=0)
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    other = sequential(seed=5)
    other.load_weights(path)
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)

    backend.set_random_seed(3)
    wider = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="relu"),
                              layers.BatchNormalization(), layers.Dropout(0.2), layers.Dense(3)])
    before = wider.get_weights()
    with pytest.raises(ValueError, match="shape"):
        wider.load_weights(path)
    for a, b in zip(wider.get_weights(), before):  # a rejected load changes nothing
        np.testing.assert_array_equal(a, b)
    with pytest.warns(UserWarning, match="Skipping"):
        wider.load_weights(path, skip_mismatch=True)
    np.testing.assert_array_equal(wider.get_weights()[0], model.get_weights()[0])
    np.testing.assert_array_equal(wider.get_weights()[-1], before[-1])
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model.save_weights(str(tmp_path / "w.h5"))


@keras.saving.register_keras_serializable(package="Tests")
class Scale(layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class Unregistered(Scale):
    pass


def test_custom_layers_registered_or_passed(tmp_path):
    backend.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), Scale(3.0), Unregistered(0.5)])
    model.layers[0].w.assign(np.arange(6, dtype="float32"))
    model.save(tmp_path / "c.keras")
    with pytest.raises(ValueError, match="Unregistered"):
        keras.models.load_model(tmp_path / "c.keras")
    loaded = keras.models.load_model(tmp_path / "c.keras",
                                     custom_objects={"Unregistered": Unregistered})
    assert loaded.layers[0].factor == 3.0 and isinstance(loaded.layers[0], Scale)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert keras.saving.get_registered_name(Scale) == "Tests>Scale"


def test_interrupted_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    model = sequential()
    model.save(path)
    before = path.read_bytes()
    real = zipfile.ZipFile.writestr

    def failing(self, name, data, *args, **kwargs):
        if name == "model.weights.h5":
            raise OSError("disk full (injected)")
        return real(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing)
    model.fit(X, Y, epochs=1, verbose=0)
    with pytest.raises(OSError, match="injected"):
        model.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.keras"]  # no temporary file left behind


def test_overwrite_false_refuses(tmp_path):
    model = sequential()
    model.save(tmp_path / "m.keras")
    model.save_weights(str(tmp_path / "m.weights.h5"))
    with pytest.raises(FileExistsError, match="overwrite"):
        model.save(tmp_path / "m.keras", overwrite=False)
    with pytest.raises(FileExistsError, match="overwrite"):
        model.save_weights(str(tmp_path / "m.weights.h5"), overwrite=False)


def test_damaged_files_raise_value_error_naming_the_file(tmp_path):
    model = sequential()
    path = tmp_path / "m.keras"
    model.save(path)
    data = path.read_bytes()
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated.keras"):
        keras.models.load_model(truncated)
    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"not a zip at all" * 10)
    with pytest.raises(ValueError, match="garbage.keras"):
        keras.models.load_model(garbage)
    weights = tmp_path / "bad.weights.h5"
    weights.write_bytes(b"\x89HDF\r\n" + b"0" * 50)
    with pytest.raises(ValueError, match="bad.weights.h5"):
        model.load_weights(str(weights))


def _write_config(path, config):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", "{}")
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", b"")


def test_loading_never_runs_code_from_the_file(tmp_path):
    lam = {"module": "keras", "class_name": "Sequential", "config": {"name": "s", "layers": [
        {"module": "keras.layers", "class_name": "Lambda",
         "config": {"function": {"class_name": "__lambda__", "config": {"code": "..."}}}}]}}
    _write_config(tmp_path / "lambda.keras", lam)
    with pytest.raises(ValueError, match="Lambda"):
        keras.models.load_model(tmp_path / "lambda.keras")
    evil = {"module": "os", "class_name": "system", "config": {"command": "touch pwned"}}
    _write_config(tmp_path / "evil.keras", evil)
    with pytest.raises(ValueError, match="Unknown layer class 'system'"):
        keras.models.load_model(tmp_path / "evil.keras")
    assert not os.path.exists("pwned")


def test_legacy_tf_keras_h5_file_loads(tmp_path):
    """A hand-made file in tf.keras 2's documented layout (Keras 3 no longer writes it)."""
    import h5py

    rng = np.random.default_rng(0)
    kernel, bias = rng.normal(size=(3, 2)).astype("float32"), np.array([0.5, -1], "float32")
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3],
                                                "dtype": "float32", "name": "input_1"}},
        {"class_name": "Dense", "config": {"name": "dense", "units": 2,
                                           "activation": "relu", "use_bias": True}}]}}
    path = tmp_path / "old.h5"
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = [b"dense"]
        d = g.create_group("dense")
        d.attrs["weight_names"] = [b"dense/kernel:0", b"dense/bias:0"]
        d.create_dataset("dense/kernel:0", data=kernel)
        d.create_dataset("dense/bias:0", data=bias)
    model = keras.models.load_model(path)
    x = rng.normal(size=(4, 3)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), np.maximum(x @ kernel + bias, 0),
                               rtol=1e-6)
    with pytest.raises(ValueError, match=r"\.keras"):
        model.save(tmp_path / "new.h5")


@keras.saving.register_keras_serializable(package="test_saving")
class BuiltWithInit(layers.Layer):
    """build() takes an extra argument: only get_build_config/build_from_config rebuild it."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape, layer_init):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer=layer_init)
        self.layer_init, self._shape = layer_init, input_shape

    def call(self, x):
        return keras.ops.matmul(x, self.w)

    def get_config(self):
        return {**super().get_config(), "units": self.units}

    def get_build_config(self):
        return {"input_shape": self._shape, "layer_init": self.layer_init}

    def build_from_config(self, config):
        self.build(config["input_shape"], config["layer_init"])


def test_get_build_config_and_build_from_config_rebuild_a_layer(tmp_path):
    layer = BuiltWithInit()
    layer.build((None, 4), "ones")
    model = keras.Sequential([layer, layers.Dense(1)])
    x = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    expected = model.predict(x, verbose=0)
    path = str(tmp_path / "m.keras")
    model.save(path)
    entry = json.loads(zipfile.ZipFile(path).read("config.json"))["config"]["layers"][1]
    assert entry["build_config"] == {"input_shape": [None, 4], "layer_init": "ones"}
    back = keras.models.load_model(path)
    assert back.layers[0].layer_init == "ones"
    np.testing.assert_allclose(back.predict(x, verbose=0), expected, rtol=1e-6)


def test_default_build_config_records_the_build_arguments():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=2)
    layer(np.zeros((1, 3, 4), "float32"), np.zeros((1, 5, 6), "float32"))
    config = layer.get_build_config()
    assert {"query_shape", "value_shape"} <= set(config["shapes_dict"])  # Keras: both
    assert tuple(config["shapes_dict"]["value_shape"]) == (1, 5, 6)
    fresh = layers.MultiHeadAttention(num_heads=2, key_dim=2)
    fresh.build_from_config(config)
    assert [w.shape for w in fresh.weights] == [w.shape for w in layer.weights]
    assert layers.Dense(2).get_build_config() is None  # unbuilt

    class TwoArguments(layers.Layer):
        def build(self, input_shape, layer_init):
            pass

    by_hand = TwoArguments()
    by_hand.build((None, 4), "ones")  # as Keras: built, with both arguments recorded
    assert by_hand.built
    assert by_hand.get_build_config() == {"shapes_dict": {"input_shape": (None, 4),
                                                          "layer_init": "ones"}}


@keras.saving.register_keras_serializable(package="test_saving")
class CompiledOwnWay(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(2)

    def call(self, x):
        return self.dense(x)

    def compile(self, optimizer, loss_fn):
        super().compile(optimizer=optimizer, loss=loss_fn)
        self.loss_fn = loss_fn

    def get_compile_config(self):
        return {"optimizer": self.optimizer, "loss_fn": self.loss_fn}

    def compile_from_config(self, config):
        self.compile(keras.utils.deserialize_keras_object(config["optimizer"]),
                     loss_fn=config["loss_fn"])


def test_compile_config_hooks_and_a_subclassed_model_round_trip(tmp_path):
    model = CompiledOwnWay()
    model.compile(keras.optimizers.Adam(learning_rate=0.01), loss_fn="mae")
    x = np.random.default_rng(1).normal(size=(8, 3)).astype("float32")
    model.fit(x, x[:, :2], epochs=1, verbose=0)
    path = str(tmp_path / "m.keras")
    model.save(path)
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    assert config["compile_config"]["loss_fn"] == "mae"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert config["build_config"] == {"input_shape": [8, 3]}  # as Keras: the first call's
    back = keras.models.load_model(path)
    assert back.loss_fn == "mae" and back.optimizer.learning_rate == pytest.approx(0.01)
    np.testing.assert_allclose(back.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    np.testing.assert_allclose(back.optimizer.iterations, model.optimizer.iterations)
    assert keras.models.load_model(path, compile=False).compiled is False
