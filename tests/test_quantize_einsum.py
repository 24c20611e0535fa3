"""EinsumDense quantized to int8 and int4, and float8 training of Dense and EinsumDense.
Values against real Keras are in tests/golden_cases/quantizers_einsum_float8.py; .keras files
both ways in tests/test_interop_quantize.py."""

import numpy as np
import pytest

from numen import keras, ops
from numen.autodiff import GradientTape, Tensor

pytest.importorskip("ml_dtypes")

# (equation, input shape, output_shape, bias_axes): the kernel reduced over one or two axes,
# output axes the kernel lacks, and '...' on either side (which Keras 3.15.1 cannot quantize).
EQUATIONS = [
    ("ab,bc->ac", (4, 6), 5, "c"),
    ("abc,cde->abde", (2, 3, 6), (None, 2, 4), "e"),
    ("abc,bcd->ad", (2, 3, 4), 5, None),
    ("abcd,cde->abe", (2, 3, 2, 4), (None, 5), "e"),
    ("...b,bc->...c", (2, 3, 6), 4, None),
    ("ab...,bc->ac...", (2, 6, 3), 4, None),
]


def _layer(equation, shape, output_shape, bias_axes, seed=0):
    keras.utils.set_random_seed(seed)
    layer = keras.layers.EinsumDense(equation, output_shape, bias_axes=bias_axes)
    layer.build(shape)
    x = np.random.default_rng(seed).standard_normal(shape).astype("float32")
    return layer, x


@pytest.mark.parametrize("equation, shape, output_shape, bias_axes", EQUATIONS)
@pytest.mark.parametrize("mode, config, tol", [
    ("int8", None, 0.05),
    ("int4", -1, 0.5),
    ("int4", 2, 1.5),  # blocks of two rows with a zero point: coarse (Keras's too)
])
def test_quantized_einsum_predicts_close_to_float(equation, shape, output_shape, bias_axes,
                                                  mode, config, tol):
    layer, x = _layer(equation, shape, output_shape, bias_axes)
    expected = np.asarray(layer(x))
    if config is not None:
        config = keras.quantizers.Int4QuantizationConfig(block_size=config)
    layer.quantize(mode, config=config)
    assert layer.quantization_mode == mode
    assert str(layer._kernel.dtype) == "int8" and not layer._kernel.trainable
    y = np.asarray(layer(x))
    np.testing.assert_allclose(y, expected, atol=tol)
    kernel = layer.kernel.numpy()  # dequantized, in the float kernel's shape
    assert kernel.shape == layer.original_kernel_shape
    bias = 0 if layer.bias is None else layer.bias.numpy()
    # int4 computes with the dequantized kernel; int8 also rounds the inputs to 8 bits
    np.testing.assert_allclose(y, np.einsum(equation, x, kernel) + bias,
                               atol=0.05 if mode == "int8" else 1e-5)


@pytest.mark.parametrize("mode", ["int8", "int4"])
def test_quantized_einsum_input_gradient_uses_dequantized_kernel(mode):
    layer, x = _layer("abc,cde->abde", (2, 3, 6), (None, 2, 4), "e")
    layer.quantize(mode)
    kernel = layer.kernel.numpy()
    xt = Tensor(x)
    with GradientTape() as tape:
        tape.watch(xt)
        loss = ops.sum(ops.square(layer(xt)))
    gx, gb = tape.gradient(loss, [xt, layer.bias])
    y = np.asarray(layer(x))
    np.testing.assert_allclose(gx.numpy(), np.einsum("abde,cde->abc", 2 * y, kernel),
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gb.numpy(), (2 * y).sum(axis=(0, 1, 2)), rtol=1e-4)


