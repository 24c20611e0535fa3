"""What every application builder shares: checking its arguments, making its input and
loading its weights (ImageNet through `get_file`, or a local file)."""

from __future__ import annotations

import os

from numen import backend
from numen.layers import Input
from numen.models.function import get_source_inputs


def check_weights(name: str, weights, include_top: bool, classes: int) -> None:
    """Raise ValueError unless `weights` is None, 'imagenet' or an existing file, and
    'imagenet' with `include_top` comes with the 1000 ImageNet classes."""
    if not (weights in {"imagenet", None} or (isinstance(weights, (str, os.PathLike))
                                              and os.path.exists(weights))):
        raise ValueError(f"{name}: `weights` must be None (random initialization), "
                         f"'imagenet' or the path of a weights file; received {weights!r} "
                         "(no such file)")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(f"{name}: with weights='imagenet' and include_top=True, `classes` "
                         f"must be 1000 (the ImageNet classes); received classes={classes}")


def input_shape_for(name: str, input_shape, *, default_size: int, min_size: int,
                    include_top: bool, weights, require_flatten: bool) -> tuple:
    """The image shape a builder uses, as Keras resolves it.

    With no `input_shape`, the default is (default_size, default_size, 3) (channels first
    under that data format), or spatial sizes None when the top is left off. An explicit
    shape must have 3 axes, 3 channels when the ImageNet weights are loaded and spatial sizes
    of at least `min_size`; with the ImageNet top it must be the default.
    """
    channels_first = backend.image_data_format() == "channels_first"
    default = (3, default_size, default_size) if channels_first else (
        default_size, default_size, 3)
    if weights == "imagenet" and require_flatten and include_top:
        if input_shape is not None and tuple(input_shape) != default:
            raise ValueError(f"{name}: with weights='imagenet' and include_top=True, "
                             f"`input_shape` must be {default}; received {tuple(input_shape)}")
        return default
    if input_shape is None:
        if require_flatten and include_top:
            return default
        return (3, None, None) if channels_first else (None, None, 3)
    input_shape = tuple(input_shape)
    if len(input_shape) != 3:
        raise ValueError(f"{name}: `input_shape` must have 3 axes (height, width, channels); "
                         f"received {input_shape}")
    channels = input_shape[0] if channels_first else input_shape[-1]
    spatial = input_shape[1:] if channels_first else input_shape[:2]
    if weights == "imagenet" and channels != 3:
        raise ValueError(f"{name}: the ImageNet weights expect 3 input channels; received "
                         f"input_shape={input_shape}")
    for size in spatial:
        if size is not None and size < min_size:
            raise ValueError(f"{name}: height and width must be at least {min_size}; "
                             f"received input_shape={input_shape}")
    if require_flatten and include_top and None in spatial:
        raise ValueError(f"{name}: with include_top=True the input size must be fixed; "
                         f"received input_shape={input_shape}")
    return input_shape


def image_input(input_tensor, input_shape):
    """(the tensor the layers start from, the model's inputs).

    Without `input_tensor` a new `Input(input_shape)`; with a symbolic one, it and the
    `Input`s it comes from."""
    if input_tensor is None:
        image = Input(shape=input_shape)
        return image, image
    sources = get_source_inputs(input_tensor)
    return input_tensor, sources[0] if len(sources) == 1 else sources


def load_weights(model, weights, *, include_top: bool, top: tuple | None,
                 notop: tuple | None, cache_subdir: str = "models") -> None:
    """Load `weights` into `model`: 'imagenet' fetches the published file (`top` or `notop`:
    (url, file_hash), or (url, file_hash, cached_name) where Keras caches it under another
    name than the URL's last part) through `get_file`, which checks its hash and caches it; a
    path is loaded as it is; None leaves the random weights."""
    if weights is None:
        return
    if weights == "imagenet":
        from numen.utils.file_utils import get_file

        source = top if include_top else notop
        if source is None:
            raise ValueError(f"{model.name}: Keras publishes no ImageNet weights for "
                             f"include_top={include_top}")
        url, file_hash, *cached_name = source
        path = get_file(cached_name[0] if cached_name else url.rsplit("/", 1)[-1], url,
                        cache_subdir=cache_subdir, file_hash=file_hash)
        model.load_weights(path)
        return
    model.load_weights(weights)


