"""Dtype policies and mixed precision: policy objects, the global policy, and layers that keep
float32 weights while computing in float16 (values against Keras: golden precision_policies)."""

import sys

import numpy as np
import pytest

from numen import dtype_policies, keras
from numen.autodiff import Variable


@pytest.fixture(autouse=True)
def float32_policy():
    keras.config.set_dtype_policy("float32")  # other test files may leave another one set
    yield
    keras.config.set_dtype_policy("float32")


@pytest.fixture
def mixed():
    keras.mixed_precision.set_global_policy("mixed_float16")
    yield
    keras.mixed_precision.set_global_policy("float32")


def test_policy_dtypes_and_names():
    p = keras.dtype_policies.DTypePolicy("mixed_float16")
    assert (p.compute_dtype, p.variable_dtype, p.quantization_mode) == ("float16", "float32",
                                                                        None)
    q = keras.dtype_policies.get("int8_from_mixed_bfloat16")
    assert type(q) is keras.dtype_policies.QuantizedDTypePolicy
    assert (q.name, q.compute_dtype, q.variable_dtype) == ("int8_from_mixed_bfloat16",
                                                           "bfloat16", "float32")
    assert keras.dtype_policies.get("int4/32_from_float32").block_size == 32
    assert keras.dtype_policies.get("float8_from_float32").amax_history_length == 1024
    assert keras.mixed_precision.Policy is keras.dtype_policies.DTypePolicy
    assert keras.dtype_policies.FloatDTypePolicy("float16") == \
        keras.dtype_policies.DTypePolicy("float16")


@pytest.mark.parametrize("name", ["mixed_float16", "int8_from_float32", "int4/64_from_float32",
                                  "gptq/4/128_from_float32", "awq/4/-1_from_float32",
                                  "float8_from_mixed_float16"])
def test_serialize_round_trip(name):
    d = keras.dtype_policies
    policy = d.get(name)
    again = d.deserialize(d.serialize(policy))
    assert again == policy and type(again) is type(policy) and again.name == name


@pytest.mark.parametrize("call,match", [
    (lambda d: d.DTypePolicy("float33"), "float33"),
    (lambda d: d.DTypePolicy(3), "must be a string"),
    (lambda d: d.QuantizedDTypePolicy("int3", "float32"), "mode"),
    (lambda d: d.QuantizedDTypePolicy("int8", "float16"), "float16"),
    (lambda d: d.Int4DTypePolicy("int4/0", "float32"), "block_size"),
    (lambda d: d.Int4DTypePolicy("int4", "float32"), "int4/<block_size>"),
    (lambda d: d.GPTQDTypePolicy("gptq/5/128", "float32"), "weight_bits"),
    (lambda d: d.AWQDTypePolicy("awq/8/128", "float32"), "weight_bits"),
    (lambda d: d.QuantizedFloat8DTypePolicy("float8", "float32", 1.5), "amax_history_length"),
    (lambda d: d.get([1]), "cannot read"),
    (lambda d: d.deserialize({"class_name": "Nope", "config": {}}), "unknown class"),
])
def test_bad_policies_raise_clear_errors(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call(keras.dtype_policies)


def test_policy_map_lookup():
    m = keras.dtype_policies.DTypePolicyMap(default_policy="float32")
    m["encoder/.*"] = "float16"
    m["encoder/layer_0/.*"] = "mixed_float16"
    m["decoder"] = "int8_from_float32"
    assert m["decoder"].quantization_mode == "int8"
    assert m["other"].name == "float32" and m.name == "map_float32"
    with pytest.raises(ValueError, match="matches several"):
        m["encoder/layer_0/dense"]
    with pytest.raises(ValueError, match="already set"):
        m["decoder"] = "float32"
    del m["decoder"]
    assert len(m) == 2 and "decoder" not in m
    again = keras.dtype_policies.deserialize(keras.dtype_policies.serialize(m))
    assert again["encoder/x"].name == "float16"


def test_bfloat16_without_ml_dtypes_is_refused_with_the_reason(monkeypatch):
    monkeypatch.setitem(sys.modules, "ml_dtypes", None)  # as if not installed
    with pytest.raises(ValueError, match=r"ml_dtypes.*numen\[bfloat16\]"):
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    with pytest.raises(ValueError, match="ml_dtypes"):
        keras.layers.Dense(2, dtype="bfloat16")
    assert keras.mixed_precision.global_policy().name == "float32"


def test_mixed_layer_keeps_float32_weights_and_computes_in_float16(mixed):
    layer = keras.layers.Dense(3, activation="relu")
    assert (layer.dtype, layer.compute_dtype, layer.variable_dtype) == ("float32", "float16",
                                                                        "float32")
    x = np.random.default_rng(0).standard_normal((4, 5)).astype("float32")
    for _ in range(3):  # the second and third calls take the lean path
        y = layer(x)
        assert y.dtype == "float16"
    assert isinstance(layer.kernel, Variable) and layer.kernel.dtype == "float32"
    expected = np.maximum(x.astype("float16") @ layer.kernel.numpy().astype("float16")
                          + layer.bias.numpy().astype("float16"), 0)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-2, atol=1e-2)
    assert layer.get_config()["dtype"]["config"]["name"] == "mixed_float16"


def test_explicit_dtype_wins_over_the_global_policy(mixed):
    head = keras.layers.Activation("softmax", dtype="float32")
    assert head.compute_dtype == "float32"
    assert head(np.ones((2, 3), "float16")).dtype == "float32"


def test_mixed_fit_trains_float32_weights(mixed):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 4)).astype("float32")
    y = (x @ rng.standard_normal((4, 1))).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="tanh"),
                              keras.layers.BatchNormalization(), keras.layers.Dense(1),
                              keras.layers.Activation("linear", dtype="float32")])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    history = model.fit(x, y, batch_size=16, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert all(w.dtype == "float32" for w in model.weights)
    assert model.predict(x[:2], verbose=0).dtype == np.float32
    grads_reach = model.layers[0].kernel.numpy()
    assert np.isfinite(grads_reach).all()


def test_mixed_model_saves_and_loads(mixed, tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    x = np.ones((1, 3), "float32")
    path = str(tmp_path / "mixed.keras")
    model.save(path)
    keras.mixed_precision.set_global_policy("float32")
    loaded = keras.saving.load_model(path)
    assert loaded.layers[0].dtype_policy.name == "mixed_float16"
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())


def test_layer_dtype_policy_setter_and_config_dict():
    layer = keras.layers.Dense(2, dtype={"class_name": "DTypePolicy",
                                         "config": {"name": "mixed_float16"}})
    assert layer.compute_dtype == "float16"
    layer.dtype_policy = "float64"
    assert (layer.dtype, layer.compute_dtype) == ("float64", "float64")
    assert dtype_policies.layer_dtype(None) == "float32"


def test_compile_wraps_the_optimizer_for_mixed_float16():
    from numen import keras

    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        model.compile(optimizer="adam", loss="mse")
        assert isinstance(model.optimizer, keras.mixed_precision.LossScaleOptimizer)
        history = model.fit(np.ones((8, 3), "float32"), np.ones((8, 2), "float32"), verbose=0)
        assert np.isfinite(history.history["loss"][0])
        model.compile(optimizer="adam", loss="mse", auto_scale_loss=False)
        assert not isinstance(model.optimizer, keras.mixed_precision.LossScaleOptimizer)
    finally:
        keras.mixed_precision.set_global_policy("float32")
