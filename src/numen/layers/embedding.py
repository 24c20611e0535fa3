"""Embedding (integer ids -> dense vectors) and Masking (skip padded timesteps)."""

from __future__ import annotations

import numpy as np

from numen import backend, initializers, ops, regularizers
from numen.autodiff import Tensor
from numen.layers import quantized, validate
from numen.layers.base import Layer
from numen.layers.core import _quantization_config, _quantization_entry


def _ser(obj):
    if obj is None:
        return None
    return {"class_name": type(obj).__name__, "config": obj.get_config()}


def _initializer(identifier):
    # Keras accepts the short aliases 'uniform' and 'normal' for its random initializers.
    aliases = {"uniform": "random_uniform", "normal": "random_normal"}
    if isinstance(identifier, str):
        identifier = aliases.get(identifier, identifier)
    return initializers.get(identifier)


class Embedding(Layer):
    """Maps non-negative integer ids to rows of a trainable `(input_dim, output_dim)` matrix.

    Args:
        input_dim: vocabulary size; ids must lie in [0, input_dim).
        output_dim: size of each embedding vector.
        embeddings_initializer: 'uniform' (RandomUniform in [-0.05, 0.05]) by default.
        embeddings_regularizer / embeddings_constraint: as in Keras.
        mask_zero: treat id 0 as padding; `compute_mask` then returns `inputs != 0`.
        weights: optional initial value for the embedding matrix.

    Raises:
        ValueError: at call time, when an id is negative or >= input_dim.

    >>> Embedding(10, 4)(np.array([[1, 2, 3]])).shape
    (1, 3, 4)
    """

    _saves_only_made_weights = True  # as Keras's (layers/saving_hooks.py)

    _config_lists_activity_regularizer = True

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, quantization_config=None, **kwargs):
        kwargs.pop("input_length", None)  # accepted by Keras 2; no longer needed
        super().__init__(**kwargs)
        self.input_dim = validate.positive_int(input_dim, "input_dim", self)
        self.output_dim = validate.positive_int(output_dim, "output_dim", self)
        self.embeddings_initializer = _initializer(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        if embeddings_constraint is not None and not callable(embeddings_constraint):
            from numen import constraints

            embeddings_constraint = constraints.get(embeddings_constraint)
        self.embeddings_constraint = embeddings_constraint
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.lora_rank = lora_rank
        self.quantization_config = _quantization_config(quantization_config)
        if weights is not None:
            self.build(None)
            self.set_weights(weights if isinstance(weights, (list, tuple)) else [weights])

    def build(self, input_shape=None):
        if self.quantization_mode is not None:  # made from a quantized layer's config
            quantized.build_embedding(self, self.quantization_mode, self.quantization_config)
            self.built = True
            return
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint,
                                          name="embeddings")
        self.built = True

    def quantize(self, mode=None, type_check=True, config=None):
        """Replace the float table by an int8 or int4 one (see `layers/quantized.py`)."""
        if type_check and type(self) is not Embedding:
            raise NotImplementedError(f"{type(self).__name__} does not implement quantize()")
        quantized.quantize_embedding(self, mode, config)

    def call(self, inputs):
        ids = inputs.data if isinstance(inputs, Tensor) else backend.to_device(np.asarray(inputs))
        if ids.dtype.kind == "f":
            if ids.size and (ids != backend.xp_of(ids).round(ids)).any():
                raise ValueError(f"Layer '{self.name}' expects integer ids, received "
                                 f"non-integer values of dtype {ids.dtype}")
            ids = ids.astype(np.int64)
        elif ids.dtype.kind not in "iu":
            raise TypeError(f"Layer '{self.name}' expects integer ids, received dtype "
                            f"{ids.dtype}")
        if ids.size:
            low, high = int(ids.min()), int(ids.max())
            if low < 0 or high >= self.input_dim:
                bad = high if high >= self.input_dim else low
                raise ValueError(
                    f"Layer '{self.name}': input id {bad} is out of range; ids must lie in "
                    f"[0, input_dim) = [0, {self.input_dim}), and the largest id received was "
                    f"{high} (smallest {low}). Increase input_dim to at least {high + 1} or "
                    f"check the tokenization")
        if self._dtype_policy._quantization_mode is not None:
            return quantized.embedding_lookup(self, ids)
        return ops.take(self.embeddings, ids, axis=0)

    def compute_mask(self, inputs, mask=None):
        """`inputs != 0` when `mask_zero`, else None."""
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": _ser(self.embeddings_regularizer),
            "embeddings_constraint": _ser(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "lora_rank": self.lora_rank,
            **_quantization_entry(self),
        }


class Masking(Layer):
    """Marks timesteps whose features all equal `mask_value` as padding and zeroes them.

    The output is the input with masked timesteps set to 0; `compute_mask` returns the boolean
    `(batch, timesteps)` mask `any(inputs != mask_value, axis=-1)` for downstream layers.

    >>> Masking(0.0).compute_mask(np.array([[[0.0], [1.0]]]))   # [[False, True]]
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(mask_value, (int, float, np.number)) or isinstance(mask_value, bool):
            raise TypeError(f"Masking: `mask_value` must be a number, received {mask_value!r}")
        self.mask_value = float(mask_value)
        self.supports_masking = True

    def call(self, inputs):
        keep = ops.any(ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return ops.multiply(inputs, ops.cast(keep, inputs.dtype))

    def compute_mask(self, inputs, mask=None):
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
