"""DTypePolicyMap: dtype policies by layer path, as Keras's quantized models save them."""

from __future__ import annotations

import re
from collections.abc import MutableMapping

from numen.dtype_policies.policies import DTypePolicy


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
        self._default_policy = _registry().get(default_policy)
        self._policy_map = {k: _registry().get(v) for k, v in (policy_map or {}).items()}

    @property
    def name(self) -> str:
        return f"map_{self.default_policy.name}"

    @property
    def default_policy(self) -> DTypePolicy:
        return _registry().get(self._default_policy)

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
            policy = _registry().get(policy)
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
            item = _registry().serialize(policy)
            if self._default_policy_arg is None:  # Keras leaves the source to the default
                item["config"] = dict(item["config"])
                item["config"]["source_name" if "source_name" in item["config"] else "name"] \
                    = None
            entries[key] = item
        return {"default_policy": self._default_policy_arg, "policy_map": entries}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        config["policy_map"] = {k: _registry().deserialize(v) if isinstance(v, dict) else v
                                for k, v in (config.get("policy_map") or {}).items()}
        return cls(**config)

    def __repr__(self) -> str:
        mapping = [(k, v.name) for k, v in self._policy_map.items()]
        return (f"<DTypePolicyMap default_policy={self._default_policy.name}, "
                f"mapping={mapping}>")


def _registry():
    from numen.dtype_policies import registry  # get/serialize sit above this class

    return registry
