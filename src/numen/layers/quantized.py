"""`quantize()` for Dense and Embedding: int8 and int4 weights laid out as Keras 3 lays them.

int8: the kernel becomes an int8 "kernel" with a float "kernel_scale" per output unit (Dense),
the embeddings an int8 "embeddings" with an "embeddings_scale" per row (Embedding); a float
weight is `quantized / scale`. Dense also quantizes its inputs per row (`AbsMaxQuantizer`) and
multiplies integers, as Keras does.

int4: values in [-8, 7] packed two to a byte along the last axis. With `block_size` -1 (or
None), one scale per output unit (Dense) or row (Embedding); with a positive `block_size`
(Keras's default, 128), one scale and zero point per block of `block_size` along the input
axis, and a "g_idx" weight naming each position's block.

The quantized layer's policy becomes "int8_from_<policy>" or "int4/<block>_from_<policy>", so a
layer made from a saved config builds the quantized weights directly.
"""

from __future__ import annotations

import math

import numpy as np

from numen import backend, dtype_policies, ops, quantizers
from numen.autodiff import result


def mode_of(mode, config):
    """The mode a `quantize(mode, config=...)` call means (the config's when mode is None)."""
    if isinstance(config, str):
        return config
    if mode is None and config is not None:
        return getattr(config, "mode", None)
    return mode


def check_quantize_args(layer, mode, supported=("int8", "int4")) -> None:
    """Keras's checks before quantizing: a known mode, a built and not yet quantized layer,
    and a mode this layer implements (else NotImplementedError, which `Model.quantize` turns
    into a warning)."""
    if mode not in dtype_policies.QUANTIZATION_MODES:
        raise ValueError(f"{type(layer).__name__}.quantize: invalid quantization mode; "
                         f"expected one of {dtype_policies.QUANTIZATION_MODES}, received "
                         f"mode={mode!r}")
    if not layer.built:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': cannot quantize a layer that "
                         "is not built yet; call it on data or build it first")
    if layer.quantization_mode is not None:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': already quantized "
                         f"(dtype_policy={layer.dtype_policy.name!r}), received mode={mode!r}")
    if mode not in supported:
        raise NotImplementedError(f"{type(layer).__name__}.quantize: invalid quantization mode "
                                  f"for this layer; expected one of {supported}, received "
                                  f"quantization_mode={mode!r}")
    if mode == "int8" and layer.compute_dtype == "float16":
        raise ValueError(f"{type(layer).__name__}.quantize: mode='int8' does not work well "
                         "with compute dtype 'float16'")


def block_size_of(layer, config):
    """The int4 block size: the config's, else the layer's Int4DTypePolicy's (None: per
    channel)."""
    if isinstance(config, quantizers.Int4QuantizationConfig):
        size = config.block_size
    elif isinstance(layer.dtype_policy, dtype_policies.Int4DTypePolicy):
        size = layer.dtype_policy.block_size
    else:
        return None
    return None if size is None or size == -1 else size


def _weight(layer, name, shape, dtype, initializer="zeros"):
    return layer.add_weight(shape=shape, initializer=initializer, dtype=dtype, trainable=False,
                            name=name)


def _drop(layer, *weights) -> None:
    layer._own_weights = [w for w in layer._own_weights if all(w is not d for d in weights)]


def _order(layer, names) -> None:
    """Keep the layer's weights in Keras's saving order."""
    by_name = {w.name: w for w in layer._own_weights}
    ordered = [by_name[n] for n in names if n in by_name]
    taken = {id(w) for w in ordered}
    layer._own_weights = ordered + [w for w in layer._own_weights if id(w) not in taken]


def _set_policy(layer, mode, block_size) -> None:
    if layer.quantization_mode is None:
        name = mode if mode == "int8" else f"int4/{-1 if block_size is None else block_size}"
        layer.dtype_policy = dtype_policies.get(f"{name}_from_{layer.dtype_policy.name}")


def _weight_quantizer(config):
    return None if config is None else config.weight_quantizer


def _as_numpy(t):
    return backend.to_numpy(t.data) if hasattr(t, "data") else np.asarray(t)


