"""`quantize()` for EinsumDense: int8 and int4 kernels laid out as Keras 3 saves them.

The kernel is quantized along its *reduced* axes (those of the kernel spec missing from the
output spec), so there is one scale per output position of the kernel.

int8: an int8 "kernel" of the kernel's shape and a float "kernel_scale" laid out to broadcast
against the output: the kernel's axes with the reduced ones set to 1, permuted into output
order, with size-1 axes inserted or dropped where the output has axes the kernel lacks (or the
reverse). The inputs are quantized per position along their reduced axes (`AbsMaxQuantizer`),
the einsum runs on integers (accumulated in int32) and the result is divided by both scales.

int4: the kernel is viewed as a matrix [rows = product of the reduced axes, columns = the rest]
and packed two values to a byte along the columns ("kernel" of shape [rows, ceil(columns/2)]);
with `block_size` -1 one scale per column ("kernel_scale" [columns]), else one scale and zero
point per block of rows ([groups, columns]) and a "g_idx" naming each row's block.

Gradients reach the inputs through the dequantized kernel (the integer kernel has none).
"""

from __future__ import annotations

import math
import string

import numpy as np

from numen import backend, ops, quantizers
from numen.autodiff import result
from numen.layers import quantized


class QuantizationAxes:
    """What quantizing an EinsumDense needs to know about its equation, for inputs of rank
    `ndim`: the reduced axes of the inputs and kernel, and how a scale computed with kept
    (size-1) reduced axes is moved into output layout (transpose, then expand, then
    squeeze)."""

    def __init__(self, equation: str, ndim: int):
        in_spec, w_spec, out_spec = _canonical_specs(equation, ndim)
        self.in_spec, self.w_spec, self.out_spec = in_spec, w_spec, out_spec
        self.input_reduced = [i for i, c in enumerate(in_spec) if c not in out_spec]
        self.kernel_reduced = [i for i, c in enumerate(w_spec) if c not in out_spec]
        in_expand = [i for i, c in enumerate(out_spec) if c not in in_spec]
        w_expand = [i for i, c in enumerate(out_spec) if c not in w_spec]
        in_perm = [in_spec.find(c) for c in out_spec if c in in_spec]
        w_perm = [w_spec.find(c) for c in out_spec if c in w_spec]
        # A reduced axis takes the place of an output axis its tensor lacks; when none is
        # left, it goes to the last place used (starting from the kernel's last axis), as in
        # Keras, and is squeezed away afterwards.
        last = out_spec.find(w_spec[-1])
        self.input_squeeze, last = _place(self.input_reduced, in_expand, in_perm, last)
        self.kernel_squeeze, _ = _place(self.kernel_reduced, w_expand, w_perm, last)
        self.input_expand, self.kernel_expand = in_expand, w_expand
        self.input_perm, self.kernel_perm = in_perm, w_perm
        self.gradient_equation = f"{out_spec},{w_spec}->{in_spec}"

    def to_output_layout(self, scale, kind: str):
        """A scale with kept reduced axes, moved into the layout that broadcasts against the
        output (`kind` "kernel" or "input")."""
        perm, expand, squeeze = ((self.kernel_perm, self.kernel_expand, self.kernel_squeeze)
                                 if kind == "kernel" else
                                 (self.input_perm, self.input_expand, self.input_squeeze))
        if perm:
            scale = ops.transpose(scale, perm)
        if expand:
            scale = ops.expand_dims(scale, tuple(expand))
        if squeeze:
            scale = ops.squeeze(scale, tuple(squeeze))
        return scale

    def to_kernel_layout(self, scale):
        """The kernel scale moved back from output layout to the kernel's axes."""
        if self.kernel_squeeze:
            scale = ops.expand_dims(scale, tuple(self.kernel_squeeze))
        if self.kernel_expand:
            scale = ops.squeeze(scale, tuple(self.kernel_expand))
        if self.kernel_perm:
            scale = ops.transpose(scale, [int(i) for i in np.argsort(self.kernel_perm)])
        return scale

    def kernel_scale_shape(self, kernel_shape) -> list:
        shape = [1 if i in self.kernel_reduced else n for i, n in enumerate(kernel_shape)]
        shape = [shape[i] for i in self.kernel_perm]
        for a in sorted(self.kernel_expand):
            shape.insert(a, 1)
        for a in sorted(self.kernel_squeeze, reverse=True):
            shape.pop(a)
        return shape


