"""Attention layers: MultiHeadAttention, Attention (dot-product / concat scores) and
AdditiveAttention, with Keras 3's arguments and weight layouts.

MultiHeadAttention keeps its projections in four sub-layers named 'query', 'key', 'value' and
'attention_output' (in that order), each holding `kernel` then `bias`, laid out as Keras's
EinsumDense: query/key/value kernels (dim, num_heads, head_dim) with biases
(num_heads, head_dim), and the output kernel (num_heads, value_dim, *output_shape).
"""

from __future__ import annotations

import math

import numpy as np

from numen import backend, initializers, ops, regularizers
from numen.autodiff import Tensor
from numen.layers import validate
from numen.layers.base import Layer, unique_name
from numen.layers.einsum_dense import EinsumDense

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_MASKED = -1e9  # added to the scores of masked positions before the softmax, as Keras does


def _ser(obj):
    if obj is None:
        return None
    return {"class_name": type(obj).__name__, "config": obj.get_config()}


def _bool(mask) -> Tensor:
    data = mask.data if isinstance(mask, Tensor) else backend.to_device(np.asarray(mask))
    return Tensor(data.astype(bool))


def _dropout(x, rate, rng):
    keep = rng.random(x.shape) >= rate
    return ops.multiply(x, Tensor(backend.to_device((keep / (1 - rate)).astype(x.dtype))))


