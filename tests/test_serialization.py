"""keras.saving's object format (serialize/deserialize_keras_object), the registry and
custom_object_scope, the tf.keras 2 format (keras.legacy.saving), and keras.utils.Config.

Dicts are compared with those written by real Keras 3 (tests/fixtures/keras_structures.py).
"""

import json
import os
import sys

import numpy as np
import pytest

from fixtures import custom_objects, keras_structures
from numen import keras

with open(os.path.join(os.path.dirname(__file__), "fixtures", "keras_structures.json")) as f:
    RECORDED = json.load(f)["serialization"]


def _same(ours, theirs, where="") -> list:
    """Differences between numen's and Keras's dicts. Two are allowed, both owned by the layer
    and initializer code: Keras writes a layer's dtype as a DTypePolicy dict (numen as its
    name), and newer Keras keys that hold their neutral value (None) may be absent."""
    if isinstance(theirs, dict) and theirs.get("class_name") == "DTypePolicy" and \
            isinstance(ours, str):
        return [] if theirs["config"]["name"] == ours else [f"{where}: {ours} != {theirs}"]
    if isinstance(ours, dict) and isinstance(theirs, dict):
        out = [f"{where}.{k}: only numen" for k in ours.keys() - theirs.keys()]
        out += [f"{where}.{k}: only Keras ({theirs[k]!r})" for k in theirs.keys() - ours.keys()
                if theirs[k] is not None]
        for k in ours.keys() & theirs.keys():
            out += _same(ours[k], theirs[k], f"{where}.{k}")
        return out
    return [] if ours == theirs else [f"{where}: {ours!r} != {theirs!r}"]


@pytest.mark.parametrize("name", sorted(keras_structures.SERIAL_CASES))
def test_serialized_dicts_match_keras(name):
    ours = json.loads(json.dumps(keras_structures.SERIAL_CASES[name](keras)))
    assert _same(ours, RECORDED[name]) == []


@pytest.mark.parametrize("name", ["dense", "adam", "glorot", "l2", "l1l2", "max_norm", "zeros",
                                  "loss", "schedule", "custom_layer", "function", "array"])
def test_keras_dicts_deserialize_and_round_trip(name):
    custom_objects.define(keras)  # registers numen_test>ScaledDense
    obj = keras.saving.deserialize_keras_object(RECORDED[name])
    again = json.loads(json.dumps(keras.saving.serialize_keras_object(obj)))
    assert _same(again, RECORDED[name]) == []


def test_deserialize_values_and_functions():
    d = keras.saving.deserialize_keras_object
    assert d([1, "relu", None, {"a": [2.5]}]) == [1, "relu", None, {"a": [2.5]}]
    assert d(RECORDED["function"]) is keras.activations.relu
    assert d({"class_name": "__bytes__", "config": {"value": "ab"}}) == b"ab"
    arr = d(RECORDED["array"])
    assert arr.dtype == np.float32 and arr.tolist() == [0.0, 1.0, 2.0]
    assert d(RECORDED["values"]) == [1, 2.5, "a", None, True, [1, 2], {"b": b"xy"}]
    # By module: "Identity" is an initializer here, not the layer.
    ident = d({"module": "keras.initializers", "class_name": "Identity", "config": {},
               "registered_name": None})
    assert isinstance(ident, keras.initializers.Identity)


def test_registered_and_scoped_objects():
    scaled_dense, shift = custom_objects.define(keras)
    assert keras.saving.get_registered_name(scaled_dense) == "numen_test>ScaledDense"
    assert keras.utils.get_registered_name(shift) == "Shift"
    assert keras.saving.get_custom_objects()["numen_test>ScaledDense"] is scaled_dense
    assert keras.saving.get_registered_object("numen_test>ScaledDense") is scaled_dense
    assert keras.saving.get_registered_object("ScaledDense") is None
    assert keras.saving.get_registered_object("X", custom_objects={"X": 5}) == 5
    assert keras.saving.get_registered_object("X", module_objects={"X": 6}) == 6
    config = keras.saving.serialize_keras_object(shift(name="s"))
    assert config["registered_name"] == "Shift"
    with pytest.raises(ValueError, match="Shift"):
        keras.saving.deserialize_keras_object(config)
    with keras.saving.custom_object_scope({"Shift": shift}) as scope:
        assert isinstance(scope, keras.saving.CustomObjectScope)
        assert keras.saving.get_registered_object("Shift") is shift
        with keras.utils.CustomObjectScope({"Shift": scaled_dense}):
            assert keras.saving.get_registered_object("Shift") is scaled_dense  # innermost
        assert isinstance(keras.saving.deserialize_keras_object(config), shift)
    assert keras.saving.get_registered_object("Shift") is None
    layer = keras.saving.deserialize_keras_object(config, custom_objects={"Shift": shift})
    assert layer.name == "s"


def test_registration_errors():
    with pytest.raises(ValueError, match="get_config"):
        keras.saving.register_keras_serializable()(type("NoConfig", (), {}))
    with pytest.raises(ValueError, match="package"):
        keras.saving.register_keras_serializable(package="a>b")
    with pytest.raises(TypeError, match="custom_objects must be a dict"):
        keras.saving.CustomObjectScope(["Shift"])


def test_loading_never_imports_or_runs_code():
    name = "numen_module_that_must_not_be_imported"
    with pytest.raises(ValueError, match="Unknown class 'Thing'"):
        keras.saving.deserialize_keras_object({"module": name, "class_name": "Thing",
                                               "config": {}, "registered_name": None})
    assert name not in sys.modules
    with pytest.raises(ValueError, match="lambda"):
        keras.saving.deserialize_keras_object(
            {"class_name": "__lambda__", "config": {"value": ["4wEAAA==", None, None]}},
            safe_mode=False)
    with pytest.raises(ValueError, match="unknown function 'os.system'"):
        keras.saving.deserialize_keras_object({"module": "os", "class_name": "function",
                                               "config": "os.system",
                                               "registered_name": "function"})
    with pytest.raises(TypeError, match="lambda"):
        keras.saving.serialize_keras_object(lambda x: x)
    with pytest.raises(TypeError, match="get_config"):
        keras.saving.serialize_keras_object({1, 2})


