"""DTypePolicy: the dtype a layer keeps its weights in and the dtype it computes in.

A plain dtype name ("float32") uses that dtype for both. "mixed_float16" keeps float32 weights
and computes in float16: layers cast their inputs and, inside `call`, their weights to float16
(see `layers/autocast.py`). "bfloat16" and "mixed_bfloat16" can be described and read from saved
configs, but numen's NumPy engine has no bfloat16 arithmetic, so layers refuse to run them.

Quantized policies ("int8_from_float32", "int4_from_mixed_float16", ...) name a quantization
mode and the policy the layer had before `quantize()`; their dtypes are the source policy's.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping

from numen import backend

QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")
_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
_global_name: str | None = None


def _parse_name(name, owner="DTypePolicy"):
    """(compute dtype, variable dtype) of a policy name."""
    if not isinstance(name, str):
        raise TypeError(f"{owner}: `name` must be a string such as 'mixed_float16', received "
                        f"{name!r} of type {type(name).__name__}")
    if name in _MIXED:
        return _MIXED[name], "float32"
    if name == "bfloat16":
        return "bfloat16", "bfloat16"
    try:
        dtype = backend.standardize_dtype(name)
    except TypeError:
        raise ValueError(f"{owner}: cannot use {name!r} as a dtype policy; expected "
                         "'mixed_float16', 'mixed_bfloat16' or a dtype name such as "
                         "'float32'") from None
    return dtype, dtype


class DTypePolicy:
    """The dtypes of a layer's variables and computations.

    Args:
        name: "float32", "float16", "float64", "mixed_float16", "mixed_bfloat16", "bfloat16"
            or another dtype name; None means the global policy (`keras.config.dtype_policy()`).

    >>> DTypePolicy("mixed_float16").variable_dtype
    'float32'
    """

    def __init__(self, name=None):
        if name is None:
            name = global_policy_name()
        self._compute_dtype, self._variable_dtype = _parse_name(name, type(self).__name__)
        self._name = name
        self._quantization_mode = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        """The dtype layers compute in (their inputs and outputs)."""
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        """The dtype layers create their weights in."""
        return self._variable_dtype

    @property
    def quantization_mode(self):
        """"int8", "int4", "float8", ... for a quantized policy, else None."""
        return self._quantization_mode

    def convert_input(self, x, autocast, dtype):
        """`x` as a tensor, cast to `dtype` when `autocast` is set and `x` is a float of
        another dtype."""
        from numen import ops

        x = ops.convert_to_tensor(x)
        if autocast and str(x.dtype).startswith("float") and x.dtype != dtype:
            return ops.cast(x, dtype)
        return x

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f'<{type(self).__name__} "{self._name}">'

    def __eq__(self, other) -> bool:
        if type(self) is not type(other) and not (
                type(self) in _PLAIN and type(other) in _PLAIN):
            return False
        return self._name == other._name

    def __hash__(self) -> int:
        return hash(self._name)


class FloatDTypePolicy(DTypePolicy):
    """Keras's older name for a policy of plain float dtypes; behaves as DTypePolicy."""


_PLAIN = (DTypePolicy, FloatDTypePolicy)


class QuantizedDTypePolicy(DTypePolicy):
    """The policy of a layer quantized with `mode` from the policy named `source_name`.

    Args:
        mode: "int8", "int4", "float8", "gptq" or "awq".
        source_name: the policy before quantization (default: the global policy's name).

    >>> QuantizedDTypePolicy("int8", "float32").name
    'int8_from_float32'
    """

    def __init__(self, mode, source_name=None):
        if source_name is None:
            source_name = global_policy_name()
        self._compute_dtype, self._variable_dtype = _parse_name(source_name, type(self).__name__)
        base = mode.split("/")[0] if isinstance(mode, str) else mode
        if base not in QUANTIZATION_MODES:
            raise ValueError(f"{type(self).__name__}: invalid quantization `mode`; expected one "
                             f"of {QUANTIZATION_MODES}, received mode={mode!r}")
        if self._compute_dtype == "float16" and base == "int8":
            raise ValueError(f"{type(self).__name__}: mode='int8' does not work well with "
                             "compute dtype 'float16'; quantize a float32 or bfloat16 model")
        self._name = f"{mode}_from_{source_name}"
        self._source_name = source_name
        self._quantization_mode = base

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash(self._name)

    def get_config(self) -> dict:
        return {"mode": self._quantization_mode, "source_name": self._source_name}


