"""InputSpec: the ranks and axis sizes a layer accepts, checked by `Layer.__call__`."""

from __future__ import annotations


class InputSpec:
    """What a layer accepts: rank bounds and fixed sizes on given axes."""

    def __init__(self, ndim=None, min_ndim=None, max_ndim=None, axes=None, dtype=None,
                 shape=None):
        self.ndim, self.min_ndim, self.max_ndim = ndim, min_ndim, max_ndim
        self.axes = dict(axes or {})
        self.dtype, self.shape = dtype, shape

    def check(self, layer_name: str, shape: tuple) -> None:
        rank = len(shape)
        expect = None
        if self.ndim is not None and rank != self.ndim:
            expect = f"rank {self.ndim}"
        elif self.min_ndim is not None and rank < self.min_ndim:
            expect = f"rank >= {self.min_ndim}"
        elif self.max_ndim is not None and rank > self.max_ndim:
            expect = f"rank <= {self.max_ndim}"
        if expect:
            raise ValueError(f"Layer '{layer_name}' expected input of {expect}, received an "
                             f"input of shape {shape} (rank {rank})")
        for axis, size in self.axes.items():
            if size is not None and shape[axis] is not None and shape[axis] != size:
                raise ValueError(
                    f"Layer '{layer_name}' expected axis {axis} of its input to have size "
                    f"{size}, received an input of shape {shape}"
                )