@pytest.mark.parametrize("module, obj", [
    ("initializers", lambda k: k.initializers.Orthogonal(gain=2.0, seed=3)),
    ("regularizers", lambda k: k.regularizers.L1L2(0.5, 0.25)),
    ("constraints", lambda k: k.constraints.MinMaxNorm(0.5, 2.0)),
])
def test_module_serialize_deserialize(module, obj):
    namespace = getattr(keras, module)
    original = obj(keras)
    config = namespace.serialize(original)
    assert config["module"] == f"keras.{module}"
    back = namespace.deserialize(config)
    assert type(back) is type(original) and back.get_config() == original.get_config()
    legacy = namespace.deserialize({"class_name": config["class_name"],
                                    "config": config["config"]})
    assert type(legacy) is type(original)


def test_legacy_format():
    scaled_dense, _ = custom_objects.define(keras)
    layer = scaled_dense(2, scale=3.0, name="sd")
    config = keras.legacy.saving.serialize_keras_object(layer)
    assert set(config) == {"class_name", "config"}
    assert config["class_name"] == "numen_test>ScaledDense"
    back = keras.utils.legacy.deserialize_keras_object(config)
    assert isinstance(back, scaled_dense) and back.scale == 3.0
    with pytest.raises(ValueError, match="Unknown object"):
        keras.legacy.saving.deserialize_keras_object({"class_name": "L2", "config": {}})
    l2 = keras.legacy.saving.deserialize_keras_object(
        {"class_name": "L2", "config": {"l2": 0.5}}, module_objects={"L2": keras.regularizers.L2})
    assert l2.get_config() == {"l2": 0.5}


def test_config_container():
    c = keras.utils.Config(a=1, b=[1, 2])
    c.x = 3
    c["y"] = 4
    assert (c.a, c["x"], c.y, len(c), list(c)) == (1, 3, 4, 4, ["a", "b", "x", "y"])
    assert c.as_dict() == {"a": 1, "b": [1, 2], "x": 3, "y": 4}
    assert json.loads(c.to_json()) == c.as_dict() and "a" in c and c.get("zz", 5) == 5
    with pytest.raises(AttributeError, match="zz"):
        _ = c.zz
    c.freeze()
    assert c.frozen
    for change in (lambda: setattr(c, "a", 2), lambda: c.__setitem__("a", 2),
                   lambda: c.pop("a"), lambda: c.update(q=1), lambda: c.__delitem__("a")):
        with pytest.raises(ValueError, match="frozen"):
            change()
    c.unfreeze()
    assert c.pop("a") == 1 and c.pop("a", 9) == 9
    c.update({"q": 1}, r=2)
    assert (c.q, c.r) == (1, 2) and repr(c).startswith("<Config {")


def test_custom_loss_and_layer_round_trip_in_keras_file(tmp_path):
    scaled_dense, shift = custom_objects.define(keras)

    @keras.saving.register_keras_serializable(package="numen_test")
    def halved_mse(y_true, y_pred):
        return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1) / 2

    model = custom_objects.model(keras)
    model.compile(optimizer="sgd", loss=halved_mse)
    x = np.random.default_rng(0).normal(size=(4, 4)).astype("float32")
    model.fit(x, np.zeros((4, 2), "float32"), epochs=1, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    with keras.utils.custom_object_scope({"Shift": shift}):
        loaded = keras.saving.load_model(path)
    assert loaded.loss is halved_mse
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


# Keras 3.15 (JAX): which layers' get_config always has an "activity_regularizer" key.
_LISTS_ACTIVITY_REGULARIZER = {
    "Dense": (lambda: keras.layers.Dense(2), False),
    "Conv1D": (lambda: keras.layers.Conv1D(2, 3), True),
    "Conv1DTranspose": (lambda: keras.layers.Conv1DTranspose(2, 3), True),
    "DepthwiseConv2D": (lambda: keras.layers.DepthwiseConv2D(3), True),
    "SeparableConv1D": (lambda: keras.layers.SeparableConv1D(2, 3), True),
    "Embedding": (lambda: keras.layers.Embedding(3, 2), True),
    "MultiHeadAttention": (lambda: keras.layers.MultiHeadAttention(2, 2), True),
    "EinsumDense": (lambda: keras.layers.EinsumDense("ab,bc->ac", 2), True),
    "LSTM": (lambda: keras.layers.LSTM(2), True),
    "GRU": (lambda: keras.layers.GRU(2), True),
    "SimpleRNN": (lambda: keras.layers.SimpleRNN(2), True),
    "RNN": (lambda: keras.layers.RNN(keras.layers.LSTMCell(2)), False),
    "Flatten": (lambda: keras.layers.Flatten(), False),
    "Bidirectional": (lambda: keras.layers.Bidirectional(keras.layers.LSTM(2)), False),
}


@pytest.mark.parametrize("name", sorted(_LISTS_ACTIVITY_REGULARIZER))
def test_config_lists_activity_regularizer_where_keras_does(name):
    make, listed = _LISTS_ACTIVITY_REGULARIZER[name]
    config = make().get_config()
    assert ("activity_regularizer" in config) == listed
    if listed:
        assert config["activity_regularizer"] is None
        assert type(make()).from_config(config).get_config() == config
