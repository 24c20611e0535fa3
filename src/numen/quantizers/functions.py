"""Quantization arithmetic: abs-max int8/int4 quantization, int4 packing, float8 scaling and
fake quantization, each giving the values Keras 3 gives."""

from __future__ import annotations

import math

import numpy as np

from numen import backend, ops
from numen.autodiff import as_tensor, result

EPSILON = 1e-7


def _float8_dtype(name: str):
    try:
        import ml_dtypes
    except ImportError:
        raise ValueError(f"quantize_and_dequantize: {name!r} needs the `ml_dtypes` package "
                         "(pip install 'numen[bfloat16]')") from None
    if not hasattr(ml_dtypes, str(name)):
        raise ValueError(f"quantize_and_dequantize: unknown `quantized_dtype` {name!r}; "
                         "expected a float8 dtype such as 'float8_e4m3fn' or 'float8_e5m2'")
    return getattr(ml_dtypes, str(name))


def abs_max_quantize(inputs, axis, value_range=(-127, 127), dtype="int8", epsilon=EPSILON,
                     to_numpy=False):
    """Scale `inputs` so the largest magnitude along `axis` maps to `value_range[1]`, round
    and clip: returns `(quantized, scale)`, with `inputs ~ quantized / scale`.

    >>> q, s = abs_max_quantize(np.array([[1.0, -2.0]], "float32"), axis=-1)
    >>> q.numpy().tolist()
    [[64, -127]]
    """
    del to_numpy  # numen computes on the host either way
    x = ops.convert_to_tensor(inputs)
    if not str(x.dtype).startswith("float"):
        x = ops.cast(x, backend.floatx())
    peak = ops.add(ops.max(ops.abs(x), axis=axis, keepdims=True), epsilon)
    scale = ops.cast(ops.divide(float(value_range[1]), peak), x.dtype)
    q = ops.clip(ops.round(ops.multiply(x, scale)), value_range[0], value_range[1])
    return ops.cast(q, dtype), scale


def abs_max_quantize_grouped_with_zero_point(inputs, block_size, value_range=(-8, 7),
                                            dtype="int8", epsilon=EPSILON, to_numpy=False):
    """Asymmetric quantization of a 2-D `(input_dim, output_dim)` kernel in groups of
    `block_size` rows: returns `(quantized, scale, zero_point)` with one scale and zero point
    per group and column, `inputs ~ (quantized - zero_point) * scale`.

    >>> q, s, z = abs_max_quantize_grouped_with_zero_point(np.ones((4, 2), "float32"), 2)
    >>> s.shape, z.dtype
    ((2, 2), 'int8')
    """
    del to_numpy
    x = ops.convert_to_tensor(inputs)
    if len(x.shape) != 2:
        raise ValueError("abs_max_quantize_grouped_with_zero_point: `inputs` must be 2-D "
                         f"(input_dim, output_dim), received shape {tuple(x.shape)}")
    if not isinstance(block_size, int) or block_size <= 0:
        raise ValueError("abs_max_quantize_grouped_with_zero_point: `block_size` must be a "
                         f"positive int, received {block_size!r}")
    rows, cols = x.shape
    groups = math.ceil(rows / block_size)
    qmin, qmax = value_range
    padded = ops.pad(x, [[0, groups * block_size - rows], [0, 0]])
    blocks = ops.reshape(padded, (groups, block_size, cols))
    # As in Keras, the zero rows padding the last group count in its range.
    low, high = ops.min(blocks, axis=1), ops.max(blocks, axis=1)
    same = ops.equal(low, high)
    low = ops.where(same, ops.subtract(low, 1.0), low)
    high = ops.where(same, ops.add(high, 1.0), high)
    scale = ops.divide(ops.add(ops.subtract(high, low), epsilon), float(qmax - qmin))
    scale = ops.where(ops.less_equal(scale, 0), 1e-8, scale)
    zero = ops.clip(ops.add(ops.round(ops.divide(ops.negative(low), scale)), qmin), qmin, qmax)
    q = ops.add(ops.round(ops.divide(blocks, ops.expand_dims(scale, 1))),
                ops.expand_dims(zero, 1))
    q = ops.reshape(ops.cast(ops.clip(q, qmin, qmax), dtype), (groups * block_size, cols))
    return q[:rows], ops.cast(scale, x.dtype), ops.cast(zero, "int8")


