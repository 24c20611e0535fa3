"""Keras's snake case of a class name, used for default layer, loss, metric and optimizer
names and for weight-file group names: 'Conv2D' -> 'conv2d', 'KLDivergence' ->
'kl_divergence', 'RMSprop' -> 'rm_sprop'; and Keras's unique default names ('dense',
'dense_1', ...), one counter per name shared by layers and metrics as in Keras."""

from __future__ import annotations

import re

from numen import backend


def to_snake_case(name: str) -> str:
    """`name` without non-word characters, a '_' before each inner capitalised word, lower."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base: str) -> str:
    """'dense', then 'dense_1', 'dense_2', ... as Keras names layers and metrics."""
    n = backend.get_uid(base) - 1
    return base if n == 0 else f"{base}_{n}"
