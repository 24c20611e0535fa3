"""Where an image's axes are, for the image ops: rank and data-format checks and the move to
and from one working layout, (batch, height, width, channels)."""

from __future__ import annotations

from numen import dtypes
from numen.autodiff import as_tensor
from numen.ops import manipulation as shape_ops
from numen.ops import math as math_ops
from numen.ops.convolution import data_format_of


def images_in(op: str, images, data_format, arg: str = "images"):
    """`images` as a Tensor of rank 3 or 4, with its data format resolved (None: the global
    image data format)."""
    x = as_tensor(images)
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: `{arg}` must have rank 3 (one image) or 4 (a batch), received "
                         f"shape {x.shape}")
    return x, data_format_in(op, data_format)


def data_format_in(op: str, data_format) -> str:
    """'channels_last' or 'channels_first' (None: the global image data format)."""
    try:
        return data_format_of(data_format)
    except ValueError as exc:
        raise ValueError(f"{op}: {exc}") from None


def channels_axis(data_format: str) -> int:
    return -1 if data_format == "channels_last" else -3


def spatial_axes(data_format: str) -> tuple[int, int]:
    """The (height, width) axes, counted from the end so they hold batched or not."""
    return (-3, -2) if data_format == "channels_last" else (-2, -1)


def to_nhwc(x, data_format: str):
    """A rank-3 or rank-4 image Tensor as (batch, height, width, channels)."""
    if x.ndim == 3:
        x = shape_ops.expand_dims(x, 0)
    if data_format == "channels_first":
        x = shape_ops.transpose(x, (0, 2, 3, 1))
    return x


def from_nhwc(y, data_format: str, unbatched: bool):
    """Undo `to_nhwc` on a result of the same layout."""
    if data_format == "channels_first":
        y = shape_ops.transpose(y, (0, 3, 1, 2))
    if unbatched:
        y = shape_ops.squeeze(y, 0)
    return y


def choice(op: str, arg: str, value, allowed) -> str:
    if value not in allowed:
        raise ValueError(f"{op}: `{arg}` must be one of {tuple(allowed)}, received {value!r}")
    return value


def floating(x):
    """`x` itself when it is floating, else cast to Keras's float for its dtype (float32)."""
    if x.data.dtype.kind == "f":
        return x
    return math_ops.cast(x, dtypes.result_type(x.data.dtype.name, "float"))
