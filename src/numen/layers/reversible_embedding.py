"""ReversibleEmbedding: an Embedding that can also map vectors back to vocabulary logits, with
its own matrix or (by default) the transpose of the embedding matrix (tied weights)."""

from __future__ import annotations

from numen import ops
from numen.autodiff import Tensor
from numen.layers.embedding import Embedding


class ReversibleEmbedding(Embedding):
    """Embedding whose `call(x, reverse=True)` turns (..., output_dim) vectors into
    (..., input_dim) logits, as a language model's output head.

    Args:
        input_dim / output_dim / embeddings_* / mask_zero: as in Embedding.
        tie_weights: reverse with the transpose of `embeddings` (default); when False the layer
            has its own `reverse_embeddings` (output_dim, input_dim).
        reverse_dtype: the dtype the reverse projection is computed in (default: the layer's).
        logit_soft_cap: when set, logits become `tanh(logits / cap) * cap`.

    >>> layer = ReversibleEmbedding(10, 4)
    >>> layer(np.array([[1, 2]])).shape, layer(np.ones((1, 2, 4)), reverse=True).shape
    ((1, 2, 4), (1, 2, 10))
    """

    def __init__(self, input_dim, output_dim, tie_weights=True, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 reverse_dtype=None, logit_soft_cap=None, **kwargs):
        kwargs.pop("quantization_config", None)
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = reverse_dtype
        if logit_soft_cap is not None and (isinstance(logit_soft_cap, bool) or not isinstance(
                logit_soft_cap, (int, float)) or logit_soft_cap <= 0):
            raise ValueError(f"ReversibleEmbedding: `logit_soft_cap` must be a positive number "
                             f"or None, received {logit_soft_cap!r}")
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim),
                initializer=self.embeddings_initializer, name="reverse_embeddings")
        self.built = True

    def call(self, inputs, reverse=False):
        if not reverse:
            return super().call(inputs)
        if inputs.shape[-1] != self.output_dim:
            raise ValueError(f"Layer '{self.name}': reverse calls take vectors of size "
                             f"output_dim={self.output_dim}, received shape "
                             f"{tuple(inputs.shape)}")
        kernel = ops.transpose(self.embeddings) if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            inputs, kernel = ops.cast(inputs, self.reverse_dtype), ops.cast(kernel,
                                                                            self.reverse_dtype)
        logits = ops.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            cap = self.logit_soft_cap
            logits = ops.multiply(ops.tanh(ops.divide(logits, cap)), cap)
        return logits

    def compute_mask(self, inputs, mask=None):
        ids = inputs.data if isinstance(inputs, Tensor) else inputs
        if not self.mask_zero or getattr(ids, "dtype", None) is None or ids.dtype.kind == "f":
            return None  # a reverse call (float vectors in) makes no mask
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape, reverse=False):
        if reverse:
            return tuple(input_shape[:-1]) + (self.input_dim,)
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.pop("lora_rank", None)
        return {**config, "tie_weights": self.tie_weights, "reverse_dtype": self.reverse_dtype,
                "logit_soft_cap": self.logit_soft_cap}
