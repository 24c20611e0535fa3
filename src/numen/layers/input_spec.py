"""InputSpec: the ranks, axis sizes and shape a layer accepts, checked by `Layer.__call__`.

A layer's `input_spec` is one InputSpec, or a list of them for a layer of several inputs (a
Functional model has one per `keras.Input`, with `allow_last_axis_squeeze=True`).
"""

from __future__ import annotations


class InputSpec:
    """What a layer accepts: rank bounds, fixed sizes on given axes, or a whole shape.

    Args (as in Keras): dtype, shape (None for any size; sets `ndim`), ndim, max_ndim,
    min_ndim, axes ({axis: size}), allow_last_axis_squeeze (compare shapes with a trailing
    axis of size 1 dropped, and accept any rank), name, optional.

    >>> InputSpec(shape=(None, 4)).check("dense", (2, 4))
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = dtype
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = dict(axes or {})
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name, self.optional = name, optional

    def check(self, layer_name: str, shape: tuple) -> None:
        """Raise a ValueError naming the layer when an input of `shape` is not accepted."""
        shape = tuple(shape)
        rank = len(shape)
        expect = None
        if self.ndim is not None and rank != self.ndim and not self.allow_last_axis_squeeze:
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
        if self.shape is not None:
            want, got = self.shape, shape
            if self.allow_last_axis_squeeze:
                want, got = _drop_trailing_one(want), _drop_trailing_one(got)
            if any(w is not None and g is not None and w != g for w, g in zip(want, got)):
                raise ValueError(f"Layer '{layer_name}' expected input of shape {self.shape}, "
                                 f"received an input of shape {shape}")

    def __repr__(self) -> str:
        parts = [f"{k}={v}" for k, v in (("dtype", self.dtype), ("shape", self.shape),
                                         ("ndim", self.ndim), ("max_ndim", self.max_ndim),
                                         ("min_ndim", self.min_ndim)) if v is not None]
        if self.axes:
            parts.append(f"axes={self.axes}")
        return f"InputSpec({', '.join(parts)})"

    def get_config(self) -> dict:
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _drop_trailing_one(shape: tuple) -> tuple:
    return shape[:-1] if shape and shape[-1] == 1 else shape


def check_input_spec(layer_name: str, spec, x) -> None:
    """Check `x` (a Tensor, or a list/tuple of them) against a layer's `input_spec` (one
    InputSpec or a list, one per input). Values without a shape, and structures the spec
    does not describe (a dict of inputs), are left to the layer."""
    if spec is None:
        return
    if not isinstance(spec, (list, tuple)):
        if hasattr(x, "shape") and not isinstance(x, (list, tuple, dict)):
            spec.check(layer_name, x.shape)
        return
    values = list(x) if isinstance(x, (list, tuple)) else [x]
    if isinstance(x, dict) or len(values) != len(spec):
        return
    for s, v in zip(spec, values):
        if s is not None and hasattr(v, "shape"):
            s.check(layer_name, v.shape)