class QuantizedFloat8DTypePolicy(QuantizedDTypePolicy):
    """A float8 quantized policy, with the length of its amax history window.

    >>> QuantizedFloat8DTypePolicy("float8", "float32").amax_history_length
    1024
    """

    default_amax_history_length = 1024

    def __init__(self, mode, source_name=None, amax_history_length=1024):
        super().__init__(mode, source_name)
        if not isinstance(amax_history_length, int) or isinstance(amax_history_length, bool):
            raise TypeError("QuantizedFloat8DTypePolicy: `amax_history_length` must be an int, "
                            f"received {amax_history_length!r}")
        self._amax_history_length = amax_history_length

    @property
    def amax_history_length(self) -> int:
        return self._amax_history_length

    def get_config(self) -> dict:
        return {**super().get_config(), "amax_history_length": self._amax_history_length}


def _mode_numbers(owner, mode, prefix, count, fmt):
    parts = mode.split("/") if isinstance(mode, str) else []
    if len(parts) != count + 1 or parts[0] != prefix:
        raise ValueError(f"{owner}: invalid `mode`; expected the format {fmt}, received "
                         f"{mode!r}")
    try:
        return [int(p) for p in parts[1:]]
    except ValueError:
        raise ValueError(f"{owner}: the numbers in `mode` must be integers ({fmt}), received "
                         f"{mode!r}") from None


def _check_group(owner, what, size, mode):
    if size < -1 or size == 0:
        raise ValueError(f"{owner}: {what} in `mode` must be -1 or a positive integer, "
                         f"received {size} from {mode!r}")


class Int4DTypePolicy(QuantizedDTypePolicy):
    """int4 quantization in blocks: `mode` is "int4/<block_size>" (-1: one scale per channel).

    >>> Int4DTypePolicy("int4/128", "float32").block_size
    128
    """

    def __init__(self, mode, source_name=None):
        (block_size,) = _mode_numbers("Int4DTypePolicy", mode, "int4", 1, "'int4/<block_size>'")
        _check_group("Int4DTypePolicy", "block_size", block_size, mode)
        super().__init__(mode, source_name)
        self.mode = "int4"
        self.block_size = block_size

    def get_config(self) -> dict:
        return {**super().get_config(), "mode": f"int4/{self.block_size}"}


class _GroupedPolicy(QuantizedDTypePolicy):
    _prefix = ""
    _bits = (2, 3, 4, 8)

    def __init__(self, mode, source_name=None):
        owner = type(self).__name__
        fmt = f"'{self._prefix}/<weight_bits>/<group_size>'"
        bits, group = _mode_numbers(owner, mode, self._prefix, 2, fmt)
        if bits not in self._bits:
            raise ValueError(f"{owner}: weight_bits in `mode` must be one of {self._bits}, "
                             f"received {bits} from {mode!r}")
        _check_group(owner, "group_size", group, mode)
        super().__init__(mode, source_name)
        self.mode = self._prefix
        self.weight_bits = bits
        self.group_size = group

    def get_config(self) -> dict:
        return {**super().get_config(),
                "mode": f"{self._prefix}/{self.weight_bits}/{self.group_size}"}


class GPTQDTypePolicy(_GroupedPolicy):
    """The policy of a GPTQ-quantized layer: `mode` is "gptq/<weight_bits>/<group_size>".

    numen can describe and save this policy; it has no GPTQ calibration to produce one.

    >>> GPTQDTypePolicy("gptq/4/128", "float32").weight_bits
    4
    """

    _prefix = "gptq"


class AWQDTypePolicy(_GroupedPolicy):
    """The policy of an AWQ-quantized layer: `mode` is "awq/4/<group_size>" (4 bits only).

    numen can describe and save this policy; it has no AWQ calibration to produce one.

    >>> AWQDTypePolicy("awq/4/-1", "float32").group_size
    -1
    """

    _prefix = "awq"
    _bits = (4,)


