"""Adaptive pooling layers: average or max pooling to a fixed spatial output size, the windows
chosen from the input's size (as PyTorch's AdaptiveAvgPool / AdaptiveMaxPool and Keras 3)."""

from __future__ import annotations

from numen import ops
from numen.layers.base import InputSpec, Layer
from numen.layers.conv import data_format_arg


class _AdaptivePooling(Layer):
    _rank = 2
    _pool = staticmethod(ops.adaptive_average_pool)

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        n = self._rank
        if isinstance(output_size, int) and not isinstance(output_size, bool):
            output_size = (output_size,) * n
        try:
            sizes = tuple(output_size)
        except TypeError:
            sizes = ()
        if len(sizes) != n or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0
                                      for s in sizes):
            raise ValueError(f"{type(self).__name__}: `output_size` must be a positive int or "
                             f"a tuple of {n} positive ints, received {output_size!r}")
        self.output_size = sizes
        self.data_format = data_format_arg(data_format, self)
        self.input_spec = InputSpec(ndim=n + 2)

    def call(self, inputs):
        return type(self)._pool(inputs, self.output_size, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if self.data_format == "channels_last":
            shape[1:-1] = self.output_size
        else:
            shape[2:] = self.output_size
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size,
                "data_format": self.data_format}


class AdaptiveAveragePooling1D(_AdaptivePooling):
    """Averages (batch, steps, channels) inputs down to `output_size` steps.

    Args:
        output_size: an int (or a 1-tuple): the number of output steps.
        data_format: 'channels_last' (default) or 'channels_first'.

    >>> AdaptiveAveragePooling1D(2)(np.ones((1, 5, 3))).shape
    (1, 2, 3)
    """

    _rank = 1


class AdaptiveAveragePooling2D(_AdaptivePooling):
    """Averages (batch, height, width, channels) inputs down to `output_size`.

    Args:
        output_size: an int or a tuple (height, width).
        data_format: 'channels_last' (default) or 'channels_first'.

    >>> AdaptiveAveragePooling2D((2, 3))(np.ones((1, 7, 7, 4))).shape
    (1, 2, 3, 4)
    """

    _rank = 2


class AdaptiveAveragePooling3D(_AdaptivePooling):
    """Averages (batch, depth, height, width, channels) inputs down to `output_size`.

    Args:
        output_size: an int or a tuple (depth, height, width).
        data_format: 'channels_last' (default) or 'channels_first'.

    >>> AdaptiveAveragePooling3D(2)(np.ones((1, 4, 5, 6, 1))).shape
    (1, 2, 2, 2, 1)
    """

    _rank = 3


class AdaptiveMaxPooling1D(_AdaptivePooling):
    """Max-pools (batch, steps, channels) inputs down to `output_size` steps.

    Args:
        output_size: an int (or a 1-tuple): the number of output steps.
        data_format: 'channels_last' (default) or 'channels_first'.

    >>> AdaptiveMaxPooling1D(2)(np.ones((1, 5, 3))).shape
    (1, 2, 3)
    """

    _rank = 1
    _pool = staticmethod(ops.adaptive_max_pool)


class AdaptiveMaxPooling2D(_AdaptivePooling):
    """Max-pools (batch, height, width, channels) inputs down to `output_size`.

    Args:
        output_size: an int or a tuple (height, width).
        data_format: 'channels_last' (default) or 'channels_first'.

    >>> AdaptiveMaxPooling2D(3)(np.ones((1, 7, 7, 4))).shape
    (1, 3, 3, 4)
    """

    _rank = 2
    _pool = staticmethod(ops.adaptive_max_pool)


class AdaptiveMaxPooling3D(_AdaptivePooling):
    """Max-pools (batch, depth, height, width, channels) inputs down to `output_size`.

    Args:
        output_size: an int or a tuple (depth, height, width).
        data_format: 'channels_last' (default) or 'channels_first'.

    >>> AdaptiveMaxPooling3D(2)(np.ones((1, 4, 5, 6, 1))).shape
    (1, 2, 2, 2, 1)
    """

    _rank = 3
    _pool = staticmethod(ops.adaptive_max_pool)