def _place(reduced, expand, perm, last):
    squeeze = []
    for axis in reduced:
        if expand:
            last = expand.pop(0)
        else:
            squeeze.append(axis)
        perm.insert(last, axis)
    return squeeze, last


def _canonical_specs(equation: str, ndim: int):
    """(input, kernel, output) specs with '...' spelled out in unused letters."""
    from numen.layers.einsum_dense import _split_equation

    in_spec, w_spec, out_spec, side = _split_equation(equation)
    if side is not None:
        free = sorted(set(string.ascii_letters) - set(in_spec + w_spec + out_spec))
        pad = "".join(free[:ndim - len(in_spec)])
        if side == "left":
            in_spec, out_spec = pad + in_spec, pad + out_spec
        else:
            in_spec, out_spec = in_spec + pad, out_spec + pad
    return in_spec, w_spec, out_spec


def _matrix_shape(kernel_shape, reduced) -> tuple[int, int]:
    rows = math.prod(n for i, n in enumerate(kernel_shape) if i in reduced)
    return rows, math.prod(n for i, n in enumerate(kernel_shape) if i not in reduced)


def build(layer, kernel_shape, mode, config=None) -> None:
    """Create the quantized weights of an EinsumDense (zeros, to be assigned or loaded)."""
    info = layer._quantization_axes = QuantizationAxes(layer.equation, layer._input_ndim)
    layer.original_kernel_shape = tuple(kernel_shape)
    if getattr(layer, "_kernel", None) is not None:
        quantized._drop(layer, layer._kernel)
    if mode == "int8":
        layer.inputs_quantizer = (config.activation_quantizer if config is not None
                                  else quantizers.AbsMaxQuantizer())
        layer._kernel = quantized._weight(layer, "kernel", kernel_shape, "int8")
        layer.kernel_scale = quantized._weight(layer, "kernel_scale",
                                               info.kernel_scale_shape(kernel_shape),
                                               layer.variable_dtype, "ones")
    else:
        layer.inputs_quantizer = config.activation_quantizer if config is not None else None
        rows, columns = _matrix_shape(kernel_shape, info.kernel_reduced)
        block = layer._int4_block_size = quantized.block_size_of(layer, config)
        layer._int4_unpacked_column_size = columns
        layer._kernel = quantized._weight(layer, "kernel", (rows, (columns + 1) // 2), "int8")
        groups = None if block is None else math.ceil(rows / block)
        shape = (columns,) if block is None else (groups, columns)
        layer.kernel_scale = quantized._weight(layer, "kernel_scale", shape,
                                               layer.variable_dtype, "ones")
        if block is not None:
            layer.kernel_zero = quantized._weight(layer, "kernel_zero", shape, "int8")
            layer.g_idx = quantized._weight(layer, "g_idx", (rows,), "float32")
            layer.g_idx.assign(backend.to_device((np.arange(rows) // block).astype("float32")))
    quantized._order(layer, ["kernel", "bias", "kernel_scale", "kernel_zero", "g_idx"])


def quantize(layer, mode, config=None) -> None:
    """Replace an EinsumDense's float kernel by an int8 or int4 one."""
    config = quantizers.configs.resolve_config(mode, config)
    info = QuantizationAxes(layer.equation, layer._input_ndim)
    kernel = layer._kernel
    shape = tuple(kernel.shape)
    extra = []
    if mode == "int8":
        wq = quantized._weight_quantizer(config) or quantizers.AbsMaxQuantizer(
            axis=info.kernel_reduced)
        q, scale = wq(kernel, to_numpy=True)
        values = [quantized._as_numpy(q),
                  quantized._as_numpy(info.to_output_layout(scale, "kernel"))]
    else:
        block = quantized.block_size_of(layer, config)
        flat = ops.reshape(kernel, _matrix_shape(shape, info.kernel_reduced))
        if block is None:
            q, scale = quantizers.abs_max_quantize(flat, axis=0, value_range=(-8, 7))
            extra = [quantized._as_numpy(scale).reshape(-1)]
        else:
            q, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(flat, block)
            extra = [quantized._as_numpy(scale), quantized._as_numpy(zero)]
        values = [quantized._as_numpy(quantizers.pack_int4(q, axis=-1)[0])] + extra
    quantized._drop(layer, kernel)
    layer._kernel = None
    layer.quantization_config = config
    build(layer, shape, mode, config)
    for w, v in zip((layer._kernel, layer.kernel_scale, getattr(layer, "kernel_zero", None)),
                    values):
        w.assign(backend.to_device(np.asarray(v, dtype=w.dtype).reshape(w.shape)))
    quantized._set_policy(layer, mode,
                          quantized.block_size_of(layer, config) if mode == "int4" else None)


def float_kernel(layer):
    """The quantized kernel as floats of the compute dtype, in the kernel's own shape."""
    dtype = layer.compute_dtype
    info = layer._quantization_axes
    if layer.quantization_mode == "int8":
        scale = info.to_kernel_layout(ops.cast(layer.kernel_scale, dtype))
        return ops.divide(ops.cast(layer._kernel, dtype), scale)
    q = quantizers.unpack_int4(layer._kernel, layer._int4_unpacked_column_size, axis=-1)
    if getattr(layer, "_int4_block_size", None) is None:
        flat = ops.divide(ops.cast(q, dtype), ops.cast(layer.kernel_scale, dtype))
    else:
        groups = ops.cast(layer.g_idx, "int32")
        scale = ops.take(layer.kernel_scale, groups, axis=0)
        zero = ops.cast(ops.take(layer.kernel_zero, groups, axis=0), scale.dtype)
        flat = ops.cast(ops.multiply(ops.subtract(ops.cast(q, scale.dtype), zero), scale),
                        dtype)
    return ops.reshape(flat, layer.original_kernel_shape)


def call(layer, inputs):
    """The einsum of a quantized EinsumDense, then bias and activation."""
    x = ops.convert_to_tensor(inputs)
    info = layer._quantization_axes
    dtype = layer.compute_dtype
    if layer.quantization_mode == "int4" and layer.inputs_quantizer is None:
        y = ops.einsum(layer.equation, x, ops.stop_gradient(float_kernel(layer)))
    else:
        kernel = float_kernel(layer).data

        def backward(gy):
            return (ops.einsum(info.gradient_equation, gy, kernel).data.astype(x.data.dtype),)

        if layer.quantization_mode == "int8":
            q, scale = layer._kernel, ops.cast(layer.kernel_scale, dtype)
            if layer.inputs_quantizer:
                xq, x_scale = layer.inputs_quantizer(x, axis=tuple(info.input_reduced))
                scale = ops.multiply(info.to_output_layout(ops.cast(x_scale, dtype), "input"),
                                     scale)
                product = ops.einsum(layer.equation, ops.cast(xq, "int32"),
                                     ops.cast(q, "int32"))
            else:
                product = ops.einsum(layer.equation, x, ops.cast(q, dtype))
        else:  # int4 with quantized inputs: integers times the dequantized kernel
            xq, x_scale = layer.inputs_quantizer(x, axis=tuple(info.input_reduced))
            scale = info.to_output_layout(ops.cast(x_scale, dtype), "input")
            product = ops.einsum(layer.equation, ops.cast(xq, dtype), ops.stop_gradient(kernel))
        y = ops.divide(ops.cast(product, dtype), scale).data
        y = result(y.astype(backend.np_dtype(dtype)), (x,), backward, "quantized_einsum")
    if layer.bias is not None:
        y = ops.add(y, layer.bias)
    return layer.activation(y)
