"""Scaled dot-product attention (`keras.ops.dot_product_attention`), composed from einsum,
where and softmax, so its gradient comes for free."""

from __future__ import annotations

import math

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor
from numen.ops import linalg, nn
from numen.ops import manipulation as shape_ops
from numen.ops import math as m


def _as_compute(t, dtype, like):
    t = as_tensor(t, like=like)
    return t if t.data.dtype == dtype else m.cast(t, dtype)


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """softmax(scale * Q K^T + bias, masked) V, in the (batch, time, heads, depth) layout.

    Keys and values may have fewer heads than the query (grouped-query attention): their
    head count must divide the query's, and query head n reads key/value head n // group.

    Args:
        query: (B, T, N, H).
        key: (B, S, K, H), K dividing N.
        value: (B, S, K, H_v).
        bias: optional, broadcastable to the logits' (B, N, T, S); added to them.
        mask: optional booleans broadcastable to (B, N, T, S); False positions are excluded
            (their logits are set to a large negative number).
        scale: the logits' scale; None means 1 / sqrt(H).
        is_causal: if True, query position t attends only to key positions <= t.
        flash_attention: accepted for Keras compatibility; numen computes the same values
            without a fused kernel, whatever its value.
        attn_logits_soft_cap: accepted for Keras compatibility and, as in Keras's JAX, NumPy
            and TensorFlow backends (only its TPU kernel uses it), ignored.

    Returns:
        (B, T, N, H_v), in the inputs' dtype.

    Raises:
        ValueError: on inputs that are not 4D or whose shapes do not fit.

    >>> q = np.ones((2, 3, 4, 8), dtype="float32")
    >>> dot_product_attention(q, q, q).shape
    (2, 3, 4, 8)
    """
    op = "dot_product_attention"
    q, k, v = as_tensor(query), as_tensor(key), as_tensor(value)
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError(f"{op}: query, key and value must be 4D (batch, time, heads, depth), "
                         f"received shapes {q.shape}, {k.shape} and {v.shape}")
    dtype = np.result_type(q.data.dtype, k.data.dtype, v.data.dtype)
    if dtype.kind != "f":
        dtype = np.dtype(backend.floatx())
    q, k, v = (t if t.data.dtype == dtype else m.cast(t, dtype) for t in (q, k, v))
    b, t_len, n_heads, depth = q.shape
    s_len, kv_heads = k.shape[1], k.shape[2]
    if k.shape[0] != b or v.shape[0] != b or k.shape[3] != depth or v.shape[1:3] != (
            s_len, kv_heads):
        raise ValueError(f"{op}: shapes do not fit: query {q.shape}, key {k.shape}, value "
                         f"{v.shape} (expected key (B, S, K, H) and value (B, S, K, H_v))")
    if n_heads % kv_heads:
        raise ValueError(f"{op}: the query's {n_heads} heads are not a multiple of the key's "
                         f"{kv_heads} heads")
    if kv_heads != n_heads:
        group = n_heads // kv_heads
        k, v = shape_ops.repeat(k, group, axis=2), shape_ops.repeat(v, group, axis=2)
    scale = 1.0 / math.sqrt(depth) if scale is None else float(scale)
    logits = m.multiply(linalg.einsum("btnh,bsnh->bnts", q, k), scale)
    if bias is not None:
        logits = m.add(logits, _as_compute(bias, dtype, q.data))
    logits_shape = (b, n_heads, t_len, s_len)
    keep = None
    if mask is not None:
        keep = mask.data if isinstance(mask, Tensor) else mask
        keep = backend.asarray_like(keep, q.data).astype(bool, copy=False)
        try:
            keep = backend.xp_of(keep).broadcast_to(keep, logits_shape)
        except ValueError:
            raise ValueError(f"{op}: mask of shape {keep.shape} does not broadcast to the "
                             f"logits' shape {logits_shape}") from None
    if is_causal:
        xp = backend.xp_of(q.data)
        causal = xp.tril(xp.ones((t_len, s_len), dtype=bool))
        keep = causal if keep is None else keep & causal
    if keep is not None:
        low = np.asarray(-0.7 * np.finfo(dtype).max, dtype=dtype)
        logits = m.where(keep, logits, backend.asarray_like(low, q.data))
    if dtype.itemsize < 4:  # the softmax runs in float32 at least, as Keras's does
        logits = m.cast(logits, "float32")
    probs = nn.softmax(logits, axis=-1)
    if probs.data.dtype != dtype:
        probs = m.cast(probs, dtype)
    return linalg.einsum("bnts,bsnh->btnh", probs, v)
