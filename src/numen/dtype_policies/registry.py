"""Finding policies: get/serialize/deserialize, the global policy, and a layer's policy from
its `dtype` argument."""

from __future__ import annotations

from numen import backend
from numen.dtype_policies import policies
from numen.dtype_policies.policies import (
    _PLAIN,
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
from numen.dtype_policies.policy_map import DTypePolicyMap

ALL_CLASSES = {c.__name__: c for c in (
    DTypePolicy, FloatDTypePolicy, QuantizedDTypePolicy, QuantizedFloat8DTypePolicy,
    Int4DTypePolicy, GPTQDTypePolicy, AWQDTypePolicy, DTypePolicyMap)}


def _from_quantized_name(name: str) -> QuantizedDTypePolicy:
    parts = name.split("_from_")
    if len(parts) != 2:
        raise ValueError(f"dtype_policies.get: cannot split {name!r} into a mode and a source "
                         "policy; expected a name such as 'int8_from_float32'")
    mode, source = parts
    if mode.startswith("int4") and "/" in mode:
        return Int4DTypePolicy(mode, source)
    cls = {"gptq": GPTQDTypePolicy, "awq": AWQDTypePolicy,
           "float8": QuantizedFloat8DTypePolicy}.get(mode.split("/")[0], QuantizedDTypePolicy)
    return cls(mode, source)


def get(identifier) -> DTypePolicy:
    """A DTypePolicy from a policy, its name ("mixed_float16", "int8_from_float32"), its
    serialized dict, a dtype, or None (the global policy).

    >>> get("int8_from_float32").quantization_mode
    'int8'
    """
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier.startswith(QUANTIZATION_MODES):
            return _from_quantized_name(identifier)
        return DTypePolicy(identifier)
    try:
        return DTypePolicy(backend.standardize_dtype(identifier))
    except (TypeError, ValueError):
        raise ValueError("dtype_policies.get: cannot read a dtype policy from "
                         f"{identifier!r}; expected a name or a DTypePolicy") from None


def serialize(policy) -> dict:
    """The dict Keras writes for `policy` in saved configs."""
    if not isinstance(policy, DTypePolicy):
        raise TypeError(f"dtype_policies.serialize: expected a DTypePolicy, received "
                        f"{policy!r}")
    module = "keras" if type(policy) in _PLAIN else "keras.dtype_policies"
    return {"module": module, "class_name": type(policy).__name__,
            "config": policy.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None) -> DTypePolicy:
    """The policy a `serialize` dict (or a bare name) describes."""
    if isinstance(config, str):
        return get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"dtype_policies.deserialize: expected a dict with 'class_name' and "
                         f"'config', received {config!r}")
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or ALL_CLASSES.get(name)
    if cls is None:
        raise ValueError(f"dtype_policies.deserialize: unknown class {name!r}; expected one "
                         f"of {sorted(ALL_CLASSES)}")
    return cls.from_config(config.get("config", {}))


def dtype_policy() -> DTypePolicy:
    """The global policy layers use when created without `dtype` (floatx's unless set).

    >>> dtype_policy().name
    'float32'
    """
    return get(global_policy_name())


def check_runnable(policy: DTypePolicy, owner: str) -> None:
    """Refuse a bfloat16 policy when `ml_dtypes` (its NumPy dtype) is missing, saying why."""
    if "bfloat16" in (policy.compute_dtype, policy.variable_dtype):
        try:
            import ml_dtypes  # noqa: F401 - NumPy's bfloat16 arrays come from it
        except ImportError:
            raise ValueError(f"{owner}: policy {policy.name!r} needs bfloat16, which needs "
                             "the `ml_dtypes` package (pip install 'numen[bfloat16]')") \
                from None


def set_dtype_policy(policy) -> None:
    """Set the global policy from a DTypePolicy or its name ("mixed_float16", "float32").

    >>> set_dtype_policy("float32")
    """
    policy = get(policy) if isinstance(policy, (str, DTypePolicy)) else None
    if policy is None:
        raise ValueError("set_dtype_policy: expected a DTypePolicy or its name, such as "
                         "'mixed_float16'")
    check_runnable(policy, "set_dtype_policy")
    policies._global_name = policy.name


def layer_policy(dtype) -> DTypePolicy:
    """A layer's policy from its `dtype` argument: a name, a policy, its config, or None."""
    if isinstance(dtype, dict) and "class_name" not in dtype:
        dtype = dtype.get("config", {}).get("name")
    policy = get(dtype)
    check_runnable(policy, "Layer")
    return policy


def layer_dtype(dtype) -> str:
    """A layer's variable dtype from its `dtype` argument (see `layer_policy`)."""
    return layer_policy(dtype).variable_dtype
