"""Connectionist temporal classification: `ctc_loss` and `ctc_decode` (Graves et al., 2006).

The loss runs the forward (alpha) recursion over the label sequence extended with blanks, in
log space and vectorized over the batch; its gradient comes from the backward (beta) recursion:
d loss / d logits[t, k] = softmax[t, k] - (posterior occupancy of class k at time t).
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor, result

_NEG_INF = -np.inf


def _logsumexp3(xp, a, b, c):
    top = xp.maximum(xp.maximum(a, b), c)
    safe = xp.where(xp.isfinite(top), top, 0)
    total = xp.exp(a - safe) + xp.exp(b - safe) + xp.exp(c - safe)
    with np.errstate(divide="ignore"):
        return xp.log(total) + safe


def _ints(op, name, value, like, ndim):
    """`value` as int64 (float labels and lengths are truncated, as Keras casts them)."""
    arr = value.data if isinstance(value, Tensor) else value
    arr = backend.asarray_like(arr, like)
    if arr.dtype.kind not in "iuf" or arr.ndim != ndim:
        raise ValueError(f"{op}: `{name}` must be a numeric tensor of rank {ndim}, received "
                         f"dtype {arr.dtype} and shape {arr.shape}")
    return arr.astype(np.int64)


def _log_softmax(xp, z):
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """The CTC loss of each sequence: -log P(target | output).

    Args:
        target: (B, max_label_length) integer labels; entries past `target_length` are
            ignored.
        output: (B, max_time, num_classes) logits (unnormalized; a log-softmax is applied).
        target_length: (B,) integer label lengths.
        output_length: (B,) integer sequence lengths; frames past them are ignored.
        mask_index: the class index of the blank.

    Returns:
        (B,) losses, float32 at least. A target that no alignment can produce (too long for
        its sequence) gets an infinite loss and a zero gradient.

    Raises:
        ValueError: on shapes or dtypes that do not fit.

    >>> ctc_loss(np.array([[1, 2]]), np.zeros((1, 4, 3)), np.array([2]), np.array([4])).shape
    (1,)
    """
    op = "ctc_loss"
    z = as_tensor(output)
    if z.ndim != 3:
        raise ValueError(f"{op}: `output` must be (batch, time, classes), received shape "
                         f"{z.shape}")
    labels = _ints(op, "target", target, z.data, 2)
    lab_len = _ints(op, "target_length", target_length, z.data, 1)
    seq_len = _ints(op, "output_length", output_length, z.data, 1)
    n, t_max, classes = z.shape
    if labels.shape[0] != n or lab_len.shape[0] != n or seq_len.shape[0] != n:
        raise ValueError(f"{op}: batch sizes differ: target {labels.shape}, output {z.shape}, "
                         f"target_length {lab_len.shape}, output_length {seq_len.shape}")
    if not 0 <= mask_index < classes:
        raise ValueError(f"{op}: mask_index must be in [0, {classes}), received {mask_index}")
    zd = z.data if z.data.dtype.kind == "f" and z.data.dtype.itemsize >= 4 else (
        z.data.astype(np.float32))
    xp = backend.xp_of(zd)
    logp = _log_softmax(xp, zd)

    # The extended labels: blank, l1, blank, l2, ..., blank (2U + 1 states).
    u_max = labels.shape[1]
    states = 2 * u_max + 1
    ext = xp.full((n, states), mask_index, dtype=np.int64)
    ext[:, 1::2] = labels
    s_len = 2 * lab_len + 1
    # A jump over a blank (s - 2 -> s) is allowed onto a label that differs from the previous.
    skip = xp.zeros((n, states), dtype=bool)
    skip[:, 3::2] = labels[:, 1:] != labels[:, :-1]
    rows = xp.arange(n)[:, None]
    emit = logp[rows[:, :, None], xp.arange(t_max)[None, :, None], ext[:, None, :]]  # (N, T, S)
    valid_t = xp.arange(t_max)[None, :] < seq_len[:, None]  # (N, T)

    def shifted(a, by):
        out = xp.full_like(a, _NEG_INF)
        out[:, by:] = a[:, :-by]
        return out

    alpha = xp.full((n, t_max, states), _NEG_INF, dtype=logp.dtype)
    first = xp.full((n, states), _NEG_INF, dtype=logp.dtype)
    first[:, 0] = emit[:, 0, 0]
    if states > 1:
        first[:, 1] = xp.where(lab_len > 0, emit[:, 0, 1], _NEG_INF)
    alpha[:, 0] = first
    for t in range(1, t_max):
        prev = alpha[:, t - 1]
        jump = xp.where(skip, shifted(prev, 2), _NEG_INF)
        new = _logsumexp3(xp, prev, shifted(prev, 1), jump) + emit[:, t]
        alpha[:, t] = xp.where(valid_t[:, t:t + 1], new, prev)

    last = alpha[rows[:, 0], xp.maximum(seq_len - 1, 0)]  # (N, S) at each sequence's end
    end = xp.take_along_axis(last, (s_len - 1)[:, None], axis=1)[:, 0]
    before = xp.take_along_axis(last, xp.maximum(s_len - 2, 0)[:, None], axis=1)[:, 0]
    before = xp.where(s_len > 1, before, _NEG_INF)
    log_like = xp.logaddexp(end, before)
    loss = -log_like

    def backward(gy):
        # beta[t, s]: log-probability of finishing from state s after time t (emission at t
        # excluded), so that alpha + beta is the log-probability of passing through (t, s).
        terminal = xp.full((n, states), _NEG_INF, dtype=logp.dtype)
        terminal[rows[:, 0], xp.maximum(s_len - 2, 0)] = xp.where(s_len > 1, 0.0, _NEG_INF)
        terminal[rows[:, 0], s_len - 1] = 0.0
        beta = xp.empty_like(alpha)
        beta[:, t_max - 1] = terminal
        skip_next = xp.zeros_like(skip)
        skip_next[:, :-2] = skip[:, 2:]
        for t in range(t_max - 2, -1, -1):
            nxt = beta[:, t + 1] + emit[:, t + 1]
            stay, step = nxt, xp.full_like(nxt, _NEG_INF)
            step[:, :-1] = nxt[:, 1:]
            jump = xp.full_like(nxt, _NEG_INF)
            jump[:, :-2] = nxt[:, 2:]
            jump = xp.where(skip_next, jump, _NEG_INF)
            new = _logsumexp3(xp, stay, step, jump)
            beta[:, t] = xp.where((t < seq_len - 1)[:, None], new, terminal)
        feasible = xp.isfinite(log_like)
        safe_ll = xp.where(feasible, log_like, 0.0)
        with np.errstate(invalid="ignore"):
            occ = xp.exp(alpha + beta - safe_ll[:, None, None])  # (N, T, S)
        occ = xp.where(xp.isfinite(occ), occ, 0.0)
        # Occupancy of each state summed onto its class, as one batched product.
        states_to_class = (ext[:, :, None] == xp.arange(classes)).astype(logp.dtype)
        per_class = xp.matmul(occ, states_to_class)
        g = xp.exp(logp) - per_class
        g = g * (valid_t & feasible[:, None])[:, :, None] * gy[:, None, None]
        return (g.astype(z.data.dtype, copy=False),)

    return result(loss, (z,), backward, "ctc_loss")


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Decoded label sequences of CTC outputs.

    'greedy' takes the best class at each frame, merges repeats (when `merge_repeated`) and
    drops blanks. 'beam_search' keeps the `beam_width` most probable label prefixes of the
    log-softmax of `inputs`, each prefix's probability summed over the frame paths giving it
    (split by whether the last frame was a blank), and returns the `top_paths` best.

    Args:
        inputs: (B, max_time, num_classes) scores (logits or log-probabilities).
        sequence_lengths: (B,) integer lengths; frames past them are ignored.
        strategy: 'greedy' or 'beam_search'.
        beam_width: prefixes kept at each frame (beam search only).
        top_paths: how many decodings to return (beam search only; greedy returns one).
        merge_repeated: whether repeated classes in consecutive frames count once (greedy
            only; beam search always merges them, as Keras's does).
        mask_index: the class index of the blank (None: the last class).

    Returns:
        (decoded, scores): decoded is an int32 tensor of shape (top_paths, B, max_time), each
        row the decoded labels followed by -1 padding. scores is (B, top_paths): for greedy the
        negated sum of the chosen frames' scores, for beam search each decoding's
        log-probability.

    Raises:
        ValueError: for an unknown strategy or shapes that do not fit.

    >>> decoded, scores = ctc_decode(np.zeros((1, 4, 3)), np.array([4]))
    """
    op = "ctc_decode"
    if strategy not in ("greedy", "beam_search"):
        raise ValueError(f"{op}: strategy must be 'greedy' or 'beam_search', received "
                         f"{strategy!r}")
    x = inputs.data if isinstance(inputs, Tensor) else inputs
    xp = backend.xp_of(x)
    x = xp.asarray(x)
    if x.dtype.kind != "f" or x.dtype.itemsize < 4:
        x = x.astype(np.float32)
    if x.ndim != 3:
        raise ValueError(f"{op}: `inputs` must be (batch, time, classes), received shape "
                         f"{x.shape}")
    n, t_max, classes = x.shape
    lengths = _ints(op, "sequence_lengths", sequence_lengths, x, 1)
    if lengths.shape[0] != n:
        raise ValueError(f"{op}: `sequence_lengths` must have {n} entries, received "
                         f"{lengths.shape[0]}")
    blank = classes - 1 if mask_index is None else int(mask_index)
    if not 0 <= blank < classes:
        raise ValueError(f"{op}: mask_index must be in [0, {classes}), received {mask_index}")
    if strategy == "greedy":
        return _greedy(xp, x, lengths, blank, merge_repeated)
    for name, value in (("beam_width", beam_width), ("top_paths", top_paths)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{op}: {name} must be a positive int, received {value!r}")
    logp = backend.to_numpy(_log_softmax(xp, x))
    steps = backend.to_numpy(lengths)
    found = [_beam_search(logp[b], int(steps[b]), blank, int(beam_width), int(top_paths))
             for b in range(n)]
    paths = np.stack([p for p, _ in found], axis=1).astype(np.int32)
    scores = np.stack([s for _, s in found]).astype(x.dtype)
    return Tensor(backend.asarray_like(paths, x)), Tensor(backend.asarray_like(scores, x))


def _greedy(xp, x, lengths, blank, merge_repeated):
    n, t_max, _ = x.shape
    best = x.argmax(axis=-1).astype(np.int32)
    scores = x.max(axis=-1)
    past_end = xp.arange(t_max)[None, :] >= lengths[:, None]
    best = xp.where(past_end, blank, best)
    scores = xp.where(past_end, 0, scores)
    if merge_repeated:
        repeat = xp.zeros_like(past_end)
        repeat[:, 1:] = best[:, 1:] == best[:, :-1]
        best = xp.where(repeat, blank, best)
    dropped = best == blank
    # Dropped frames move to the end; the others keep their order (the sort keys are unique).
    order = xp.argsort(xp.where(dropped, t_max, xp.arange(t_max)[None, :]), axis=-1)
    decoded = xp.take_along_axis(xp.where(dropped, -1, best), order, axis=-1)
    decoded = decoded.astype(np.int32)[None]
    total = -scores.sum(axis=1, keepdims=True)
    return Tensor(decoded), Tensor(total.astype(x.dtype, copy=False))


def _merge(groups, count, scores):
    """log(sum(exp(scores))) within each of `count` groups (-inf for an empty group)."""
    top = scores.max()
    top = top if np.isfinite(top) else 0.0
    total = np.zeros(count, dtype=scores.dtype)
    np.add.at(total, groups, np.exp(scores - top))
    with np.errstate(divide="ignore"):
        return np.log(total) + top


def _group(prefixes, size):
    """Distinct prefixes in lexicographic order (as rows padded with -1 sort), padded with
    empty ones to `size` as Keras's fixed-size unique is, and each input's group index."""
    distinct = sorted(set(prefixes))
    rank = {p: i for i, p in enumerate(distinct)}
    groups = np.fromiter((rank[p] for p in prefixes), dtype=np.int64, count=len(prefixes))
    return distinct + [()] * (size - len(distinct)), groups


def _beam_search(logp, steps, blank, width, top_paths):
    """One sequence's beam search over (T, C) log-probabilities; prefixes are tuples.

    Classes are handled in reversed order (c -> C - 1 - c) so that ties between equal scores
    resolve as in Keras (and TensorFlow); they are put back at the end. The beam holds 2 *
    width prefixes: the best `width` by total probability with their probability of ending in
    a label, then the same prefixes with their probability of ending in a blank.
    """
    t_max, classes = logp.shape
    logp = logp[:, ::-1]
    blank = classes - 1 - blank
    rows = 2 * width
    size = rows * classes
    first = min(classes, width)
    picked = np.argsort(logp[0], kind="stable")[-first:]
    prefixes = [() if c == blank else (int(c),) for c in picked] + [()] * (rows - first)
    scores = np.full(rows, -np.inf, dtype=logp.dtype)
    scores[:first] = logp[0, picked]
    blank_last = [not p for p in prefixes]
    is_blank = np.tile(np.arange(classes) == blank, rows)
    for t in range(1, min(steps, t_max)):
        # Every prefix extended by every class: a blank, or a repeat of the last label with no
        # blank between, leaves the prefix as it is.
        children = []
        for p, after_blank in zip(prefixes, blank_last):
            tail = p[-1] if p else -1
            children.extend(p if c == blank or (c == tail and not after_blank) else p + (c,)
                            for c in range(classes))
        child_scores = (scores[:, None] + logp[t][None, :]).reshape(-1)
        unique, groups = _group(children, size)
        by_label = _merge(groups, size, np.where(is_blank, -np.inf, child_scores))
        by_blank = _merge(groups, size, np.where(is_blank, child_scores, -np.inf))
        best = np.argsort(np.logaddexp(by_label, by_blank), kind="stable")[-width:]
        prefixes = [unique[i] for i in best] * 2
        scores = np.concatenate([by_label[best], by_blank[best]])
        blank_last = [False] * width + [True] * width
    unique, groups = _group(prefixes, size)
    merged = _merge(groups, size, scores)
    best = np.argsort(merged, kind="stable")[-top_paths:][::-1]
    out = np.full((len(best), t_max), -1, dtype=np.int64)
    for row, i in enumerate(best):
        out[row, :len(unique[i])] = [classes - 1 - c for c in unique[i]]
    return out, merged[best]