def quantize_and_dequantize(inputs, scale, quantized_dtype, compute_dtype):
    """`inputs / scale` clipped to the float8 range, rounded to `quantized_dtype` and scaled
    back: the values a float8 layer computes with.

    >>> quantize_and_dequantize(np.array([1.1], "float32"), 1.0, "float8_e4m3fn",
    ...                         "float32").numpy().tolist()
    [1.125]
    """
    f8 = _float8_dtype(quantized_dtype)
    import ml_dtypes

    top = float(ml_dtypes.finfo(f8).max)
    s = ops.cast(scale, compute_dtype)
    x = ops.clip(ops.divide(ops.cast(inputs, compute_dtype), s), -top, top)
    data = x.data
    rounded = backend.to_device(np.asarray(backend.to_numpy(data)).astype(f8).astype(
        compute_dtype))
    def backward(gy):  # as JAX differentiates a cast: the gradient is cast to float8 too
        host = np.asarray(backend.to_numpy(gy)).astype(f8).astype(gy.dtype)
        return (backend.to_device(host),)

    x = result(rounded, (x,), backward, "quantize_and_dequantize")
    return ops.multiply(x, s)


def pack_int4(arr, axis=0, dtype="int8"):
    """Pack int4 values (held in int8 or uint8) two to a byte along `axis`: the first of
    each pair in the low nibble. Returns `(packed, packed_shape, original_length)`.

    >>> packed, shape, n = pack_int4(np.array([[-3, 7], [2, -8], [1, 0]], "int8"))
    >>> packed.numpy().tolist(), n
    ([[45, -121], [1, 0]], 3)
    """
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"pack_int4: `dtype` must be 'int8' or 'uint8', received {dtype!r}")
    arr = ops.convert_to_tensor(arr)
    if str(arr.dtype) != dtype:
        raise TypeError(f"pack_int4: expected a {dtype} tensor, received dtype {arr.dtype}")
    a = np.moveaxis(backend.to_numpy(arr.data), axis, 0)
    n = a.shape[0]
    if n % 2:
        a = np.concatenate([a, np.zeros((1,) + a.shape[1:], a.dtype)], axis=0)
    low = a[::2].astype(dtype) & np.array(0x0F, dtype)
    high = a[1::2].astype(dtype) & np.array(0x0F, dtype)
    packed = np.moveaxis((low | (high << np.array(4, dtype))).astype(dtype), 0, axis)
    return as_tensor(backend.to_device(packed)), tuple(packed.shape), n


def unpack_int4(packed, orig_len, axis=0, dtype="int8"):
    """The int4 values `pack_int4` packed, as `dtype` ([-8, 7] for int8, [0, 15] for uint8),
    cut back to `orig_len` along `axis`.

    >>> unpack_int4(np.array([[45, -121], [1, 0]], "int8"), 3).numpy().tolist()
    [[-3, 7], [2, -8], [1, 0]]
    """
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"unpack_int4: `dtype` must be 'int8' or 'uint8', received {dtype!r}")
    packed = ops.convert_to_tensor(packed)
    if str(packed.dtype) not in ("int8", "uint8"):
        raise TypeError(f"unpack_int4: expected an int8 or uint8 tensor, received dtype "
                        f"{packed.dtype}")
    p = np.moveaxis(backend.to_numpy(packed.data), axis, 0)
    mask = np.array(0x0F, p.dtype)
    low, high = p & mask, (p >> np.array(4, p.dtype)) & mask
    if dtype == "int8":
        eight = np.array(8, p.dtype)
        low, high = (low ^ eight) - eight, (high ^ eight) - eight
    out = np.stack([low.astype(dtype), high.astype(dtype)], axis=1)
    out = out.reshape((-1,) + p.shape[1:])[:orig_len]
    return as_tensor(backend.to_device(np.moveaxis(out, 0, axis)))


