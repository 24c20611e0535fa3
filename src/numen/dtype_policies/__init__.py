"""DTypePolicy: the dtype a layer keeps its weights in and the dtype it computes in.

A plain dtype name ("float32") uses that dtype for both. "mixed_float16" keeps float32 weights
and computes in float16: layers cast their inputs and, inside `call`, their weights to float16
(see `layers/autocast.py`). "mixed_bfloat16" does the same in bfloat16, whose NumPy arrays come
from the `ml_dtypes` package (the `numen[bfloat16]` extra; layers refuse bfloat16 policies with
a clear error without it); products are computed in float32 and rounded (`ops/bfloat16.py`).

Quantized policies ("int8_from_float32", "int4_from_mixed_float16", ...) name a quantization
mode and the policy the layer had before `quantize()`; their dtypes are the source policy's.
"""

from numen.dtype_policies.policies import (  # noqa: F401
    QUANTIZATION_MODES,
    AWQDTypePolicy,
    DTypePolicy,
    FloatDTypePolicy,
    GPTQDTypePolicy,
    Int4DTypePolicy,
    QuantizedDTypePolicy,
    QuantizedFloat8DTypePolicy,
    global_policy_name,
)
from numen.dtype_policies.policy_map import DTypePolicyMap  # noqa: F401
from numen.dtype_policies.registry import (  # noqa: F401
    ALL_CLASSES,
    check_runnable,
    deserialize,
    dtype_policy,
    get,
    layer_dtype,
    layer_policy,
    serialize,
    set_dtype_policy,
)
