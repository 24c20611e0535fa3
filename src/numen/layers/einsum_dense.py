"""EinsumDense: a dense layer whose contraction is written as an einsum equation.

The equation names the input, the kernel and the output axes (`"abc,cd->abd"`); `output_shape`
gives the output's sizes without the batch axis (None where the input decides). The kernel's
shape follows from both, axis by axis, and `bias_axes` picks the output axes that get a bias,
laid out as Keras 3 lays it out, so weights move between numen and Keras one to one.
"""

from __future__ import annotations

import re

from numen import activations, initializers, ops, regularizers
from numen.layers import quantized, quantized_einsum, quantized_float8
from numen.layers.base import Layer
from numen.layers.core import _quantization_config, _quantization_entry, _ser


def _split_equation(equation: str):
    """(input spec, kernel spec, output spec, where the ellipsis is: None/'left'/'right')."""
    if not isinstance(equation, str):
        raise TypeError(f"EinsumDense: `equation` must be a string, received {equation!r}")
    plain = equation.replace("...", "0")
    for pattern, side in (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", None),
                          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$", "left"),
                          ("([a-zA-Z]+)0,([a-zA-Z]+)->([a-zA-Z]+)0$", "right")):
        match = re.match(pattern, plain)
        if match:
            return match.group(1), match.group(2), match.group(3), side
    raise ValueError(f"EinsumDense: `equation` must look like 'ab,bc->ac' (optionally with "
                     f"'...' at the start or end of the input and output), received "
                     f"{equation!r}")


def analyze(equation: str, bias_axes, input_shape, output_shape):
    """(kernel shape, bias shape or None, full output shape) for inputs of `input_shape`."""
    in_spec, w_spec, out_spec, side = _split_equation(equation)
    input_shape = tuple(input_shape)
    elided = len(input_shape) - len(in_spec)
    if elided < 0 or (elided > 0 and side is None):
        raise ValueError(f"EinsumDense: equation {equation!r} expects inputs of rank "
                         f"{len(in_spec)}, received shape {input_shape}")
    full = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    full.insert(0, input_shape[0])
    if side == "left":
        full[1:1] = list(input_shape[1:elided])
        in_pos = {c: i + elided for i, c in enumerate(in_spec)}
        out_pos = {c: i + elided for i, c in enumerate(out_spec)}
    else:
        if side == "right":
            full += list(input_shape[len(input_shape) - elided:])
        in_pos = {c: i for i, c in enumerate(in_spec)}
        out_pos = {c: i for i, c in enumerate(out_spec)}
    if len(full) != len(out_spec) + max(elided, 0):
        raise ValueError(f"EinsumDense: `output_shape` {output_shape!r} does not match the "
                         f"output spec {out_spec!r} of {equation!r} (the batch axis is not "
                         f"part of output_shape)")
    for c in in_spec:
        if c in out_pos and full[out_pos[c]] is not None \
                and full[out_pos[c]] != input_shape[in_pos[c]]:
            raise ValueError(f"EinsumDense: input and output disagree on axis {c!r}: input "
                             f"size {input_shape[in_pos[c]]}, output size {full[out_pos[c]]}")
        if c in out_pos:
            full[out_pos[c]] = input_shape[in_pos[c]]
    for c in out_spec:
        if c not in in_spec and c not in w_spec:
            raise ValueError(f"EinsumDense: output axis {c!r} of {equation!r} is in neither "
                             f"the input nor the kernel")
    kernel_shape = []
    for c in w_spec:
        if c in out_pos:
            kernel_shape.append(full[out_pos[c]])
        elif c in in_pos:
            kernel_shape.append(input_shape[in_pos[c]])
        else:
            raise ValueError(f"EinsumDense: kernel axis {c!r} of {equation!r} is in neither "
                             f"the input nor the output")
    if any(n is None for n in kernel_shape):
        raise ValueError(f"EinsumDense: the kernel shape of {equation!r} is not fully known "
                         f"from input shape {input_shape} and output_shape {output_shape!r}")
    bias_shape = None
    if bias_axes is not None:
        for c in bias_axes:
            if c not in out_spec:
                raise ValueError(f"EinsumDense: bias axis {c!r} is not an output axis of "
                                 f"{equation!r}")
        first = min(out_spec.find(c) for c in bias_axes)
        left = elided if side == "left" else 0
        sizes = {c: full[i + left] for i, c in enumerate(out_spec)}
        bias_shape = [sizes[c] if c in bias_axes else 1 for c in out_spec[first:]]
        if side != "left":
            bias_shape += [1] * max(elided, 0)
    return tuple(kernel_shape), None if bias_shape is None else tuple(bias_shape), tuple(full)


