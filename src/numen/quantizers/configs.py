"""Quantizer objects and the configs `Layer.quantize` / `Model.quantize` take."""

from __future__ import annotations

from numen.dtype_policies import QUANTIZATION_MODES
from numen.quantizers.functions import EPSILON, abs_max_quantize


class Quantizer:
    """Base class of quantizers: `__call__(x)` returns the quantized `x` (here unchanged).

    >>> Quantizer()(3)
    3
    """

    def __init__(self, output_dtype="int8"):
        self.output_dtype = output_dtype

    def __call__(self, x):
        return x

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def get_config(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")


class AbsMaxQuantizer(Quantizer):
    """`abs_max_quantize` as an object: `q(x, axis=-1)` returns `(quantized, scale)`.

    >>> q, s = AbsMaxQuantizer()(np.array([2.0, -1.0], "float32"))
    >>> q.numpy().tolist()
    [127, -64]
    """

    def __init__(self, axis=None, value_range=(-127, 127), epsilon=EPSILON,
                 output_dtype="int8"):
        super().__init__(output_dtype)
        self.axis = None if axis is None else (
            (axis,) if isinstance(axis, int) else tuple(axis))
        self.value_range = tuple(value_range)
        self.epsilon = epsilon
        if output_dtype == "int8" and (value_range[0] < -128 or value_range[1] > 127):
            raise ValueError("AbsMaxQuantizer: with output_dtype='int8', `value_range` must "
                             f"lie within [-128, 127], received {value_range}")

    def __call__(self, x, axis=None, to_numpy=False):
        axis = axis if axis is not None else (self.axis if self.axis is not None else -1)
        return abs_max_quantize(x, axis, self.value_range, self.output_dtype, self.epsilon,
                                to_numpy)

    def get_config(self) -> dict:
        config = {"value_range": self.value_range, "epsilon": self.epsilon,
                  "output_dtype": self.output_dtype}
        if self.axis is not None:
            config["axis"] = self.axis
        return config


class QuantizationConfig:
    """Base class of quantization configs: which quantizers a mode uses."""

    def __init__(self, weight_quantizer=None, activation_quantizer=None):
        self.weight_quantizer = weight_quantizer
        self.activation_quantizer = activation_quantizer

    @property
    def mode(self) -> str:
        raise NotImplementedError("QuantizationConfig: use a subclass (Int8QuantizationConfig, "
                                  "Int4QuantizationConfig, ...), which names its mode")

    def get_config(self) -> dict:
        return {"weight_quantizer": _serialize_or_none(self.weight_quantizer),
                "activation_quantizer": _serialize_or_none(self.activation_quantizer)}

    @classmethod
    def from_config(cls, config: dict):
        return cls(weight_quantizer=_deserialize_or_none(config.get("weight_quantizer")),
                   activation_quantizer=_deserialize_or_none(
                       config.get("activation_quantizer")))


class Int8QuantizationConfig(QuantizationConfig):
    """int8 weights; activations quantized by `AbsMaxQuantizer()` unless told otherwise.

    >>> Int8QuantizationConfig().mode
    'int8'
    """

    def __init__(self, weight_quantizer=None, activation_quantizer="default"):
        if activation_quantizer == "default":
            activation_quantizer = AbsMaxQuantizer()
        super().__init__(weight_quantizer, activation_quantizer)
        if weight_quantizer is not None and weight_quantizer.output_dtype != "int8":
            raise ValueError("Int8QuantizationConfig: `weight_quantizer` must have "
                             f"output_dtype='int8', received {weight_quantizer.output_dtype!r}")

    @property
    def mode(self) -> str:
        return "int8"


class Int4QuantizationConfig(QuantizationConfig):
    """int4 weights, per output channel (`block_size` None or -1) or in blocks of
    `block_size` input rows; activations are not quantized by default.

    >>> Int4QuantizationConfig(block_size=-1).mode
    'int4'
    """

    def __init__(self, weight_quantizer=None, activation_quantizer="default", block_size=128):
        if activation_quantizer == "default":
            activation_quantizer = None
        super().__init__(weight_quantizer, activation_quantizer)
        if block_size is not None and block_size != -1 and block_size <= 0:
            raise ValueError("Int4QuantizationConfig: `block_size` must be None, -1 or a "
                             f"positive int, received {block_size!r}")
        self.block_size = block_size
        custom = weight_quantizer is not None or activation_quantizer is not None
        if block_size is not None and block_size > 0 and custom:
            raise ValueError("Int4QuantizationConfig: block_size > 0 (sub-channel) does not "
                             "take custom quantizers; use block_size=-1 or drop the quantizers")
        if weight_quantizer is not None:
            if tuple(weight_quantizer.value_range) != (-8, 7):
                raise ValueError("Int4QuantizationConfig: `weight_quantizer` must have "
                                 f"value_range=(-8, 7), received {weight_quantizer.value_range}")
            if weight_quantizer.output_dtype != "int8":
                raise ValueError("Int4QuantizationConfig: `weight_quantizer` must have "
                                 "output_dtype='int8', received "
                                 f"{weight_quantizer.output_dtype!r}")

    @property
    def mode(self) -> str:
        return "int4"

    def get_config(self) -> dict:
        return {**super().get_config(), "block_size": self.block_size}

    @classmethod
    def from_config(cls, config: dict):
        return cls(weight_quantizer=_deserialize_or_none(config.get("weight_quantizer")),
                   activation_quantizer=_deserialize_or_none(config.get("activation_quantizer")),
                   block_size=config.get("block_size"))


class Float8QuantizationConfig(QuantizationConfig):
    """float8 training (scales from amax histories); numen describes it but cannot
    quantize layers to float8.

    >>> Float8QuantizationConfig().mode
    'float8'
    """

    def __init__(self):
        super().__init__(None, None)

    @property
    def mode(self) -> str:
        return "float8"

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls()


_NO_CALIBRATION = ("not supported: {name} needs a calibration pipeline (running a dataset "
                   "through the model layer by layer) that numen lacks")


class _CalibratedConfig(QuantizationConfig):
    """GPTQ/AWQ: kept so code that builds these configs runs; using one raises."""

    _mode = ""

    def __init__(self, dataset, tokenizer, *, weight_bits=4, num_samples=128,
                 sequence_length=512, group_size=128, quantization_layer_structure=None,
                 **options):
        super().__init__(None, None)
        self.dataset, self.tokenizer = dataset, tokenizer
        self.weight_bits, self.num_samples = weight_bits, num_samples
        self.sequence_length, self.group_size = sequence_length, group_size
        self.quantization_layer_structure = quantization_layer_structure
        for key, value in options.items():
            setattr(self, key, value)

    @property
    def mode(self) -> str:
        return self._mode

    def dtype_policy_string(self) -> str:
        return f"{self._mode}/{self.weight_bits}/{self.group_size}"

    def check_usable(self):
        raise NotImplementedError(_NO_CALIBRATION.format(name=type(self).__name__))


class GPTQConfig(_CalibratedConfig):
    """GPTQ settings (Keras's arguments). numen cannot run GPTQ: `quantize` with this config
    raises NotImplementedError ("not supported: needs a calibration pipeline numen lacks").

    >>> GPTQConfig(None, None).mode
    'gptq'
    """

    _mode = "gptq"

    def __init__(self, dataset, tokenizer, *, weight_bits=4, num_samples=128,
                 per_channel=True, sequence_length=512, hessian_damping=0.01,
                 group_size=128, symmetric=False, activation_order=False,
                 quantization_layer_structure=None):
        super().__init__(dataset, tokenizer, weight_bits=weight_bits, num_samples=num_samples,
                         sequence_length=sequence_length, group_size=group_size,
                         quantization_layer_structure=quantization_layer_structure,
                         per_channel=per_channel, hessian_damping=hessian_damping,
                         symmetric=symmetric, activation_order=activation_order)


class AWQConfig(_CalibratedConfig):
    """AWQ settings (Keras's arguments). numen cannot run AWQ: `quantize` with this config
    raises NotImplementedError ("not supported: needs a calibration pipeline numen lacks").

    >>> AWQConfig(None, None).mode
    'awq'
    """

    _mode = "awq"

    def __init__(self, dataset, tokenizer, *, weight_bits=4, num_samples=128,
                 sequence_length=512, group_size=128, num_grid_points=20,
                 quantization_layer_structure=None):
        super().__init__(dataset, tokenizer, weight_bits=weight_bits, num_samples=num_samples,
                         sequence_length=sequence_length, group_size=group_size,
                         quantization_layer_structure=quantization_layer_structure,
                         num_grid_points=num_grid_points)


def resolve_config(mode, config):
    """The config a `quantize(mode, config=...)` call means, checked as Keras checks it."""
    if isinstance(config, str):
        mode, config = config, None
    if mode is not None and mode not in QUANTIZATION_MODES:
        raise ValueError(f"quantize: invalid `mode` {mode!r}; expected one of "
                         f"{QUANTIZATION_MODES}")
    if config is None:
        defaults = {"int8": Int8QuantizationConfig, "int4": Int4QuantizationConfig,
                    "float8": Float8QuantizationConfig}
        if mode in ("gptq", "awq"):
            raise ValueError(f"quantize: mode={mode!r} needs a `config` "
                             f"({'GPTQConfig' if mode == 'gptq' else 'AWQConfig'})")
        if mode is None:
            raise ValueError("quantize: give `mode` or `config`")
        config = defaults[mode]()
    elif not isinstance(config, QuantizationConfig):
        raise ValueError("quantize: `config` must be a QuantizationConfig, received "
                         f"{type(config).__name__}")
    if mode is not None and config.mode != mode:
        raise ValueError(f"quantize: mode={mode!r} contradicts config.mode={config.mode!r}")
    if isinstance(config, _CalibratedConfig):
        config.check_usable()
    return config


def _serialize_or_none(obj):
    from numen.quantizers import serialize

    return None if obj is None else serialize(obj)


def _deserialize_or_none(config):
    from numen.quantizers import deserialize

    return None if config is None else deserialize(config)