class _Projection(EinsumDense):
    """A dense map from the last `len(in_dims)` axes of inputs of rank `rank` to `out_dims`
    axes: Keras's EinsumDense with kernel in_dims + out_dims and bias out_dims, so
    `Model.quantize` reaches it as it reaches Keras's projections. Unquantized, it runs as one
    fused matrix product."""

    def __init__(self, in_dims, out_dims, use_bias, kernel_initializer, bias_initializer,
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, rank=None, **kwargs):
        in_dims, out_dims = tuple(in_dims), tuple(out_dims)
        letters = iter(_LETTERS)
        ins = "".join(next(letters) for _ in in_dims)
        outs = "".join(next(letters) for _ in out_dims)
        super().__init__(f"...{ins},{ins}{outs}->...{outs}", out_dims,
                         bias_axes=outs if use_bias else None,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        self.in_dims, self.out_dims = in_dims, out_dims
        rank = len(in_dims) + 1 if rank is None else rank
        self.build((None,) * (rank - len(in_dims)) + in_dims)

    def call(self, inputs, training=None):
        if self._dtype_policy._quantization_mode is not None:
            return super().call(inputs, training)
        n_in = len(self.in_dims)
        lead = inputs.shape[: inputs.ndim - n_in]
        size_in, size_out = math.prod(self.in_dims), math.prod(self.out_dims)
        x = ops.reshape(inputs, (-1, size_in))
        w = ops.reshape(self._kernel, (size_in, size_out))
        b = None if self.bias is None else ops.reshape(self.bias, (size_out,))
        return ops.reshape(ops.dense(x, w, b), lead + self.out_dims)

    def quantize(self, mode=None, type_check=True, config=None):
        """As EinsumDense's (a projection is one, whatever its Python class)."""
        super().quantize(mode, type_check=False, config=config)


def _attention_equations(rank: int, attn_axes: tuple) -> tuple[str, str, int]:
    """Einsum equations for projected tensors of `rank` (batch, inner..., heads, depth).

    Returns (scores equation for query,key; combine equation for scores,value; scores rank).
    """
    q = _LETTERS[:rank]
    fresh = iter(_LETTERS[rank:])
    k = "".join(next(fresh) if i in attn_axes else c for i, c in enumerate(q))
    v = k[:-1] + next(fresh)
    batch = [i for i in range(rank - 2) if i not in attn_axes]
    scores = ("".join(q[i] for i in batch) + q[rank - 2] + "".join(q[i] for i in attn_axes)
              + "".join(k[i] for i in attn_axes))
    out = q[:-1] + v[-1]
    return f"{q},{k}->{scores}", f"{scores},{v}->{out}", len(scores)


class MultiHeadAttention(Layer):
    """Multi-head scaled dot-product attention (Vaswani et al., 2017).

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (defaults to key_dim).
        dropout: dropout rate on the attention probabilities (training only).
        use_bias: whether the four projections have biases.
        output_shape: trailing output shape (int or tuple); defaults to the query's last axis.
        attention_axes: the axes attended over (default: all but batch, heads and features).

    Call arguments: query (B, T, dim), value (B, S, dim), key (defaults to value),
    attention_mask (B, T, S) booleans (True = may attend), return_attention_scores,
    training, use_causal_mask; query_mask / value_mask / key_mask as Keras would pass from
    upstream masks (`mask=`, as models pass it, is taken as the query's mask, and also as the
    value's in self-attention).

    >>> MultiHeadAttention(2, 4)(np.ones((1, 3, 8)), np.ones((1, 5, 8))).shape
    (1, 3, 8)
    """

    _config_lists_activity_regularizer = True

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, seed=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.num_heads = validate.positive_int(num_heads, "num_heads", self)
        self.key_dim = validate.positive_int(key_dim, "key_dim", self)
        self.value_dim = validate.positive_int(value_dim, "value_dim", self) if value_dim \
            else self.key_dim
        if not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"MultiHeadAttention: `dropout` must be a number in [0, 1), "
                             f"received {dropout!r}")
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        if output_shape:
            shape = (output_shape,) if isinstance(output_shape, int) else output_shape
            try:
                output_shape = tuple(int(n) for n in shape)
            except (TypeError, ValueError):
                raise ValueError(f"MultiHeadAttention: `output_shape` must be an int, tuple or "
                                 f"list, received {output_shape!r}") from None
        self._output_shape = output_shape or None
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(f"MultiHeadAttention: `attention_axes` must be an int, list or "
                             f"tuple, received {attention_axes!r}")
        self.attention_axes = None if attention_axes is None else tuple(attention_axes)
        self.flash_attention = flash_attention
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.seed = seed
        self._generator = np.random.default_rng(seed) if seed is not None else None
        self.supports_masking = True
        # Sub-layers, in Keras's weight order; created by build once all shapes are known.
        self._query_dense = self._key_dense = self._value_dense = self._output_dense = None

    # -- building ------------------------------------------------------------------------
    def build(self, query_shape, value_shape=None, key_shape=None):
        """Create the four projections. Called through `layer(query)` alone (which only knows
        the query's shape) it waits for the first call to see value and key."""
        if value_shape is None:
            return
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f"Layer '{self.name}': value and key must agree on every axis but "
                             f"the last; received value shape {tuple(value_shape)} and key "
                             f"shape {tuple(key_shape)}")
        rank = len(query_shape) + 1  # projected tensors gain a heads axis
        axes = self.attention_axes or tuple(range(1, rank - 2))
        self._attn_axes = tuple(a if a >= 0 else rank - 1 + a for a in axes)
        for a in self._attn_axes:
            if not 1 <= a <= rank - 3:
                raise ValueError(f"Layer '{self.name}': attention axis {a} is not an inner axis "
                                 f"of a query of shape {tuple(query_shape)}")
        self._dot_eq, self._combine_eq, scores_rank = _attention_equations(rank, self._attn_axes)
        self._softmax_axes = tuple(range(scores_rank - len(self._attn_axes), scores_rank))
        out_dims = self._output_shape or (query_shape[-1],)
        common = dict(use_bias=self.use_bias, kernel_initializer=self.kernel_initializer,
                      bias_initializer=self.bias_initializer,
                      kernel_regularizer=self.kernel_regularizer,
                      bias_regularizer=self.bias_regularizer,
                      kernel_constraint=self.kernel_constraint,
                      bias_constraint=self.bias_constraint, dtype=self.dtype_policy,
                      trainable=self.trainable)
        heads = self.num_heads
        self._query_dense = _Projection((query_shape[-1],), (heads, self.key_dim),
                                        name="query", rank=rank - 1, **common)
        self._key_dense = _Projection((key_shape[-1],), (heads, self.key_dim), name="key",
                                      rank=len(key_shape), **common)
        self._value_dense = _Projection((value_shape[-1],), (heads, self.value_dim),
                                        name="value", rank=len(value_shape), **common)
        # Keras's build makes a Softmax and a Dropout sub-layer here, each taking an automatic
        # name; numen computes both inline but takes the same names, so that the layers made
        # afterwards are named as in Keras ('dropout_3' in a summary, `get_layer` by name).
        unique_name("softmax")
        unique_name("dropout")
        self._output_dense = _Projection((heads, self.value_dim), tuple(out_dims),
                                         name="attention_output", rank=rank, **common)
        self.built = True

    @property
    def query_dense(self):
        return self._query_dense

    @property
    def key_dense(self):
        return self._key_dense

    @property
    def value_dense(self):
        return self._value_dense

    @property
    def output_dense(self):
        return self._output_dense

    # -- calling -------------------------------------------------------------------------
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=False,
             use_causal_mask=False, mask=None):
        value = self._convert_inputs(value)
        if mask is not None and query_mask is None:
            # An upstream mask handed over by Sequential/Functional belongs to the query; in
            # self-attention (value is the query) it masks the value positions too.
            query_mask = mask[0] if isinstance(mask, (list, tuple)) else mask
            if value_mask is None and (value is query or value.data is query.data):
                value_mask = query_mask
        key = value if key is None else self._convert_inputs(key)
        if self._query_dense is None:
            self.build(tuple(query.shape), tuple(value.shape), tuple(key.shape))
        q = ops.multiply(self._query_dense(query), 1.0 / math.sqrt(self.key_dim))
        k = self._key_dense(key)
        v = self._value_dense(value)
        scores = ops.einsum(self._dot_eq, q, k)
        mask = self._attention_mask(query, value, query_mask, value_mask, key_mask,
                                    attention_mask, use_causal_mask)
        if mask is not None:
            while mask.ndim < scores.ndim:
                mask = ops.expand_dims(mask, -2 * len(self._attn_axes) - 1)
            scores = ops.add(scores, ops.multiply(ops.cast(ops.logical_not(mask), scores.dtype),
                                                  _MASKED))
        probs = ops.softmax(scores, axis=self._softmax_axes)
        dropped = probs
        if training and self.dropout > 0:
            dropped = _dropout(probs, self.dropout, self._generator or backend.rng())
        out = self._output_dense(ops.einsum(self._combine_eq, dropped, v))
        return (out, probs) if return_attention_scores else out

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask,
                        use_causal_mask):
        """All given masks and the causal mask combined into one boolean (B, T, S) mask."""
        mask = None

        def both(a, b):
            return b if a is None else ops.logical_and(a, b)

        if query_mask is not None:
            mask = ops.expand_dims(_bool(query_mask), -1)
        if value_mask is not None:
            mask = both(mask, ops.expand_dims(_bool(value_mask), -2))
        if key_mask is not None:
            mask = both(mask, ops.expand_dims(_bool(key_mask), -2))
        if use_causal_mask:
            t, s = query.shape[1], value.shape[1]
            causal = np.tril(np.ones((t, s), dtype=bool))[None]
            mask = both(mask, Tensor(backend.to_device(causal)))
        if attention_mask is not None:
            mask = both(_bool(attention_mask), mask) if mask is not None else _bool(
                attention_mask)
        return mask

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        out = self._output_shape or (query_shape[-1],)
        return tuple(query_shape[:-1]) + tuple(out)

    def compute_mask(self, inputs, mask=None):
        """The query's mask (the first of a list of masks) carries over to the output."""
        if isinstance(mask, (list, tuple)):
            return mask[0]
        return mask

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_shape": None if self._output_shape is None else list(self._output_shape),
            "attention_axes": None if self.attention_axes is None else list(
                self.attention_axes),
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": _ser(self.kernel_regularizer),
            "bias_regularizer": _ser(self.bias_regularizer),
            "kernel_constraint": _ser(self.kernel_constraint),
            "bias_constraint": _ser(self.bias_constraint),
            "seed": self.seed,
        }