class EinsumDense(Layer):
    """A dense projection given as an einsum equation between the input and the kernel.

    Args:
        equation: `"<input>,<kernel>-><output>"` with one letter per axis, e.g. `"abc,cd->abd"`
            (a Dense on the last axis); '...' may stand for leading or trailing axes.
        output_shape: the output's shape without the batch axis (an int for rank 2 outputs);
            None for axes the input decides.
        activation: applied to the result (default: none).
        bias_axes: letters of the output axes that get a bias (default: no bias).
        kernel_initializer / bias_initializer / *_regularizer / *_constraint: as in Dense.

    >>> EinsumDense("abc,cde->abde", output_shape=(None, 2, 4))(np.ones((2, 5, 3))).shape
    (2, 5, 2, 4)
    """

    _saves_only_made_weights = True  # as Keras's (layers/saving_hooks.py)

    _config_lists_activity_regularizer = True

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        _split_equation(equation)
        if lora_rank is not None:
            raise ValueError("EinsumDense: LoRA is not supported by numen; received "
                             f"lora_rank={lora_rank!r}")
        self.quantization_config = _quantization_config(quantization_config)
        self.equation = equation
        self.partial_output_shape = (tuple(output_shape) if isinstance(output_shape, list)
                                     else output_shape)
        self.activation = activations.get(activation)
        self.bias_axes = bias_axes
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.full_output_shape = None
        self._kernel = None

    @property
    def kernel(self):
        """The kernel: the float weight, or the dequantized kernel of an int8/int4 layer."""
        if self.quantization_mode in ("int8", "int4"):
            return quantized_einsum.float_kernel(self)
        return self._kernel

    def build(self, input_shape):
        kernel_shape, bias_shape, self.full_output_shape = analyze(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        self._input_ndim = len(input_shape)
        mode = self.quantization_mode
        if mode not in ("int8", "int4"):
            self._kernel = self.add_weight(name="kernel", shape=kernel_shape,
                                           initializer=self.kernel_initializer,
                                           regularizer=self.kernel_regularizer,
                                           constraint=self.kernel_constraint)
        self.bias = None
        if bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=bias_shape,
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        if mode in ("int8", "int4"):  # made from a quantized layer's config
            quantized_einsum.build(self, kernel_shape, mode, self.quantization_config)
        elif mode == "float8":
            quantized_float8.build(self)
        elif mode is not None:
            raise NotImplementedError(f"EinsumDense '{self.name}': numen cannot build "
                                      f"quantization mode {mode!r}")
        self.built = True

    def quantize(self, mode=None, type_check=True, config=None):
        """Quantize the kernel to int8 or int4 (see `layers/quantized_einsum.py`), or train
        it in float8 (see `layers/quantized_float8.py`)."""
        if type_check and type(self) is not EinsumDense:
            raise NotImplementedError(f"{type(self).__name__} does not implement quantize()")
        mode = quantized.mode_of(mode, config)
        quantized.check_quantize_args(self, mode, ("int8", "int4", "float8"))
        if mode == "float8":
            quantized_float8.quantize(self, mode, config)
        else:
            quantized_einsum.quantize(self, mode, config)

    def call(self, inputs, training=None):
        mode = self._dtype_policy._quantization_mode
        if mode == "float8":
            return quantized_float8.call(
                self, inputs, lambda x, w: ops.einsum(self.equation, x, w), training)
        if mode is not None:
            return quantized_einsum.call(self, inputs)
        y = ops.einsum(self.equation, inputs, self._kernel)
        if self.bias is not None:
            y = ops.add(y, self.bias)
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        return analyze(self.equation, self.bias_axes, input_shape,
                       self.partial_output_shape)[2]

    def get_config(self):
        return {
            **super().get_config(),
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": _ser(self.kernel_regularizer),
            "bias_regularizer": _ser(self.bias_regularizer),
            "kernel_constraint": _ser(self.kernel_constraint),
            "bias_constraint": _ser(self.bias_constraint),
            **_quantization_entry(self),
        }
