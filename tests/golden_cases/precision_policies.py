"""keras.dtype_policies and keras.mixed_precision: policy names, dtypes and serialized form,
and layers and small models computing under "mixed_float16" with Keras's own weights."""

import json

import numpy as np

from golden_cases.case import Case, f32

_NAMES = ["float32", "float16", "mixed_float16", "mixed_bfloat16", "bfloat16",
          "int8_from_float32", "int4_from_mixed_bfloat16", "float8_from_float32",
          "int4/64_from_float32", "gptq/4/128_from_float32", "awq/4/-1_from_mixed_float16"]


def _policies(k):
    d = k.dtype_policies
    rows = []
    for name in _NAMES:
        p = d.get(name)
        rows.append([type(p).__name__, p.name, p.compute_dtype, p.variable_dtype,
                     str(p.quantization_mode), repr(p),
                     json.dumps(d.serialize(p), sort_keys=True),
                     d.deserialize(d.serialize(p)).name])
    return np.array(rows)


def _policy_map(k):
    d = k.dtype_policies
    m = d.DTypePolicyMap(default_policy="float32")
    m["encoder/.*"] = "float16"
    m["decoder"] = d.get("int8_from_float32")
    out = [m.name, m.compute_dtype, m["encoder/dense"].name, m["decoder"].name,
           m["other"].name, str(len(m)), json.dumps(d.serialize(m), sort_keys=True)]
    bare = d.DTypePolicyMap()
    bare["a"] = "int8_from_float32"
    out += [bare.name, json.dumps(d.serialize(bare), sort_keys=True)]
    return np.array(out)


def _layer_dtypes(k):
    layer = k.layers.Dense(2, dtype="mixed_float16")
    layer.build((None, 3))
    plain = k.layers.Dense(2, dtype="float16")
    return np.array([layer.dtype, layer.compute_dtype, layer.variable_dtype,
                     layer.dtype_policy.name, str(layer.kernel.dtype),
                     json.dumps(layer.get_config()["dtype"], sort_keys=True),
                     plain.dtype, plain.compute_dtype, plain.variable_dtype])


def _global_policy(k):
    k.mixed_precision.set_global_policy("mixed_float16")
    try:
        layer = k.layers.Dense(2)
        names = [k.mixed_precision.global_policy().name, k.config.dtype_policy().name,
                 layer.compute_dtype, layer.variable_dtype,
                 type(k.mixed_precision.Policy("float32")).__name__]
    finally:
        k.mixed_precision.set_global_policy("float32")
    return np.array(names + [k.mixed_precision.dtype_policy().name])


def _dense_mixed(k, x, w, b):
    layer = k.layers.Dense(4, activation="relu", dtype="mixed_float16")
    layer.build((None, 3))
    layer.set_weights([w, b])
    return layer(x)


def _model_mixed(k, x, w1, b1, w2, b2):
    k.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = k.Sequential([k.Input((3,)), k.layers.Dense(5, activation="tanh"),
                              k.layers.Dense(4), k.layers.Activation("softmax",
                                                                     dtype="float32")])
        hidden = k.Sequential([k.Input((3,)), k.layers.Dense(5, activation="tanh")])
    finally:
        k.mixed_precision.set_global_policy("float32")
    model.set_weights([w1, b1, w2, b2])
    hidden.set_weights([w1, b1])
    return model(x), hidden(x), model.layers[1](hidden(x))


def _conv_norm_mixed(k, x, w, b, gamma, beta):
    conv = k.layers.Conv1D(2, 3, dtype="mixed_float16")
    norm = k.layers.LayerNormalization(dtype="mixed_float16")
    conv.build((None, 6, 2))
    conv.set_weights([w, b])
    norm.build((None, 4, 2))
    norm.set_weights([gamma, beta])
    return norm(conv(x))


def _float32_layer_in_mixed_models(k, x, w, b):
    """A float32 layer first in mixed Sequential and Functional models sees float32 inputs."""
    k.mixed_precision.set_global_policy("mixed_float16")
    try:
        seq = k.Sequential([k.Input((3,)), k.layers.Dense(2, dtype="float32")])
        inp = k.Input((3,))
        fn = k.Model(inp, k.layers.Dense(2, dtype="float32")(inp))
    finally:
        k.mixed_precision.set_global_policy("float32")
    seq.set_weights([w, b])
    fn.set_weights([w, b])
    return seq(1.0 + x * 1e-3), fn(1.0 + x * 1e-3)


# float16 results: a few units in the last of float16's ~3 decimal digits.
CASES = [
    Case("policies", _policies),
    Case("policy_map", _policy_map),
    Case("layer_dtypes_mixed", _layer_dtypes),
    Case("global_policy_mixed", _global_policy),
    Case("dense_mixed_float16", _dense_mixed, [f32(4, 3), f32(3, 4), f32(4)], grad=(0,),
         rtol=1e-2, atol=1e-2),
    Case("sequential_mixed_float16", _model_mixed,
         [f32(6, 3), f32(3, 5), f32(5), f32(5, 4), f32(4)], grad=(0,), rtol=1e-2, atol=1e-2),
    Case("float32_layer_in_mixed_models", _float32_layer_in_mixed_models,
         [f32(4, 3), f32(3, 2), f32(2)], grad=(0,)),
    Case("conv_layernorm_mixed_float16", _conv_norm_mixed,
         [f32(2, 6, 2), f32(3, 2, 2), f32(2), f32(2), f32(2)], grad=(0,), rtol=2e-2, atol=2e-2),
]
