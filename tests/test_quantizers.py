"""keras.quantizers and quantize(): errors, gradients, training and saving of quantized models
(values against Keras: golden quantizers_functions and quantizers_layers).

fake_quant_with_min_max_vars and quantize_and_dequantize are step functions whose gradients
are defined, as in Keras, by rules (straight-through; JAX's rule for a cast) rather than by
the derivative, so a numerical gradient check does not apply; their gradients are compared
with Keras's instead.
"""

import numpy as np
import pytest

from numen import keras, testing
from numen.autodiff import GradientTape

q = keras.quantizers


@pytest.fixture(autouse=True)
def float32_policy():
    keras.config.set_dtype_policy("float32")  # other test files may leave another one set
    yield


def _model(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((6,), dtype="int32"), keras.layers.Embedding(10, 8),
                             keras.layers.Flatten(), keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dense(3)])


def _ids(n=8):
    return np.random.default_rng(0).integers(0, 10, (n, 6)).astype("int32")


@pytest.mark.parametrize("mode,tol", [("int8", 0.02), ("int4", 0.2)])
def test_quantized_model_predicts_close_to_float(mode, tol):
    model = _model()
    x = _ids()
    before = model.predict(x, verbose=0)
    model.quantize(mode)
    after = model.predict(x, verbose=0)
    assert np.abs(after - before).max() <= tol * np.abs(before).max()
    assert model.layers[-1].kernel.dtype == "int8"
    assert model.layers[-1].dtype_policy.quantization_mode == mode


@pytest.mark.parametrize("mode", ["int8", "int4"])
def test_quantized_model_trains_bias_and_saves(mode, tmp_path):
    model = _model()
    model.quantize(mode)
    x, y = _ids(), np.zeros((8, 3), "float32")
    kernel = model.layers[-1].kernel.numpy().copy()
    bias = model.layers[-1].bias.numpy().copy()
    model.compile("adam", "mse")
    model.fit(x, y, epochs=3, verbose=0)
    np.testing.assert_array_equal(model.layers[-1].kernel.numpy(), kernel)
    assert not np.array_equal(model.layers[-1].bias.numpy(), bias)
    path = str(tmp_path / f"{mode}.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.layers[-1].dtype_policy == model.layers[-1].dtype_policy
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_quantized_dense_input_gradient_uses_dequantized_kernel():
    layer = keras.layers.Dense(3)
    layer.build((None, 4))
    layer.quantize("int8")
    x = keras.Variable(np.ones((2, 4), "float32"))
    with GradientTape() as tape:
        y = keras.ops.sum(layer(x))
    grad = tape.gradient(y, x).numpy()
    dequantized = layer.kernel.numpy() / layer.kernel_scale.numpy()
    np.testing.assert_allclose(grad, np.tile(dequantized.sum(1), (2, 1)), rtol=1e-5)


def test_model_quantize_filters_and_skips():
    model = _model()
    model.quantize("int8", filters="dense_.*|^dense$")
    assert model.layers[0].quantization_mode is None
    assert model.layers[-1].quantization_mode == "int8"


@pytest.mark.parametrize("call,error,match", [
    (lambda m: m.quantize("int3"), ValueError, "mode"),
    (lambda m: m.quantize(), ValueError, "mode"),
    (lambda m: m.quantize("int8", config=q.Int4QuantizationConfig()), ValueError, "contradicts"),
    (lambda m: m.quantize(config=q.GPTQConfig(None, None)), NotImplementedError,
     "calibration pipeline"),
    (lambda m: m.quantize(config=q.AWQConfig(None, None)), NotImplementedError,
     "calibration pipeline"),
    (lambda m: m.quantize("gptq"), ValueError, "GPTQConfig"),
    (lambda m: m.quantize("int8", filters=3), ValueError, "filters"),
])
def test_model_quantize_errors(call, error, match):
    with pytest.raises(error, match=match):
        call(_model())


def test_layer_quantize_errors():
    with pytest.raises(ValueError, match="not built"):
        keras.layers.Dense(2).quantize("int8")
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    layer.quantize("int8")
    with pytest.raises(ValueError, match="already quantized"):
        layer.quantize("int8")
    half = keras.layers.Dense(2, dtype="float16")
    half.build((None, 3))
    with pytest.raises(ValueError, match="float16"):
        half.quantize("int8")


@pytest.mark.parametrize("call,error,match", [
    (lambda: q.pack_int4(np.zeros(4, "int32")), TypeError, "int8"),
    (lambda: q.pack_int4(np.zeros(4, "int8"), dtype="int16"), ValueError, "dtype"),
    (lambda: q.unpack_int4(np.zeros(4, "float32"), 8), TypeError, "int8"),
    (lambda: q.AbsMaxQuantizer(value_range=(-200, 127)), ValueError, "value_range"),
    (lambda: q.Int4QuantizationConfig(block_size=0), ValueError, "block_size"),
    (lambda: q.Int4QuantizationConfig(weight_quantizer=q.AbsMaxQuantizer(), block_size=-1),
     ValueError, "value_range"),
    (lambda: q.Int8QuantizationConfig(weight_quantizer=q.AbsMaxQuantizer(
        value_range=(-8, 7), output_dtype="int4")), ValueError, "output_dtype"),
    (lambda: q.QuantizationConfig().mode, NotImplementedError, "subclass"),
    (lambda: q.abs_max_quantize_grouped_with_zero_point(np.ones(3, "float32"), 2),
     ValueError, "2-D"),
    (lambda: q.quantize_and_dequantize(np.ones(2, "float32"), 1.0, "float9", "float32"),
     ValueError, "quantized_dtype"),
    (lambda: q.fake_quant_with_min_max_vars(np.ones(2, "float32"), 0.0, 1.0, axis=3),
     ValueError, "axis"),
    (lambda: q.deserialize({"class_name": "Nope", "config": {}}), ValueError, "unknown"),
    (lambda: q.get(3), ValueError, "cannot read"),
])
def test_bad_arguments_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_pack_unpack_round_trip_and_serialization():
    a = np.random.default_rng(0).integers(-8, 8, (5, 7, 3)).astype("int8")
    for axis in (0, 1, -1):
        packed, _, n = q.pack_int4(a, axis=axis)
        np.testing.assert_array_equal(q.unpack_int4(packed, n, axis=axis).numpy(), a)
    for obj in (q.AbsMaxQuantizer(axis=0, value_range=(-8, 7)), q.Int8QuantizationConfig(),
                q.Int4QuantizationConfig(block_size=32), q.Float8QuantizationConfig()):
        again = q.deserialize(q.serialize(obj))
        assert type(again) is type(obj) and again.get_config() == obj.get_config()
    assert q.get("AbsMaxQuantizer", axis=1).axis == (1,)
    assert isinstance(keras.Quantizer(), q.Quantizer)


def test_abs_max_quantize_gradient_free_round_trip():
    x = testing.randn((4, 6), dtype="float32")
    values, scale = q.abs_max_quantize(x, axis=-1)
    np.testing.assert_allclose(values.numpy() / scale.numpy(), x, atol=np.abs(x).max() / 127)
