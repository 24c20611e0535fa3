"""GroupedQueryAttention (keras.layers.GroupQueryAttention): attention where groups of query
heads share one key/value head (Ainslie et al., 2023).

The projections are EinsumDense sub-layers named 'query', 'key', ('gate',) 'value' and
'attention_output', in Keras 3's order and layouts, so weights move between numen and Keras one
to one: query kernel (dim, query_heads, head_dim), key/value kernels (dim, kv_heads, head_dim),
output kernel (query_heads, head_dim, dim).
"""

from __future__ import annotations

import math

import numpy as np

from numen import backend, initializers, ops, regularizers
from numen.autodiff import Tensor
from numen.layers import validate
from numen.layers.activation import Softmax
from numen.layers.base import Layer
from numen.layers.core import Dropout, _ser
from numen.layers.einsum_dense import EinsumDense

_MASKED = -1e9


def _bool(mask) -> Tensor:
    data = mask.data if isinstance(mask, Tensor) else backend.to_device(np.asarray(mask))
    return Tensor(data.astype(bool))


class GroupedQueryAttention(Layer):
    """Multi-head attention with `num_key_value_heads` key/value heads shared by
    `num_query_heads` query heads (which must be a multiple of them).

    Args:
        head_dim: size of each head.
        num_query_heads: number of query heads.
        num_key_value_heads: number of key and value heads.
        dropout: dropout rate on the attention probabilities (training only).
        use_bias: whether the projections have biases.
        sliding_window: when set, a query attends only to keys fewer than this many
            positions away.
        flash_attention: accepted for compatibility; numen computes attention plainly.
        kernel_initializer / bias_initializer / *_regularizer / *_constraint: for the
            projections.
        use_gate: multiply the attention output by a sigmoid gate computed from the query
            before the output projection.
        seed: seed of the dropout.

    Call arguments: query (B, T, dim), value (B, S, dim), key (default: value), query_mask,
    value_mask, key_mask, attention_mask (B, T, S), return_attention_scores, training,
    use_causal_mask.

    >>> layer = GroupedQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
    >>> layer(np.ones((2, 5, 8)), np.ones((2, 3, 8))).shape
    (2, 5, 8)
    """

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.head_dim = validate.positive_int(head_dim, "head_dim", self)
        self.num_query_heads = validate.positive_int(num_query_heads, "num_query_heads", self)
        self.num_key_value_heads = validate.positive_int(num_key_value_heads,
                                                         "num_key_value_heads", self)
        if self.num_query_heads % self.num_key_value_heads:
            raise ValueError(f"GroupedQueryAttention: `num_query_heads` ({num_query_heads}) "
                             f"must be a multiple of `num_key_value_heads` "
                             f"({num_key_value_heads})")
        if not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"GroupedQueryAttention: `dropout` must be a number in [0, 1), "
                             f"received {dropout!r}")
        if sliding_window is not None:
            sliding_window = validate.positive_int(sliding_window, "sliding_window", self)
        self.num_repeats = self.num_query_heads // self.num_key_value_heads
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        self.use_gate = bool(use_gate)
        self.sliding_window = sliding_window
        self.flash_attention = flash_attention
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(self.head_dim)
        # Attribute order is weight order: query, key, (gate), value, output, as in Keras.
        self._query_dense = self._key_dense = self._gate_dense = None
        self._value_dense = self._softmax = self._dropout_layer = self._output_dense = None
        self.supports_masking = True

    def _dense(self, equation, heads, bias_axes, name, activation=None):
        return EinsumDense(
            equation, output_shape=(None, heads, self.head_dim),
            bias_axes=bias_axes if self.use_bias else None, activation=activation, name=name,
            kernel_initializer=initializers.get(initializers.serialize(
                self.kernel_initializer)),
            bias_initializer=initializers.get(initializers.serialize(self.bias_initializer)),
            kernel_regularizer=self.kernel_regularizer,
            bias_regularizer=self.bias_regularizer, kernel_constraint=self.kernel_constraint,
            bias_constraint=self.bias_constraint, dtype=self.dtype, trainable=self.trainable)

    def build(self, query_shape, value_shape=None, key_shape=None):
        """Create the projections; called through `layer(query)` alone (which knows only the
        query's shape) it waits for the first call to see value and key."""
        if value_shape is None:
            return
        key_shape = value_shape if key_shape is None else key_shape
        self.feature_dim = query_shape[-1]
        q, kv = self.num_query_heads, self.num_key_value_heads
        self._query_dense = self._dense("bqm,muh->bquh", q, "uh", "query")
        self._query_dense.build(tuple(query_shape))
        self._key_dense = self._dense("bkm,mvh->bkvh", kv, "vh", "key")
        self._key_dense.build(tuple(key_shape))
        if self.use_gate:
            self._gate_dense = self._dense("bqm,muh->bquh", q, "uh", "gate",
                                           activation="sigmoid")
            self._gate_dense.build(tuple(query_shape))
        self._value_dense = self._dense("bkm,mvh->bkvh", kv, "vh", "value")
        self._value_dense.build(tuple(value_shape))
        self._softmax = Softmax(axis=-1, dtype=self.dtype)
        self._dropout_layer = Dropout(rate=self.dropout, seed=self.seed, dtype=self.dtype)
        self._output_dense = EinsumDense(
            "bquh,uhm->bqm", output_shape=(None, self.feature_dim),
            bias_axes="m" if self.use_bias else None, name="attention_output",
            kernel_initializer=initializers.get(initializers.serialize(
                self.kernel_initializer)),
            bias_initializer=initializers.get(initializers.serialize(self.bias_initializer)),
            kernel_regularizer=self.kernel_regularizer,
            bias_regularizer=self.bias_regularizer, kernel_constraint=self.kernel_constraint,
            bias_constraint=self.bias_constraint, dtype=self.dtype, trainable=self.trainable)
        self._output_dense.build((None, None, q, self.head_dim))
        for sub in (self._query_dense, self._key_dense, self._gate_dense, self._value_dense,
                    self._softmax, self._dropout_layer, self._output_dense):
            if sub is not None:
                sub.built = True
        self.built = True

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False, mask=None):
        value = self._convert_inputs(value)
        if mask is not None and query_mask is None:
            query_mask = mask[0] if isinstance(mask, (list, tuple)) else mask
            if value_mask is None and (value is query or value.data is query.data):
                value_mask = query_mask
        key = value if key is None else self._convert_inputs(key)
        if self._query_dense is None:
            self.build(tuple(query.shape), tuple(value.shape), tuple(key.shape))
        if query.shape[-1] != self.feature_dim:
            raise ValueError(f"Layer '{self.name}' was built for queries of size "
                             f"{self.feature_dim}, received shape {tuple(query.shape)}")
        attention_mask = self._attention_mask(query, value, query_mask, value_mask, key_mask,
                                              attention_mask, use_causal_mask)
        gate = self._gate_dense(query) if self.use_gate else None
        q = ops.multiply(self._query_dense(query), self._inverse_sqrt_head_dim)
        k = ops.repeat(self._key_dense(key), self.num_repeats, axis=2)
        v = ops.repeat(self._value_dense(value), self.num_repeats, axis=2)
        scores = ops.einsum("bquh,bkuh->buqk", q, k)
        if attention_mask is not None:
            m = attention_mask
            while m.ndim < scores.ndim:
                m = ops.expand_dims(m, -3)
            scores = ops.where(m, scores, _MASKED)
        probs = ops.softmax(scores, axis=-1)
        if attention_mask is not None and (self.dropout > 0 or return_attention_scores):
            # As Keras: its explicit path (dropout or scores asked for) zeroes rows with no
            # visible key, its fused path leaves them uniform.
            probs = ops.where(m, probs, 0.0)
        dropped = probs
        if training and self.dropout > 0:
            r = self._rng or backend.rng()
            keep = r.random(probs.shape) >= self.dropout
            dropped = ops.multiply(probs, Tensor(backend.to_device(
                (keep / (1 - self.dropout)).astype(probs.dtype))))
        out = ops.einsum("buqk,bkuh->bquh", dropped, v)
        if gate is not None:
            out = ops.multiply(out, gate)
        out = self._output_dense(out)
        return (out, probs) if return_attention_scores else out

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                        use_causal_mask):
        """Every given mask, the causal and the sliding-window mask ANDed into (B, T, S)."""
        mask = None

        def both(a, b):
            return b if a is None else ops.logical_and(a, b)

        if query_mask is not None:
            mask = ops.expand_dims(_bool(query_mask), -1)
        if value_mask is not None:
            mask = both(mask, ops.expand_dims(_bool(value_mask), -2))
        if key_mask is not None:
            mask = both(mask, ops.expand_dims(_bool(key_mask), -2))
        t, s = query.shape[1], value.shape[1]
        if use_causal_mask:
            mask = both(mask, Tensor(backend.to_device(np.tril(np.ones((t, s), bool))[None])))
        if self.sliding_window is not None:
            gap = np.abs(np.arange(t)[:, None] - np.arange(s)[None, :])
            mask = both(mask, Tensor(backend.to_device((gap < self.sliding_window)[None])))
        if attention_mask is not None:
            mask = both(mask, _bool(attention_mask))
        return mask

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return tuple(query_shape)

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            return mask[0]
        return mask

    def get_config(self):
        config = {
            **super().get_config(),
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": _ser(self.kernel_regularizer),
            "bias_regularizer": _ser(self.bias_regularizer),
            "activity_regularizer": _ser(self.activity_regularizer),
            "kernel_constraint": _ser(self.kernel_constraint),
            "bias_constraint": _ser(self.bias_constraint),
            "seed": self.seed,
        }
        if self.flash_attention is not None:
            config["flash_attention"] = self.flash_attention
        return config


# Keras exports the class under this name (and writes it in .keras files).
GroupQueryAttention = GroupedQueryAttention
