"""`keras.mixed_precision`: the legacy names of the global dtype policy.

`set_global_policy("mixed_float16")` makes new layers keep float32 weights and compute in
float16; `compile` then wraps the optimizer in a LossScaleOptimizer (the same class as
`keras.optimizers.LossScaleOptimizer`).
"""

from numen.dtype_policies import (  # noqa: F401
    DTypePolicy,
    dtype_policy,
    set_dtype_policy,
)
from numen.optimizers import LossScaleOptimizer  # noqa: E402, F401

Policy = DTypePolicy
global_policy = dtype_policy
set_global_policy = set_dtype_policy
