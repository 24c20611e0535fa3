"""Keras's snake case of a class name, used for default layer, loss, metric and optimizer
names and for weight-file group names: 'Conv2D' -> 'conv2d', 'KLDivergence' ->
'kl_divergence', 'RMSprop' -> 'rm_sprop'."""

from __future__ import annotations

import re


def to_snake_case(name: str) -> str:
    """`name` without non-word characters, a '_' before each inner capitalised word, lower."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
