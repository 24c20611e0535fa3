"""Losses over whole sequences and batches: CTC for unaligned labels, Circle for embeddings."""

from __future__ import annotations

import numpy as np

from numen import backend, ops
from numen.autodiff import Tensor, as_tensor
from numen.losses.classes import LossFunctionWrapper
from numen.losses.functions import _as_pred
from numen.losses.reduction import _array, reduce_weighted_values

# Stands in for -inf inside log-sum-exp: a row without pairs still gets a finite (huge negative)
# value, softplus sends it to 0, and no NaN reaches the gradient.
_NO_PAIR = -1e30


def ctc(y_true, y_pred):
    """Connectionist temporal classification loss per sequence.

    Args:
        y_true: (batch, max_label_length) integer labels, padded with 0 (also the blank).
        y_pred: (batch, time, classes) logits; every sequence uses all `time` frames.

    Raises:
        ValueError: inputs of the wrong rank.

    >>> ctc(np.array([[1, 2]]), np.zeros((1, 4, 3), "float32")).shape
    (1,)
    """
    y_pred = _as_pred(y_pred)
    labels = _array(y_true, None)
    if labels.ndim != 2:
        raise ValueError("ctc: y_true must be (batch_size, max_length) integer labels, received "
                         f"shape {labels.shape}")
    if y_pred.ndim != 3:
        raise ValueError("ctc: y_pred must be (batch_size, max_length, num_classes) logits, "
                         f"received shape {y_pred.shape}")
    batch, time = y_pred.shape[0], y_pred.shape[1]
    labels = labels.astype(np.int64)
    label_length = (labels != 0).sum(-1).astype(np.int32)
    input_length = np.full((batch,), time, dtype=np.int32)
    return ops.ctc_loss(labels, y_pred, label_length, input_length, mask_index=0)


def _pair_masks(labels, ref_labels, remove_diagonal):
    positive = labels.reshape(-1, 1) == ref_labels.reshape(1, -1)
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~np.eye(labels.size, ref_labels.size, dtype=bool)
    return positive, negative


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal: bool = True,
           gamma: float = 80, margin: float = 0.4):
    """Circle loss (Sun et al., 2020) of each embedding against the reference embeddings.

    Pairs with the same label are pulled together and the others pushed apart, each pair
    weighted by how far it is from its optimum. Distances are 1 - y_pred @ ref.T (cosine
    distances for L2-normalised embeddings).

    Args:
        y_true: (batch,) integer labels.
        y_pred: (batch, dim) embeddings.
        ref_labels, ref_embeddings: the pairs' other side (default: the batch itself).
        remove_diagonal: leave out each embedding's pair with itself.
        gamma: scale of the pair terms; margin: the relaxation margin.

    >>> circle(np.array([0, 0, 1]), np.eye(3, dtype="float32")).shape
    (3,)
    """
    y_pred = _as_pred(y_pred)
    labels = _array(y_true, None).astype(np.int32)
    ref = y_pred if ref_embeddings is None else as_tensor(ref_embeddings, like=y_pred.data)
    ref_labels = labels if ref_labels is None else _array(ref_labels, None).astype(np.int32)
    distances = ops.maximum(1.0 - ops.matmul(y_pred, ops.transpose(ref)), 0.0)
    positive, negative = _pair_masks(labels, ref_labels, remove_diagonal)
    like = distances.data
    pos_m = Tensor(backend.asarray_like(positive.astype(like.dtype), like))
    neg_m = Tensor(backend.asarray_like(negative.astype(like.dtype), like))
    pos_weights = ops.maximum((margin + distances) * pos_m, 0.0)
    neg_weights = ops.maximum((1.0 + margin - distances) * neg_m, 0.0)
    pos_terms = -gamma * pos_weights * (margin - distances)
    neg_terms = gamma * neg_weights * ((1.0 - margin) - distances)
    pos_loss = ops.logsumexp(ops.where(backend.asarray_like(positive, like), pos_terms, _NO_PAIR),
                             axis=1)
    neg_loss = ops.logsumexp(ops.where(backend.asarray_like(negative, like), neg_terms, _NO_PAIR),
                             axis=1)
    return ops.softplus(pos_loss + neg_loss)


class CTC(LossFunctionWrapper):
    """The mean `ctc` loss: (batch, max_length) labels against (batch, time, classes) logits."""

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, reduction, name, dtype)

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred)


class Circle(LossFunctionWrapper):
    """The `circle` loss of a batch of embeddings against itself.

    Samples without any positive or negative pair (loss 0) are left out of the average.

    >>> float(Circle()(np.array([0, 0, 1]), np.eye(3, dtype="float32")).data) > 0
    True
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(circle, reduction, name, dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self.fn_kwargs)

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self.dtype is not None:
            y_pred = as_tensor(y_pred, self.dtype)
        values = self.call(y_true, y_pred)
        mask = backend.to_numpy(values.data) > 0
        return reduce_weighted_values(values, sample_weight, mask, self.reduction)
