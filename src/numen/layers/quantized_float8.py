"""`quantize("float8")` for Dense and EinsumDense: Keras 3's delayed-scaling float8 training.

The float kernel stays; six float32 weights are added, all `trainable` with
`overwrite_with_gradient` set (the optimizer writes their "gradients" into them instead of
stepping): a scale and a window of recent maximum magnitudes ("amax history") for the
inputs, for the kernel and for the gradient flowing back into the outputs.

Forward: inputs and kernel pass through `quantize_and_dequantize` to float8_e4m3fn with their
current scales, then the product; the output itself is left as it is. Backward: the inputs and
kernel get the upstream gradient unchanged (a straight-through estimator), the output gradient
is quantized and dequantized to float8_e5m2 with its scale, and, when training, each scale's
"gradient" is its next value (from the largest magnitude in its history) and each history's is
the history rolled one step with the newest magnitude in front.
"""

from __future__ import annotations

from numen import dtype_policies, ops, quantizers
from numen.autodiff import as_tensor, no_grad, result
from numen.layers import quantized

E4M3, E5M2 = "float8_e4m3fn", "float8_e5m2"
WEIGHTS = ("inputs_scale", "inputs_amax_history", "kernel_scale", "kernel_amax_history",
           "outputs_grad_scale", "outputs_grad_amax_history")


def _largest(dtype: str) -> float:
    import ml_dtypes

    return float(ml_dtypes.finfo(getattr(ml_dtypes, dtype)).max)


def build(layer) -> None:
    """Add the six float8 scaling weights (Keras's names, shapes and saving order)."""
    length = getattr(layer.dtype_policy, "amax_history_length",
                     dtype_policies.QuantizedFloat8DTypePolicy.default_amax_history_length)
    for name in WEIGHTS:
        shape = (length,) if name.endswith("history") else ()
        v = layer.add_weight(shape=shape, initializer="zeros" if shape else "ones",
                             dtype="float32", trainable=True, autocast=False, name=name)
        v.overwrite_with_gradient = True
        setattr(layer, name, v)
    quantized._order(layer, ["kernel", "bias", *WEIGHTS])


def quantize(layer, mode, config=None) -> None:
    """Turn a float Dense or EinsumDense into a float8-trained one."""
    config = quantizers.configs.resolve_config(mode, config)
    layer.quantization_config = config
    build(layer)
    layer.dtype_policy = dtype_policies.get(f"float8_from_{layer.dtype_policy.name}")


def _next_scale(history, scale, dtype: str):
    return quantizers.compute_float8_scale(ops.max(history, axis=0), scale,
                                           ops.cast(_largest(dtype), "float32")).data


def qdq(x, scale, history, dtype: str, training: bool):
    """`x` rounded through float8_e4m3fn; the gradient passes straight through, and the scale
    and history receive their next values (when training)."""
    x = as_tensor(x)
    with no_grad():
        y = quantizers.quantize_and_dequantize(x, scale, E4M3, dtype).data
        if training:
            updates = (_next_scale(history, scale, E4M3),
                       quantizers.compute_float8_amax_history(x, history).data)
        else:
            updates = (None, None)

    def backward(gy):
        return (gy, *updates)

    return result(y, (x, scale, history), backward, "float8_quantize_and_dequantize")


def qdq_gradient(y, scale, history, dtype: str):
    """`y` unchanged; its gradient rounded through float8_e5m2 with `scale`, and the scale
    and history receive their next values."""

    def backward(gy):
        with no_grad():
            new_scale = _next_scale(history, scale, E5M2)
            g = quantizers.quantize_and_dequantize(gy, scale, E5M2, dtype).data
            new_history = quantizers.compute_float8_amax_history(gy, history).data
        return g.astype(gy.dtype), new_scale, new_history

    return result(y.data, (y, scale, history), backward, "float8_gradient_quantize")


def call(layer, inputs, product, training=False):
    """`product(inputs, kernel)` of float8-rounded operands, then bias and activation."""
    dtype = layer.compute_dtype
    training = bool(training)
    x = qdq(inputs, layer.inputs_scale, layer.inputs_amax_history, dtype, training)
    kernel = layer._kernel if hasattr(layer, "_kernel") else layer.kernel
    w = qdq(kernel, layer.kernel_scale, layer.kernel_amax_history, dtype, training)
    y = qdq_gradient(product(x, w), layer.outputs_grad_scale,
                     layer.outputs_grad_amax_history, dtype)
    if layer.bias is not None:
        bias = layer.bias
        if dtype == "float32":  # Keras rounds a float32 bias through bfloat16 here
            bias = ops.cast(ops.cast(bias, "bfloat16"), "float32")
        y = ops.add(y, bias)
    return layer.activation(y)
