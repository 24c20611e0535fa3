"""Data of a compatible but different rank, fed to a model built for `keras.Input` shapes.

Keras 3 accepts, silently, an input with one axis more than the model's Input when that last
axis has size 1 (it is squeezed), or one axis less when the Input's last axis has size 1 (one
is added): `(None, 28, 28)` into a model built for `(None, 28, 28, 1)`. Any other difference
of rank is refused. Sizes are not compared here: a Functional model's `input_spec` does that
(with a trailing axis of size 1 dropped on both sides), and a Sequential model's layers do.
"""

from __future__ import annotations


def rank_change(name: str, where: str, got: tuple, want: tuple) -> str | None:
    """How data of shape `got` (batch axis included) is made to fit an Input of shape `want`:
    None (as it is), "squeeze" (drop its last axis) or "expand" (add a last axis).

    Raises:
        ValueError: the ranks cannot be made to agree; the message names the model (`name`),
            the input (`where`), and both shapes.
    """
    got, want = tuple(got), tuple(want)
    if len(got) == len(want):
        return None
    if len(got) == len(want) + 1 and got[-1] == 1:
        return "squeeze"
    if len(got) == len(want) - 1 and want[-1] == 1:
        return "expand"
    raise ValueError(f"Model '{name}': {where} has shape {got} (rank {len(got)}), but the model "
                     f"was built for shape {want} (rank {len(want)}); only a last axis of size "
                     "1 may be added or left out")


def conform(name: str, where: str, x, want: tuple):
    """`x` (a Tensor or array) with its rank made to fit an Input of shape `want`, keeping
    its mask (see `rank_change`).

    >>> import numpy as np
    >>> conform("m", "input 'x'", np.zeros((2, 28, 28)), (None, 28, 28, 1)).shape
    (2, 28, 28, 1)
    """
    change = rank_change(name, where, tuple(x.shape), want)
    if change is None:
        return x
    from numen import ops

    mask = getattr(x, "_keras_mask", None)
    y = ops.squeeze(x, axis=-1) if change == "squeeze" else ops.expand_dims(x, axis=-1)
    if mask is not None:
        y._keras_mask = mask
    return y
