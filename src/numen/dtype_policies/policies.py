"""The policy classes: plain and mixed float policies, and the quantized policies Keras
writes for quantized layers ("int8_from_float32", "int4/128_from_float32", ...)."""

from __future__ import annotations

from numen import backend

QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")
_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
_global_name: str | None = None  # set by registry.set_dtype_policy


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


def global_policy_name() -> str:
    """The global policy's name: the one set by `set_dtype_policy`, else floatx."""
    return _global_name if _global_name is not None else backend.floatx()
