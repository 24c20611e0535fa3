"""DTypePolicy: the dtype a layer keeps its weights in and the dtype it computes in.

A plain float name ("float32") uses that dtype for both. "mixed_float16" and "mixed_bfloat16"
keep float32 weights and compute in 16 bits; numen can describe them (and read them from saved
configs) but does not run them yet, so `set_dtype_policy` refuses them with a clear error.
"""

from __future__ import annotations

from numen import backend

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
_global_name: str | None = None


class DTypePolicy:
    """The dtypes of a layer's variables and computations.

    Args:
        name: "float16", "float32", "float64", "bfloat16", "mixed_float16" or "mixed_bfloat16";
            None means the global policy (`keras.config.dtype_policy()`).

    >>> DTypePolicy("mixed_float16").variable_dtype
    'float32'
    """

    def __init__(self, name=None):
        if name is None:
            name = global_policy_name()
        if not isinstance(name, str):
            raise TypeError(f"DTypePolicy: `name` must be a string, received {name!r}")
        if name in _MIXED:
            compute, variable = _MIXED[name], "float32"
        else:
            try:
                compute = variable = ("bfloat16" if name == "bfloat16"
                                      else backend.standardize_dtype(name))
            except TypeError:
                compute = None
            if compute is None or not compute.startswith(("float", "bfloat")):
                raise ValueError(f"DTypePolicy: cannot use {name!r}; expected 'mixed_float16', "
                                 "'mixed_bfloat16' or a float dtype such as 'float32'")
        self._name = name
        self._compute_dtype = compute
        self._variable_dtype = variable

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self._variable_dtype

    @property
    def quantization_mode(self):
        return None

    def convert_input(self, x, autocast, dtype):
        """`x` cast to `dtype` when `autocast` is set and `x` is a float of another dtype."""
        from numen import ops

        x = ops.convert_to_tensor(x)
        if autocast and x.dtype.startswith("float") and x.dtype != dtype:
            return ops.cast(x, dtype)
        return x

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'

    def __eq__(self, other) -> bool:
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self._name)


class FloatDTypePolicy(DTypePolicy):
    """Keras's name for a policy of plain float dtypes; behaves as DTypePolicy."""


def global_policy_name() -> str:
    return _global_name if _global_name is not None else backend.floatx()


def dtype_policy() -> DTypePolicy:
    """The global policy layers use when created without `dtype` (floatx's unless set)."""
    return DTypePolicy(global_policy_name())


def set_dtype_policy(policy) -> None:
    """Set the global policy from a DTypePolicy or its name."""
    global _global_name
    name = policy.name if isinstance(policy, DTypePolicy) else DTypePolicy(policy).name
    if name in _MIXED or name == "bfloat16":
        raise ValueError(f"set_dtype_policy: numen does not run {name!r} yet (no 16-bit compute "
                         "with float32 weights, no bfloat16); use 'float16', 'float32' or "
                         "'float64'")
    _global_name = name


def layer_dtype(dtype) -> str:
    """A layer's dtype from its `dtype` argument: a name, a policy, its config, or None."""
    if isinstance(dtype, DTypePolicy):
        dtype = dtype.variable_dtype
    elif isinstance(dtype, dict):  # a saved DTypePolicy config
        dtype = dtype.get("config", {}).get("name")
    return backend.standardize_dtype(dtype if dtype is not None else global_policy_name())
