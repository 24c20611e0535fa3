"""`rearrange`: einops-style reshaping and transposing from a pattern such as
"b h w c -> b (h w) c", mapped onto reshape and transpose (which carry the gradient)."""

from __future__ import annotations

import re

import numpy as np

from numen.autodiff import as_tensor
from numen.ops.manipulation import reshape, transpose

_TOKEN = re.compile(r"\(|\)|[A-Za-z_][A-Za-z0-9_]*|\S+")


def _parse_side(text: str, pattern: str) -> list[list[str]]:
    """One side of a pattern as a list of axes, each a list of the names composing it."""
    axes, group = [], None
    for token in _TOKEN.findall(text):
        if token == "(":
            if group is not None:
                raise ValueError(f"rearrange: nested parentheses in pattern {pattern!r}")
            group = []
        elif token == ")":
            if group is None:
                raise ValueError(f"rearrange: unbalanced ')' in pattern {pattern!r}")
            axes.append(group)
            group = None
        elif token.isidentifier():
            (axes if group is None else group).append(token if group is not None else [token])
        else:
            raise ValueError(f"rearrange: unsupported token {token!r} in pattern {pattern!r}; "
                             "use axis names and parenthesised groups of names")
    if group is not None:
        raise ValueError(f"rearrange: unbalanced '(' in pattern {pattern!r}")
    return axes


def rearrange(tensor, pattern, **axes_lengths):
    """Reshape and transpose `tensor` as an einops pattern says.

    Each side names the axes; parentheses group names into one axis (merged on the right,
    split on the left, where `axes_lengths` gives the sizes that cannot be inferred).

    Args:
        tensor: the input.
        pattern: e.g. "b h w c -> b (h w) c" or "b (h w) -> b h w".
        **axes_lengths: sizes of named axes, e.g. h=3.

    Raises:
        ValueError: a malformed pattern, names that differ between the sides, or sizes that
            do not fit the tensor.

    >>> rearrange(zeros((2, 3, 4)), "b h w -> b (h w)").shape
    (2, 12)
    """
    x = as_tensor(tensor)
    if not isinstance(pattern, str) or pattern.count("->") != 1:
        raise ValueError(f"rearrange: pattern must be 'inputs -> outputs', received {pattern!r}")
    left, right = (_parse_side(s, pattern) for s in pattern.split("->"))
    names_in = [n for group in left for n in group]
    names_out = [n for group in right for n in group]
    for names, side in ((names_in, "left"), (names_out, "right")):
        if len(set(names)) != len(names):
            raise ValueError(f"rearrange: an axis name repeats on the {side} of {pattern!r}")
    if set(names_in) != set(names_out):
        raise ValueError(f"rearrange: the two sides of {pattern!r} must name the same axes, "
                         f"received {sorted(names_in)} and {sorted(names_out)}")
    unknown = set(axes_lengths) - set(names_in)
    if unknown:
        raise ValueError(f"rearrange: axes_lengths names {sorted(unknown)}, which are not in "
                         f"pattern {pattern!r}")
    if len(left) != x.ndim:
        raise ValueError(f"rearrange: the left of {pattern!r} names {len(left)} axes, the "
                         f"tensor has shape {x.shape}")
    sizes = {}
    for group, dim in zip(left, x.shape):
        known = {n: int(axes_lengths[n]) for n in group if n in axes_lengths}
        missing = [n for n in group if n not in known]
        product = int(np.prod(list(known.values()))) if known else 1
        if len(missing) > 1:
            raise ValueError(f"rearrange: cannot infer the sizes of {missing} in {pattern!r}; "
                             "give all but one of them as keyword arguments")
        if missing:
            if product == 0 or dim % product:
                raise ValueError(f"rearrange: an axis of size {dim} cannot be split by the "
                                 f"sizes {known} in {pattern!r}")
            known[missing[0]] = dim // product
        elif product != dim:
            raise ValueError(f"rearrange: sizes {known} give {product}, the axis has size {dim}")
        sizes.update(known)
    y = reshape(x, tuple(sizes[n] for n in names_in))
    order = [names_in.index(n) for n in names_out]
    if order != sorted(order):
        y = transpose(y, order)
    return reshape(y, tuple(int(np.prod([sizes[n] for n in g])) for g in right))
