"""RMSNormalization: scale by the inverse root mean square over some axes, then by a learned
per-feature `scale` (Zhang & Sennrich, 2019), as Keras 3's layer of that name."""

from __future__ import annotations

from numen import ops
from numen.layers.base import Layer


def _axis_arg(axis):
    if isinstance(axis, bool) or not isinstance(axis, (int, list, tuple)) or (
            isinstance(axis, (list, tuple)) and not all(
                isinstance(a, int) and not isinstance(a, bool) for a in axis)):
        raise TypeError(f"RMSNormalization: `axis` must be an int or a list of ints, received "
                        f"{axis!r}")
    return list(axis) if isinstance(axis, tuple) else axis


class RMSNormalization(Layer):
    """x / sqrt(mean(x**2 over `axis`) + epsilon) * scale.

    Args:
        axis: the axis or axes to normalize over (default -1); `scale` has their sizes.
        epsilon: added to the mean square (default 1e-6).

    >>> RMSNormalization()(np.array([[3.0, 4.0]])).shape
    (1, 2)
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = _axis_arg(axis)
        self.epsilon = float(epsilon)
        self.supports_masking = True

    def build(self, input_shape):
        axes = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        rank = len(input_shape)
        for a in axes:
            if not -rank <= a < rank:
                raise ValueError(f"Layer '{self.name}': axis {a} is out of range for inputs of "
                                 f"shape {tuple(input_shape)}")
        self.axis = axes
        self.scale = self.add_weight(name="scale", shape=tuple(input_shape[a] for a in axes),
                                     initializer="ones")
        self.built = True

    def call(self, inputs):
        return ops.rms_normalization(inputs, scale=self.scale, axis=self.axis,
                                     epsilon=self.epsilon)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
