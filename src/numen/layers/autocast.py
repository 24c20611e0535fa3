"""A layer's dtype policy and mixed-precision autocasting.

A layer keeps its policy in `_dtype_policy`; `dtype` (the variable dtype, as in Keras) is kept
beside it as a plain string because the hot call path reads it. When the compute dtype differs
from the variable dtype ("mixed_float16"), `call` runs with the layer's float weights replaced
by float16 casts of them (`autocast_call`): the casts are ops, so gradients flow back to the
float32 weights. Weights created with `autocast=False` and non-trainable ones (moving
statistics that `call` updates in place) are left as they are.
"""

from __future__ import annotations

import contextlib

from numen import dtype_policies
from numen.autodiff import Variable


class DTypeAttributes:
    """The dtype side of Layer: `dtype_policy`, `compute_dtype`, `variable_dtype`."""

    def _init_dtype_policy(self, dtype) -> None:
        self._dtype_policy = dtype_policies.layer_policy(dtype)
        self.dtype = self._dtype_policy.variable_dtype

    @property
    def dtype_policy(self):
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value) -> None:
        self._init_dtype_policy(value)

    @property
    def compute_dtype(self) -> str:
        return self._dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self._dtype_policy.variable_dtype

    @property
    def input_dtype(self) -> str:
        return self._dtype_policy.compute_dtype

    @property
    def quantization_mode(self):
        return self._dtype_policy.quantization_mode

    def _dtype_config(self):
        """The `dtype` entry of get_config: a plain name stays a string, a mixed or quantized
        policy is written as Keras writes it."""
        policy = self._dtype_policy
        if type(policy) in (dtype_policies.DTypePolicy, dtype_policies.FloatDTypePolicy) and \
                policy.compute_dtype == policy.variable_dtype:
            return self.dtype
        return dtype_policies.serialize(policy)


def caller(layer):
    """`layer.call`, or a wrapper running it with autocast weights when the layer's policy
    is mixed."""
    policy = layer._dtype_policy
    if policy.compute_dtype == policy.variable_dtype or not getattr(layer, "autocast", True):
        return layer.call

    def call(*args, **kwargs):
        with autocast_weights(layer, policy.compute_dtype):
            return layer.call(*args, **kwargs)

    return call


def _castable(v) -> bool:
    return (type(v) is Variable and v.autocast and v.trainable
            and v.data.dtype.kind == "f")


@contextlib.contextmanager
def autocast_weights(layer, dtype: str):
    """Within the block, the layer's attributes holding its float weights (directly or in
    lists) hold casts of them to `dtype`; the weights themselves are restored afterwards."""
    from numen import ops

    own = {id(v) for v in layer._own_weights if _castable(v)}
    saved = {}
    for key, value in vars(layer).items():
        if isinstance(value, Variable) and id(value) in own and value.dtype != dtype:
            saved[key] = value
        elif isinstance(value, list) and any(isinstance(v, Variable) and id(v) in own
                                             for v in value):
            saved[key] = value
    for key, value in saved.items():
        if isinstance(value, list):
            setattr(layer, key, [ops.cast(v, dtype) if isinstance(v, Variable)
                                 and id(v) in own else v for v in value])
        else:
            setattr(layer, key, ops.cast(value, dtype))
    try:
        yield
    finally:
        for key, value in saved.items():
            setattr(layer, key, value)
