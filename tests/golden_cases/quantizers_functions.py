"""keras.quantizers: abs-max quantization, int4 packing, float8 scaling and fake quantization,
and the configs' serialized form."""

import json

import numpy as np

from golden_cases.case import Case, const, f32, ints, pos


def _serialized(k):
    q = k.quantizers
    return np.array([
        json.dumps(q.serialize(q.AbsMaxQuantizer(axis=-1)), sort_keys=True, default=list),
        json.dumps(q.serialize(q.Int8QuantizationConfig()), sort_keys=True, default=list),
        json.dumps(q.serialize(q.Int4QuantizationConfig(block_size=-1)), sort_keys=True),
        json.dumps(q.serialize(q.Float8QuantizationConfig()), sort_keys=True),
        q.Int8QuantizationConfig().mode, q.Int4QuantizationConfig().mode,
        q.Float8QuantizationConfig().mode, type(q.get("abs_max_quantizer")).__name__,
        type(q.deserialize(q.serialize(q.Int4QuantizationConfig(block_size=64)))).__name__,
        str(q.deserialize(q.serialize(q.Int4QuantizationConfig(block_size=64))).block_size),
    ])


def _quantizer(k, x):
    return k.quantizers.AbsMaxQuantizer(value_range=(-8, 7))(x, axis=0)


def _pack_unpack(k, a, axis, dtype):
    packed, shape, n = k.quantizers.pack_int4(a, axis=axis, dtype=dtype)
    return packed, np.array(shape), np.array(n), k.quantizers.unpack_int4(
        packed, n, axis=axis, dtype=dtype)


CASES = [
    Case("abs_max_last_axis", lambda k, x: k.quantizers.abs_max_quantize(x, axis=-1),
         [f32(3, 5)]),
    Case("abs_max_axis0_int4_range",
         lambda k, x: k.quantizers.abs_max_quantize(x, axis=0, value_range=(-8, 7)),
         [f32(4, 3)]),
    Case("abs_max_all_axes", lambda k, x: k.quantizers.abs_max_quantize(x, axis=(0, 1)),
         [f32(2, 3)]),
    Case("abs_max_quantizer_object", _quantizer, [f32(4, 2)]),
    Case("grouped_zero_point_even",
         lambda k, x: k.quantizers.abs_max_quantize_grouped_with_zero_point(x, 2), [f32(4, 3)]),
    Case("grouped_zero_point_padded",
         lambda k, x: k.quantizers.abs_max_quantize_grouped_with_zero_point(x, 4), [f32(6, 2)]),
    Case("quantize_dequantize_e4m3",
         lambda k, x, s: k.quantizers.quantize_and_dequantize(x, s, "float8_e4m3fn",
                                                              "float32"),
         [f32(3, 4, scale=100.0), const(0.5, "float32")], grad=(0,)),
    Case("quantize_dequantize_e5m2",
         lambda k, x, s: k.quantizers.quantize_and_dequantize(x, s, "float8_e5m2", "float32"),
         [f32(5, scale=3.0), const(0.01, "float32")], grad=True),
    Case("pack_unpack_rows_odd", lambda k, a: _pack_unpack(k, a, 0, "int8"),
         [ints(5, 3, low=-8, high=8, dtype="int8")]),
    Case("pack_unpack_axis1", lambda k, a: _pack_unpack(k, a, 1, "int8"),
         [ints(2, 4, low=-8, high=8, dtype="int8")]),
    Case("pack_unpack_uint8", lambda k, a: _pack_unpack(k, a, 0, "uint8"),
         [ints(3, 2, low=0, high=16, dtype="uint8")]),
    Case("pack_unpack_3d_axis_minus1", lambda k, a: _pack_unpack(k, a, -1, "int8"),
         [ints(2, 2, 3, low=-8, high=8, dtype="int8")]),
    Case("float8_scale",
         lambda k, a, s: k.quantizers.compute_float8_scale(a, s, 448.0, margin=1),
         [const([3.0, 0.0, np.inf, 500.0], "float32"), pos(4)]),
    Case("float8_amax_history",
         lambda k, x, h: k.quantizers.compute_float8_amax_history(x, h), [f32(3, 2), pos(4)]),
    Case("fake_quant_per_tensor",
         lambda k, x, lo, hi: k.quantizers.fake_quant_with_min_max_vars(x, lo, hi),
         [f32(3, 4, scale=2.0), const(-1.5, "float32"), const(2.0, "float32")], grad=True),
    Case("fake_quant_narrow_4bit",
         lambda k, x, lo, hi: k.quantizers.fake_quant_with_min_max_vars(
             x, lo, hi, num_bits=4, narrow_range=True),
         [f32(6, scale=2.0), const(-1.0, "float32"), const(1.0, "float32")], grad=True),
    Case("fake_quant_per_channel",
         lambda k, x, lo, hi: k.quantizers.fake_quant_with_min_max_vars(x, lo, hi, axis=-1),
         [f32(4, 3, scale=2.0), const([-1.0, -0.5, -2.0], "float32"),
          const([1.0, 2.0, 0.5], "float32")], grad=True),
    Case("serialized_configs", _serialized),
]
