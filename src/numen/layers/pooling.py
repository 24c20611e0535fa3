"""Pooling layers: Max/AveragePooling 1D-3D and their Global* forms, with Keras's aliases."""

from __future__ import annotations

from numen import ops
from numen.layers import validate
from numen.layers.base import InputSpec, Layer
from numen.layers.conv import data_format_arg, positive_tuple


class BasePooling(Layer):
    """Shared by the windowed pooling layers: `rank` spatial axes, `mode` 'max' or 'average'.

    Args:
        pool_size: an int or one int per spatial axis.
        strides: like pool_size; None (the default) means pool_size.
        padding: 'valid' or 'same'.
        data_format: 'channels_last' (default) or 'channels_first'.
    """

    rank = 2
    mode = "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        n = self.rank
        self.pool_size = positive_tuple(pool_size, n, "pool_size", self)
        self.strides = (self.pool_size if strides is None
                        else positive_tuple(strides, n, "strides", self))
        self.padding = validate.one_of(padding, ("valid", "same"), "padding", self)
        self.data_format = data_format_arg(data_format, self)
        self.input_spec = InputSpec(ndim=n + 2)

    def call(self, inputs):
        pool = ops.max_pool if self.mode == "max" else ops.average_pool
        return pool(inputs, self.pool_size, self.strides, self.padding, self.data_format)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


class MaxPooling1D(BasePooling):
    """Max over windows of `pool_size` steps.

    >>> MaxPooling1D()(np.zeros((1, 6, 3))).shape
    (1, 3, 3)
    """

    rank, mode = 1, "max"


class MaxPooling2D(BasePooling):
    """Max over `pool_size` windows of the two spatial axes.

    >>> MaxPooling2D()(np.zeros((1, 6, 6, 3))).shape
    (1, 3, 3, 3)
    """

    rank, mode = 2, "max"


class MaxPooling3D(BasePooling):
    """Max over `pool_size` windows of the three spatial axes."""

    rank, mode = 3, "max"


class AveragePooling1D(BasePooling):
    """Mean over windows of `pool_size` steps (padding not counted)."""

    rank, mode = 1, "average"


class AveragePooling2D(BasePooling):
    """Mean over `pool_size` windows of the two spatial axes (padding not counted).

    >>> AveragePooling2D(3, strides=1, padding="same")(np.zeros((1, 5, 5, 2))).shape
    (1, 5, 5, 2)
    """

    rank, mode = 2, "average"


class AveragePooling3D(BasePooling):
    """Mean over `pool_size` windows of the three spatial axes (padding not counted)."""

    rank, mode = 3, "average"


class BaseGlobalPooling(Layer):
    """Max or mean over every spatial axis.

    Args:
        data_format: 'channels_last' (default) or 'channels_first'.
        keepdims: keep the spatial axes with size 1.
    """

    rank = 2
    mode = "max"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_arg(data_format, self)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _axes(self):
        first = 2 if self.data_format == "channels_first" else 1
        return tuple(range(first, first + self.rank))

    def call(self, inputs):
        reduce = ops.max if self.mode == "max" else ops.mean
        return reduce(inputs, axis=self._axes(), keepdims=self.keepdims)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalMaxPooling1D(BaseGlobalPooling):
    """Max over the steps axis.

    >>> GlobalMaxPooling1D()(np.zeros((2, 5, 3))).shape
    (2, 3)
    """

    rank, mode = 1, "max"


class GlobalMaxPooling2D(BaseGlobalPooling):
    """Max over height and width."""

    rank, mode = 2, "max"


class GlobalMaxPooling3D(BaseGlobalPooling):
    """Max over depth, height and width."""

    rank, mode = 3, "max"


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Mean over the steps axis; with a (batch, steps) `mask`, over the unmasked steps only.

    >>> GlobalAveragePooling1D()(np.ones((2, 5, 3))).shape
    (2, 3)
    """

    rank, mode = 1, "average"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        axis = self._axes()[0]
        m = ops.cast(ops.convert_to_tensor(mask), inputs.dtype)
        m = ops.expand_dims(m, 1 if self.data_format == "channels_first" else -1)
        total = ops.sum(ops.multiply(inputs, m), axis=axis, keepdims=self.keepdims)
        # An all-masked sample averages to 0 rather than 0/0.
        count = ops.maximum(ops.sum(m, axis=axis, keepdims=self.keepdims), 1.0)
        return ops.divide(total, count)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(BaseGlobalPooling):
    """Mean over height and width.

    >>> GlobalAveragePooling2D(keepdims=True)(np.ones((2, 4, 4, 3))).shape
    (2, 1, 1, 3)
    """

    rank, mode = 2, "average"


class GlobalAveragePooling3D(BaseGlobalPooling):
    """Mean over depth, height and width."""

    rank, mode = 3, "average"


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (
    GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D)
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