@pytest.mark.parametrize("mode", ["int8", "int4", "float8"])
def test_quantized_einsum_saves_and_loads(mode, tmp_path):
    model = keras.Sequential([keras.Input((3, 4)),
                              keras.layers.EinsumDense("abc,bcd->ad", 5, bias_axes="d")])
    model.quantize(mode)
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype("float32")
    path = tmp_path / "m.keras"
    model.save(path)
    again = keras.saving.load_model(path)
    assert again.layers[0].dtype_policy.name == model.layers[0].dtype_policy.name
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_float8_training_updates_scales_and_histories():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((16, 2, 5)) * 3).astype("float32")
    y = rng.standard_normal((16, 2, 4)).astype("float32")
    layer = keras.layers.EinsumDense("abc,cd->abd", (None, 4), bias_axes="d")
    model = keras.Sequential([keras.Input((2, 5)), layer])
    model.quantize("float8")
    assert layer.dtype_policy.name == "float8_from_float32"
    assert [w.name for w in layer._own_weights] == [
        "kernel", "bias", "inputs_scale", "inputs_amax_history", "kernel_scale",
        "kernel_amax_history", "outputs_grad_scale", "outputs_grad_amax_history"]
    model.compile(keras.optimizers.SGD(0.05), "mse")
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    # 6 steps: the newest peak in front, the older ones behind it
    peaks = layer.inputs_amax_history.numpy()
    assert peaks[0] == pytest.approx(np.abs(x[8:]).max()) and np.count_nonzero(peaks) == 6
    assert float(layer.inputs_scale.numpy()) == pytest.approx(peaks[1:].max() / 448.0)
    assert float(layer.outputs_grad_scale.numpy()) != 1.0


def test_float8_inference_leaves_scales_alone():
    layer = keras.layers.Dense(3)
    layer.build((None, 4))
    layer.quantize("float8")
    layer(np.ones((2, 4), "float32"))
    assert float(layer.inputs_scale.numpy()) == 1.0
    assert not layer.inputs_amax_history.numpy().any()


def test_optimizer_overwrites_marked_variables_with_their_gradients():
    from numen.autodiff import Variable

    plain = Variable(np.ones(2, "float32"))
    marked = Variable(np.ones(2, "float32"))
    marked.overwrite_with_gradient = True
    opt = keras.optimizers.SGD(0.5)
    opt.apply([np.full(2, 2.0, "float32"), np.full(2, 7.0, "float32")], [plain, marked])
    np.testing.assert_array_equal(plain.numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(marked.numpy(), [7.0, 7.0])


def test_quantize_errors_are_keras_errors():
    dense = keras.layers.Dense(2)
    dense.build((None, 3))
    with pytest.raises(ValueError, match="invalid quantization mode.*int3"):
        dense.quantize("int3")
    embedding = keras.layers.Embedding(5, 3)
    embedding.build()
    with pytest.raises(NotImplementedError, match="quantization_mode='float8'"):
        embedding.quantize("float8")
    einsum = keras.layers.EinsumDense("ab,bc->ac", 4)
    with pytest.raises(ValueError, match="not built"):
        einsum.quantize("int8")
    einsum.build((None, 3))
    einsum.quantize("float8")
    with pytest.raises(ValueError, match="already quantized"):
        einsum.quantize("int8")
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(2, 3),
                              keras.layers.Flatten(), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="invalid `mode`"):
        model.quantize("int3")


def test_model_quantize_float8_warns_for_layers_without_it():
    model = keras.Sequential([keras.Input((6,), dtype="int32"), keras.layers.Embedding(10, 4),
                              keras.layers.Flatten(), keras.layers.Dense(3)])
    with pytest.warns(UserWarning, match="float8"):
        model.quantize("float8")
    assert [layer.dtype_policy.name for layer in model.layers] == [
        "float32", "float32", "float8_from_float32"]


def test_overwrite_under_gradient_accumulation_writes_the_largest_on_update_steps():
    from numen.autodiff import Variable

    marked = Variable(np.zeros(2, "float32"))
    marked.overwrite_with_gradient = True
    plain = Variable(np.zeros(2, "float32"))
    opt = keras.optimizers.SGD(1.0, gradient_accumulation_steps=2)
    opt.apply([np.array([3.0, 1.0], "float32"), np.ones(2, "float32")], [marked, plain])
    np.testing.assert_array_equal(marked.numpy(), [0.0, 0.0])  # not an update step
    opt.apply([np.array([2.0, 5.0], "float32"), np.ones(2, "float32")], [marked, plain])
    np.testing.assert_array_equal(marked.numpy(), [3.0, 5.0])
    np.testing.assert_array_equal(plain.numpy(), [-1.0, -1.0])


def test_layers_without_quantize_raise_keras_error_and_model_quantize_warns():
    conv = keras.layers.Conv2D(2, 3)
    conv.build((None, 5, 5, 1))
    with pytest.raises(NotImplementedError, match="Conv2D does not have a `quantize`"):
        conv.quantize("int8")
    model = keras.Sequential([keras.Input((5, 5, 1)), conv, keras.layers.Flatten(),
                              keras.layers.Dense(2)])
    with pytest.warns(UserWarning, match="Conv2D does not have a `quantize`"):
        model.quantize("int8")
    assert [layer.quantization_mode for layer in model.layers] == [None, None, "int8"]