def classifier_activation_check(name: str, weights, classifier_activation) -> None:
    """Pretrained tops were trained with softmax: when weights are loaded the classifier
    activation must be None or 'softmax' (Keras's rule)."""
    if weights is not None and classifier_activation not in {None, "softmax"}:
        raise ValueError(f"{name}: with pretrained weights the classifier activation must "
                         f"be None or 'softmax'; received {classifier_activation!r}")


def check_pooling(name: str, pooling) -> None:
    """Raise ValueError unless `pooling` is None, 'avg' or 'max'."""
    if pooling not in {None, "avg", "max"}:
        raise ValueError(f"{name}: `pooling` must be None, 'avg' or 'max'; received "
                         f"{pooling!r}")


def check_arguments(name: str, *, weights, include_top: bool, classes: int, pooling,
                    classifier_activation) -> None:
    """Every check a builder makes before it builds anything (so that a bad argument never
    costs a download): weights, classes, pooling and the classifier activation."""
    check_weights(name, weights, include_top, classes)
    check_pooling(name, pooling)
    if include_top:
        classifier_activation_check(name, weights, classifier_activation)


def pool(x, pooling, *, avg_name=None, max_name=None):
    """`x` globally average- or max-pooled as `pooling` says ('avg', 'max'), or as it is."""
    from numen import layers

    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def classifier_top(x, *, include_top: bool, pooling, classes: int, classifier_activation,
                   gap_name="avg_pool", pool_names=(None, None)):
    """The end most families share: with the top, global average pooling (`gap_name`) and
    the Dense classifier 'predictions'; without it, the global pooling `pooling` asks for
    (layers named `pool_names`: average, max) or the feature map as it is."""
    from numen import layers

    if include_top:
        x = layers.GlobalAveragePooling2D(name=gap_name)(x)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    return pool(x, pooling, avg_name=pool_names[0], max_name=pool_names[1])


def channel_axis() -> int:
    """The channel axis of image tensors under the global data format (3 or 1)."""
    return 1 if backend.image_data_format() == "channels_first" else 3


_BUILDER_DOC = """{summary}

Args:
    include_top: whether to end with the classifier ({top}).
    weights: None (random initialization), 'imagenet' (the published ImageNet weights,
        fetched once through `keras.utils.get_file`, hash-checked and cached) or the path
        of a weights file.
    input_tensor: optional symbolic tensor to use as the image input.
    input_shape: the image shape, channels last (or first, under that data format); only
        free when `include_top` is False or no ImageNet top is loaded. Height and width
        must be at least {min_size}.{extra}
    pooling: with `include_top=False`, None (the feature map), 'avg' or 'max' (global
        pooling to one vector per image).
    classes: number of classes of the top (1000 with the ImageNet top).
    classifier_activation: activation of the top's last layer (None for logits); with
        pretrained weights, None or 'softmax'.
    name: the model's name.

Returns:
    A Functional `Model`, layer for layer as Keras builds it (so Keras's weight files load).

Raises:
    ValueError: unknown `weights`, classes other than 1000 with the ImageNet top, a bad
        `input_shape` or `pooling`, or a classifier activation the weights were not trained
        with.

>>> model = {example}  # doctest: +SKIP
"""


def builder_doc(summary: str, *, top: str, min_size: int, example: str, extra: str = "") -> str:
    """The docstring of an application builder: `summary`, then the arguments they share."""
    return _BUILDER_DOC.format(summary=summary, top=top, min_size=min_size, example=example,
                               extra=extra)


def default_size_from(input_shape, input_tensor, sizes, fallback: int = 224) -> int:
    """The square input size a family with several published sizes (`sizes`) defaults to:
    that of `input_shape` (or of a symbolic `input_tensor`) when square and published, else
    `fallback`."""
    shape = input_shape
    if shape is None and input_tensor is not None and hasattr(input_tensor, "shape"):
        shape = tuple(input_tensor.shape)[1:]
    if shape is None or len(shape) != 3:
        return fallback
    rows, cols = (shape[1], shape[2]) if backend.image_data_format() == "channels_first" \
        else (shape[0], shape[1])
    return rows if rows == cols and rows in sizes else fallback


def spatial_size(shape) -> tuple:
    """(height, width) of an image shape (channels last or first, no batch axis)."""
    return tuple(shape[1:3]) if backend.image_data_format() == "channels_first" \
        else tuple(shape[:2])