class DTypePolicyMap(DTypePolicy, MutableMapping):
    """Policies by layer path (exact keys first, then keys as regular expressions), with a
    default policy for paths nothing matches.

    >>> m = DTypePolicyMap(default_policy="float32")
    >>> m["encoder/.*"] = "float16"
    >>> m["encoder/dense"].name
    'float16'
    """

    def __init__(self, default_policy=None, policy_map=None):
        if isinstance(default_policy, DTypePolicyMap):
            raise ValueError("DTypePolicyMap: `default_policy` cannot be a DTypePolicyMap")
        if policy_map is not None and not isinstance(policy_map, dict):
            raise TypeError("DTypePolicyMap: `policy_map` must be a dict, received "
                            f"{type(policy_map).__name__}")
        self._default_policy_arg = default_policy
        self._default_policy = get(default_policy)
        self._policy_map = {k: get(v) for k, v in (policy_map or {}).items()}

    @property
    def name(self) -> str:
        return f"map_{self.default_policy.name}"

    @property
    def default_policy(self) -> DTypePolicy:
        return get(self._default_policy)

    @property
    def variable_dtype(self) -> str:
        return self.default_policy.variable_dtype

    @property
    def compute_dtype(self) -> str:
        return self.default_policy.compute_dtype

    @property
    def quantization_mode(self):
        return self.default_policy.quantization_mode

    def __getitem__(self, key):
        if key in self._policy_map:
            return self._policy_map[key]
        found = [p for p in self._policy_map if re.fullmatch(p, key)]
        if len(found) > 1:
            raise ValueError(f"DTypePolicyMap: path {key!r} matches several keys {found}; "
                             "each path may match at most one")
        return self._policy_map[found[0]] if found else self.default_policy

    def __setitem__(self, key, policy):
        if key in self._policy_map:
            raise ValueError(f"DTypePolicyMap: key {key!r} is already set (to "
                             f"{self._policy_map[key]}); keys cannot be reassigned")
        try:
            policy = get(policy)
        except (TypeError, ValueError):
            raise ValueError(f"DTypePolicyMap: cannot read {policy!r} as a dtype policy") \
                from None
        self._policy_map[key] = policy

    def __delitem__(self, key):
        return self._policy_map.pop(key)

    def __contains__(self, key) -> bool:
        return key in self._policy_map

    def __len__(self) -> int:
        return len(self._policy_map)

    def __iter__(self):
        return iter(self._policy_map)

    def __eq__(self, other) -> bool:
        return isinstance(other, DTypePolicyMap) and self.get_config() == other.get_config()

    __hash__ = None

    def get_config(self) -> dict:
        entries = {}
        for key, policy in self._policy_map.items():
            item = serialize(policy)
            if self._default_policy_arg is None:  # Keras leaves the source to the default
                item["config"] = dict(item["config"])
                item["config"]["source_name" if "source_name" in item["config"] else "name"] \
                    = None
            entries[key] = item
        return {"default_policy": self._default_policy_arg, "policy_map": entries}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        config["policy_map"] = {k: deserialize(v) if isinstance(v, dict) else v
                                for k, v in (config.get("policy_map") or {}).items()}
        return cls(**config)

    def __repr__(self) -> str:
        mapping = [(k, v.name) for k, v in self._policy_map.items()]
        return (f"<DTypePolicyMap default_policy={self._default_policy.name}, "
                f"mapping={mapping}>")


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


def global_policy_name() -> str:
    return _global_name if _global_name is not None else backend.floatx()


def dtype_policy() -> DTypePolicy:
    """The global policy layers use when created without `dtype` (floatx's unless set).

    >>> dtype_policy().name
    'float32'
    """
    return get(global_policy_name())


def check_runnable(policy: DTypePolicy, owner: str) -> None:
    """Refuse a policy numen cannot compute in (bfloat16), saying why."""
    if "bfloat16" in (policy.compute_dtype, policy.variable_dtype):
        try:
            import ml_dtypes  # noqa: F401 - only to say which of two things is missing
        except ImportError:
            raise ValueError(f"{owner}: policy {policy.name!r} needs bfloat16, which needs "
                             "the `ml_dtypes` package (pip install 'numen[bfloat16]')") \
                from None
        raise ValueError(f"{owner}: numen cannot compute in bfloat16 yet (policy "
                         f"{policy.name!r}); use 'mixed_float16', 'float16' or 'float32'")


def set_dtype_policy(policy) -> None:
    """Set the global policy from a DTypePolicy or its name ("mixed_float16", "float32").

    >>> set_dtype_policy("float32")
    """
    global _global_name
    policy = get(policy) if isinstance(policy, (str, DTypePolicy)) else None
    if policy is None:
        raise ValueError("set_dtype_policy: expected a DTypePolicy or its name, such as "
                         "'mixed_float16'")
    check_runnable(policy, "set_dtype_policy")
    _global_name = policy.name


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