def compute_float8_scale(amax, scale, dtype_max, margin=0):
    """The next float8 scale from the recent maximum magnitude `amax`: `amax / dtype_max *
    2**margin`, keeping `scale` where `amax` is zero or not finite.

    >>> float(compute_float8_scale(np.float32(448.0), np.float32(1.0), 448.0))
    1.0
    """
    scale = ops.reciprocal(ops.convert_to_tensor(scale))
    amax = ops.convert_to_tensor(amax)
    factor = ops.divide(ops.divide(dtype_max, amax), 2.0 ** margin)
    factor = ops.where(ops.greater(amax, 0.0), factor, scale)
    factor = ops.where(ops.isfinite(amax), factor, scale)
    return ops.reciprocal(factor)


def compute_float8_amax_history(x, amax_history):
    """`amax_history` rolled one step left, with max(|x|) written at position 0.

    >>> compute_float8_amax_history(np.array([-3.0], "float32"),
    ...                             np.array([1.0, 2.0], "float32")).numpy().tolist()
    [3.0, 1.0]
    """
    history = ops.convert_to_tensor(amax_history)
    peak = ops.cast(ops.max(ops.abs(ops.convert_to_tensor(x))), history.dtype)
    return ops.scatter_update(ops.roll(history, shift=-1), [[0]], ops.reshape(peak, (1,)))


def _nudge(xp, low, high, num_bits, narrow_range):
    """Keras's nudged [min, max], scale and 1/scale for fake quantization (float32 or
    wider)."""
    top = (1 << num_bits) - 1
    bottom = 1 if narrow_range else 0
    scale = (high - low) / (top - bottom)
    inv_scale = (top - bottom) / (high - low)
    zero = xp.round(xp.clip(bottom - low / scale, bottom, top))
    return (bottom - zero) * scale, (top - zero) * scale, scale, inv_scale


def fake_quant_with_min_max_vars(inputs, min_vals, max_vals, num_bits=8, narrow_range=False,
                                 axis=None):
    """Quantize to `num_bits` levels over [min_vals, max_vals] (nudged so zero is exact) and
    back; per channel along `axis` when given. Gradients pass through inside the range, and
    go to `min_vals`/`max_vals` from inputs below/above it.

    >>> fake_quant_with_min_max_vars(np.array([0.5, 2.0], "float32"), 0.0, 1.0).numpy()
    array([0.5019608, 1.       ], dtype=float32)
    """
    x, lo, hi = (ops.convert_to_tensor(v) for v in (inputs, min_vals, max_vals))
    num_bits = int(num_bits)
    if axis is not None:
        if not -x.ndim <= axis < x.ndim:
            raise ValueError(f"fake_quant_with_min_max_vars: `axis` {axis} is out of range "
                             f"for inputs of rank {x.ndim}")
        axis %= x.ndim
    xp = backend.xp_of(x.data)
    wide = np.result_type(lo.data.dtype, np.float32)
    shape = [1] * x.ndim
    if axis is not None:
        shape[axis] = -1
    lo_b = lo.data.astype(wide).reshape(shape if lo.ndim else ())
    hi_b = hi.data.astype(wide).reshape(shape if hi.ndim else ())
    n_lo, n_hi, scale, inv_scale = _nudge(xp, lo_b, hi_b, num_bits, narrow_range)
    qzero = xp.floor(-n_lo * inv_scale + 0.5)
    shifted = xp.clip(x.data.astype(wide), n_lo, n_hi) - n_lo
    y = (xp.floor(shifted * inv_scale - qzero + 0.5) * scale).astype(x.data.dtype)
    inside = (x.data >= n_lo) & (x.data <= n_hi)
    axes = tuple(i for i in range(x.ndim) if i != axis) if axis is not None else None

    def backward(gy):
        zero = xp.zeros((), gy.dtype)
        g_lo = xp.where(x.data <= n_lo, gy, zero).sum(axis=axes).reshape(lo.shape)
        g_hi = xp.where(x.data >= n_hi, gy, zero).sum(axis=axes).reshape(hi.shape)
        return (xp.where(inside, gy, zero), g_lo.astype(lo.data.dtype),
                g_hi.astype(hi.data.dtype))

    return result(y, (x, lo, hi), backward, "fake_quant_with_min_max_vars")
