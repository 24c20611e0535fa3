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
        """The dtype float inputs are cast to when called (Sequential and Functional models
        override it: their layers cast for themselves)."""
        return self._dtype_policy.compute_dtype

    @property
    def quantization_mode(self):
        return self._dtype_policy.quantization_mode

    def quantize(self, mode=None, type_check=True, config=None):
        """Layers without their own `quantize` cannot be quantized (Keras's error).

        Raises:
            NotImplementedError: always; Dense, EinsumDense and Embedding override this.
        """
        raise NotImplementedError(f"Layer {type(self).__name__} does not have a `quantize` "
                                  "method implemented.")

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


def _autocast_layers(layer, dtype: str) -> list:
    """`layer` and the sub-layers below it that compute in `dtype` with autocast on (a
    sub-layer with another policy, e.g. a float32 head, keeps its weights and those below)."""
    out, stack, seen = [], [layer], set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        policy = item._dtype_policy
        if item is not layer and (policy.compute_dtype != dtype
                                  or policy.compute_dtype == policy.variable_dtype
                                  or not getattr(item, "autocast", True)):
            continue
        out.append(item)
        stack.extend(item._sublayers())
    return out


@contextlib.contextmanager
def autocast_weights(layer, dtype: str):
    """Within the block, the attributes holding float weights (directly or in lists) of
    `layer` and of its sub-layers computing in `dtype` hold casts of them to `dtype` (so a
    sub-layer used without its own `__call__`, such as an RNN's cell, reads casts too); the
    weights themselves are restored afterwards."""
    from numen import ops

    saved = []
    for item in _autocast_layers(layer, dtype):
        own = {id(v) for v in item._own_weights if _castable(v)}
        if not own:
            continue
        for key, value in list(vars(item).items()):
            if isinstance(value, Variable) and id(value) in own and value.dtype != dtype:
                saved.append((item, key, value))
                setattr(item, key, ops.cast(value, dtype))
            elif isinstance(value, list) and any(isinstance(v, Variable) and id(v) in own
                                                 for v in value):
                saved.append((item, key, value))
                setattr(item, key, [ops.cast(v, dtype) if isinstance(v, Variable)
                                    and id(v) in own else v for v in value])
    try:
        yield
    finally:
        for item, key, value in reversed(saved):
            setattr(item, key, value)