# -- Dense -----------------------------------------------------------------------------
def build_dense(layer, kernel_shape, mode, config=None) -> None:
    """Create the quantized weights of a Dense layer (zeros, to be assigned or loaded)."""
    in_dim, units = kernel_shape
    if mode == "float8":
        from numen.layers import quantized_float8

        quantized_float8.build(layer)
        return
    if getattr(layer, "kernel", None) is not None:
        _drop(layer, layer.kernel)  # the float kernel this replaces
    if mode == "int8":
        layer.inputs_quantizer = (config.activation_quantizer if config is not None
                                  else quantizers.AbsMaxQuantizer())
        layer.kernel = _weight(layer, "kernel", kernel_shape, "int8")
        layer.kernel_scale = _weight(layer, "kernel_scale", (units,), layer.variable_dtype,
                                     "ones")
    else:
        layer.inputs_quantizer = config.activation_quantizer if config is not None else None
        block = layer._int4_block_size = block_size_of(layer, config)
        layer.kernel = _weight(layer, "kernel", (in_dim, (units + 1) // 2), "int8")
        groups = None if block is None else math.ceil(in_dim / block)
        layer.kernel_scale = _weight(layer, "kernel_scale",
                                     (units,) if block is None else (groups, units),
                                     layer.variable_dtype, "ones")
        if block is not None:
            layer.kernel_zero = _weight(layer, "kernel_zero", (groups, units), "int8")
            layer.g_idx = _weight(layer, "g_idx", (in_dim,), "float32")
            layer.g_idx.assign(backend.to_device(
                (np.arange(in_dim) // block).astype("float32")))
    layer._quantized_units = units
    _order(layer, ["kernel", "bias", "kernel_scale", "kernel_zero", "g_idx"])


def quantize_dense(layer, mode, config=None) -> None:
    mode = mode_of(mode, config)
    check_quantize_args(layer, mode, ("int8", "int4", "float8"))
    if mode == "float8":
        from numen.layers import quantized_float8

        quantized_float8.quantize(layer, mode, config)
        return
    config = quantizers.configs.resolve_config(mode, config)
    kernel = layer.kernel
    shape = tuple(kernel.shape)
    if mode == "int8":
        wq = _weight_quantizer(config) or quantizers.AbsMaxQuantizer(axis=0)
        q, scale = wq(kernel, to_numpy=True)
        values = [_as_numpy(q), _as_numpy(scale).reshape(-1)]
    else:
        block = block_size_of(layer, config)
        if block is None:
            wq = _weight_quantizer(config) or quantizers.AbsMaxQuantizer(axis=0,
                                                                       value_range=(-8, 7))
            q, scale = wq(kernel, to_numpy=True)
            extra = [_as_numpy(scale).reshape(-1)]
        else:
            q, scale, zero = quantizers.abs_max_quantize_grouped_with_zero_point(kernel, block)
            extra = [_as_numpy(scale), _as_numpy(zero)]
        values = [_as_numpy(quantizers.pack_int4(q, axis=-1)[0])] + extra
    _drop(layer, kernel)
    layer.quantization_config = config
    build_dense(layer, shape, mode, config)
    for w, v in zip((layer.kernel, layer.kernel_scale, getattr(layer, "kernel_zero", None)),
                    values):
        w.assign(backend.to_device(np.asarray(v, dtype=w.dtype)))
    _set_policy(layer, mode, block_size_of(layer, config) if mode == "int4" else None)


def _float_kernel(layer):
    """The Dense kernel as floats of the compute dtype."""
    dtype = layer.compute_dtype
    q = layer.kernel
    if layer.quantization_mode == "int4":
        q = quantizers.unpack_int4(q, layer._quantized_units, axis=-1)
        if getattr(layer, "_int4_block_size", None) is not None:
            groups = ops.cast(layer.g_idx, "int32")
            scale = ops.take(layer.kernel_scale, groups, axis=0)
            zero = ops.cast(ops.take(layer.kernel_zero, groups, axis=0), scale.dtype)
            return ops.cast(ops.multiply(ops.subtract(ops.cast(q, dtype), zero), scale), dtype)
    return ops.divide(ops.cast(q, dtype), ops.cast(layer.kernel_scale, dtype))


def dense_call(layer, inputs, training=False):
    """The product of a quantized Dense layer; gradients reach the inputs (through the
    dequantized kernel) and the bias, not the integer kernel (float8: see
    `quantized_float8`)."""
    if layer.quantization_mode == "float8":
        from numen.layers import quantized_float8

        return quantized_float8.call(layer, inputs, ops.matmul, training)
    x = ops.convert_to_tensor(inputs)
    dtype = layer.compute_dtype
    grouped = layer.quantization_mode == "int4" and \
        getattr(layer, "_int4_block_size", None) is not None
    if grouped:
        y = ops.matmul(x, ops.stop_gradient(_float_kernel(layer)))
    else:
        q = layer.kernel if layer.quantization_mode == "int8" else quantizers.unpack_int4(
            layer.kernel, layer._quantized_units, axis=-1)
        scale = layer.kernel_scale.data
        xq = x
        if layer.inputs_quantizer:
            xq, x_scale = layer.inputs_quantizer(x, axis=-1)
            scale = scale * x_scale.data
        if str(xq.dtype).startswith("int"):  # integer product, accumulated in int32
            xq, q = ops.cast(xq, "int32"), ops.cast(q, "int32")
        product = ops.matmul(xq, q).data.astype(dtype) / scale
        float_kernel = _float_kernel(layer).data

        def backward(gy):
            return (ops.matmul(gy, float_kernel.T).data.astype(x.data.dtype),)

        y = result(product.astype(dtype), (x,), backward, "quantized_dense")
    if layer.bias is not None:
        y = ops.add(y, layer.bias)
    return layer.activation(y)


# -- Embedding -------------------------------------------------------------------------
def build_embedding(layer, mode, config=None) -> None:
    rows, cols = layer.input_dim, layer.output_dim
    if mode == "int8":
        layer.embeddings = _weight(layer, "embeddings", (rows, cols), "int8")
        layer.embeddings_scale = _weight(layer, "embeddings_scale", (rows,),
                                         layer.variable_dtype, "ones")
    else:
        block = layer._int4_block_size = block_size_of(layer, config)
        layer.embeddings = _weight(layer, "embeddings", (rows, (cols + 1) // 2), "int8")
        groups = None if block is None else math.ceil(cols / block)
        layer.embeddings_scale = _weight(layer, "embeddings_scale",
                                         (rows,) if block is None else (rows, groups),
                                         layer.variable_dtype, "ones")
        if block is not None:
            layer.embeddings_zero = _weight(layer, "embeddings_zero", (rows, groups), "int8")
            layer.g_idx = _weight(layer, "g_idx", (cols,), "float32")
            layer.g_idx.assign(backend.to_device((np.arange(cols) // block).astype("float32")))
    _order(layer, ["embeddings", "embeddings_scale", "embeddings_zero", "g_idx"])


def quantize_embedding(layer, mode, config=None) -> None:
    mode = mode_of(mode, config)
    check_quantize_args(layer, mode)
    config = quantizers.configs.resolve_config(mode, config)
    table = layer.embeddings
    if mode == "int8":
        wq = _weight_quantizer(config) or quantizers.AbsMaxQuantizer(axis=-1)
        q, scale = wq(table, to_numpy=True)
        values = [_as_numpy(q), _as_numpy(scale).reshape(-1)]
    else:
        block = block_size_of(layer, config)
        if block is None:
            wq = _weight_quantizer(config) or quantizers.AbsMaxQuantizer(axis=-1,
                                                                       value_range=(-8, 7))
            q, scale = wq(table, to_numpy=True)
            extra = [_as_numpy(scale).reshape(-1)]
        else:
            qt, st, zt = quantizers.abs_max_quantize_grouped_with_zero_point(
                ops.transpose(table), block)
            q = ops.transpose(qt)
            extra = [_as_numpy(st).T, _as_numpy(zt).T]
        values = [_as_numpy(quantizers.pack_int4(q, axis=-1)[0])] + extra
    _drop(layer, table)
    layer.quantization_config = config
    build_embedding(layer, mode, config)
    for w, v in zip((layer.embeddings, layer.embeddings_scale,
                     getattr(layer, "embeddings_zero", None)), values):
        w.assign(backend.to_device(np.ascontiguousarray(v, dtype=w.dtype)))
    _set_policy(layer, mode, block_size_of(layer, config) if mode == "int4" else None)


def embedding_lookup(layer, ids):
    """Rows of a quantized Embedding table, as floats of the compute dtype."""
    dtype = layer.compute_dtype
    q = layer.embeddings
    if layer.quantization_mode == "int4":
        q = quantizers.unpack_int4(q, layer.output_dim, axis=-1)
    rows = ops.cast(ops.take(q, ids, axis=0), dtype)
    scale = ops.take(layer.embeddings_scale, ids, axis=0)
    if getattr(layer, "embeddings_zero", None) is not None and \
            layer.quantization_mode == "int4":
        groups = ops.cast(layer.g_idx, "int32")
        zero = ops.take(ops.take(layer.embeddings_zero, ids, axis=0), groups, axis=-1)
        return ops.multiply(ops.subtract(rows, ops.cast(zero, dtype)),
                            ops.cast(ops.take(scale, groups, axis=-1), dtype))
    return ops.divide(rows, ops.expand_dims(ops.cast(scale, dtype), -1))