class Attention(Layer):
    """Dot-product (Luong-style) or concat attention over `[query, value]` or
    `[query, value, key]` inputs of shapes (B, T, dim), (B, S, dim), (B, S, dim).

    Args:
        use_scale: learn a scalar `scale` multiplying the scores.
        score_mode: 'dot' (query . key) or 'concat' (sum(tanh(query + key))).
        dropout: dropout rate on the attention weights (training only).

    Call arguments: inputs list, mask=[query_mask, value_mask], training,
    return_attention_scores, use_causal_mask.

    >>> Attention()([np.ones((1, 2, 4)), np.ones((1, 3, 4))]).shape
    (1, 2, 4)
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = bool(use_scale)
        self.score_mode = validate.one_of(score_mode, ("dot", "concat"), "score_mode", self)
        if not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"{type(self).__name__}: `dropout` must be a number in [0, 1), "
                             f"received {dropout!r}")
        self.dropout = float(dropout)
        self.seed = seed
        self._generator = np.random.default_rng(seed) if seed is not None else None
        self.supports_masking = True

    def build(self, input_shape):
        self._check_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(shape=(), initializer="ones",
                                                       name="concat_score_weight")
        self.built = True

    def _check_inputs(self, inputs) -> list:
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3) or not all(
                isinstance(s, (list, tuple, Tensor)) for s in inputs):
            got = (f"a list of {len(inputs)}" if isinstance(inputs, (list, tuple))
                   else f"a single {type(inputs).__name__}")
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) must be called on a "
                             f"list [query, value] or [query, value, key], received {got}")
        return list(inputs)

    def _score(self, query, key):
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -1, -2))
            return scores if self.scale is None else ops.multiply(scores, self.scale)
        total = ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3))
        if self.scale is not None:
            total = ops.multiply(total, self.scale)
        return ops.multiply(ops.sum(ops.tanh(total), axis=-1), self.concat_score_weight)

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        parts = self._check_inputs(inputs)
        query, value = parts[0], parts[1]
        key = parts[2] if len(parts) == 3 else value
        query_mask, value_mask = (mask[0], mask[1]) if mask is not None else (None, None)
        scores = self._score(query, key)
        keep = None
        if value_mask is not None:
            keep = ops.expand_dims(_bool(value_mask), -2)
        if use_causal_mask:
            t, s = scores.shape[-2], scores.shape[-1]
            causal = Tensor(backend.to_device(np.tril(np.ones((1, t, s), dtype=bool))))
            keep = causal if keep is None else ops.logical_and(keep, causal)
        if keep is not None:
            scores = ops.subtract(scores, ops.multiply(ops.cast(ops.logical_not(keep),
                                                                scores.dtype), -_MASKED))
        weights = ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = _dropout(weights, self.dropout, self._generator or backend.rng())
        out = ops.matmul(weights, value)
        if query_mask is not None:
            out = ops.multiply(out, ops.cast(ops.expand_dims(_bool(query_mask), -1), out.dtype))
        return (out, weights) if return_attention_scores else out

    def compute_mask(self, inputs, mask=None):
        """The query's mask carries over to the output."""
        if mask is None or mask[0] is None:
            return None
        return _bool(mask[0])

    def compute_output_shape(self, input_shape):
        query_shape, value_shape = input_shape[0], input_shape[1]
        return tuple(query_shape[:-1]) + (value_shape[-1],)

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


class AdditiveAttention(Attention):
    """Bahdanau-style attention: scores = sum(scale * tanh(query + key), -1), with a learned
    per-feature `scale` of shape (dim,) when `use_scale` (the default)."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        shapes = self._check_inputs(input_shape)
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(shape=(shapes[0][-1],), initializer="glorot_uniform",
                                         name="scale")
        self.built = True

    def _score(self, query, key):
        total = ops.tanh(ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3)))
        if self.scale is not None:
            total = ops.multiply(total, self.scale)
        return ops.sum(total, axis=-1)

    def get_config(self):
        config = super().get_config()
        config.pop("score_mode", None)
        return config
