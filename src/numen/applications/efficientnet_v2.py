"""`keras.applications.efficientnet_v2`: EfficientNetV2 B0-B3, S, M and L (Tan and Le, 2021,
"EfficientNetV2: Smaller Models and Faster Training"). The early stages use fused blocks (one
full convolution in place of the 1x1 expansion and the depthwise convolution), the later ones
mobile inverted bottlenecks with squeeze-excite. The input scaling is part of the model
(`include_preprocessing`), so `preprocess_input` passes images through."""

from __future__ import annotations

import math

from numen import layers
from numen.applications import _common, imagenet_utils
from numen.applications.efficientnet import (  # shared with EfficientNet V1
    CONV_KERNEL_INITIALIZER,
    DENSE_KERNEL_INITIALIZER,
    IMAGENET_STDDEV_RGB,
)
from numen.models import Model

BASE_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/efficientnet_v2/"
# variant -> (md5 of the file with the top, md5 of the file without)
_HASHES = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}
# file name -> md5 (the files are named after the model: efficientnetv2-b0.h5, ..._notop.h5)
WEIGHT_HASHES = {}
for _key, (_top, _notop) in _HASHES.items():
    WEIGHT_HASHES[f"efficientnetv2-{_key}.h5"] = _top
    WEIGHT_HASHES[f"efficientnetv2-{_key}_notop.h5"] = _notop

IMAGENET_MEAN_RGB = (0.485, 0.456, 0.406)


def _stages(rows):
    """Stage arguments from rows of (fused, repeats, filters in, filters out, expansion,
    stride, squeeze-excite ratio); every stage uses 3x3 kernels."""
    return [dict(kernel_size=3, num_repeat=r, input_filters=fi, output_filters=fo,
                 expand_ratio=e, se_ratio=se, strides=s, conv_type=c)
            for c, r, fi, fo, e, s, se in rows]


_B_STAGES = _stages([(1, 1, 32, 16, 1, 1, 0), (1, 2, 16, 32, 4, 2, 0), (1, 2, 32, 48, 4, 2, 0),
                     (0, 3, 48, 96, 4, 2, 0.25), (0, 5, 96, 112, 6, 1, 0.25),
                     (0, 8, 112, 192, 6, 2, 0.25)])
# model name -> its stages (conv_type 1: fused block, 0: mobile inverted bottleneck)
DEFAULT_BLOCKS_ARGS = {
    **{f"efficientnetv2-b{i}": _B_STAGES for i in range(4)},
    "efficientnetv2-s": _stages([
        (1, 2, 24, 24, 1, 1, 0), (1, 4, 24, 48, 4, 2, 0), (1, 4, 48, 64, 4, 2, 0),
        (0, 6, 64, 128, 4, 2, 0.25), (0, 9, 128, 160, 6, 1, 0.25),
        (0, 15, 160, 256, 6, 2, 0.25)]),
    "efficientnetv2-m": _stages([
        (1, 3, 24, 24, 1, 1, 0), (1, 5, 24, 48, 4, 2, 0), (1, 5, 48, 80, 4, 2, 0),
        (0, 7, 80, 160, 4, 2, 0.25), (0, 14, 160, 176, 6, 1, 0.25),
        (0, 18, 176, 304, 6, 2, 0.25), (0, 5, 304, 512, 6, 1, 0.25)]),
    "efficientnetv2-l": _stages([
        (1, 4, 32, 32, 1, 1, 0), (1, 7, 32, 64, 4, 2, 0), (1, 7, 64, 96, 4, 2, 0),
        (0, 10, 96, 192, 4, 2, 0.25), (0, 19, 192, 224, 6, 1, 0.25),
        (0, 25, 224, 384, 6, 2, 0.25), (0, 7, 384, 640, 6, 1, 0.25)]),
}

__all__ = ["EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3",
           "EfficientNetV2S", "EfficientNetV2M", "EfficientNetV2L", "decode_predictions",
           "preprocess_input"]


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    """`filters` scaled by `width_coefficient`, rounded to the nearest multiple of
    `depth_divisor` and at least `min_depth` (or `depth_divisor` when that is None/0)."""
    filters *= width_coefficient
    rounded = int(filters + depth_divisor / 2) // depth_divisor * depth_divisor
    return int(max(min_depth or depth_divisor, rounded))


def round_repeats(repeats, depth_coefficient):
    """Blocks in a stage after scaling by `depth_coefficient` (rounded up)."""
    return int(math.ceil(depth_coefficient * repeats))


def _conv(filters, kernel_size, strides, name, **kwargs):
    return layers.Conv2D(filters, kernel_size, strides=strides, padding="same", use_bias=False,
                         kernel_initializer=CONV_KERNEL_INITIALIZER, name=name, **kwargs)


def _bn(bn_momentum, name):
    return layers.BatchNormalization(axis=_common.channel_axis(), momentum=bn_momentum,
                                     name=name)


def _squeeze_excite(x, filters, input_filters, se_ratio, activation, name):
    """Channel attention: pool to one vector, squeeze through a 1x1 bottleneck and scale `x`
    by the sigmoid of the expanded result."""
    filters_se = max(1, int(input_filters * se_ratio))
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se_shape = (1, 1, filters) if _common.channel_axis() == 3 else (filters, 1, 1)
    se = layers.Reshape(se_shape, name=f"{name}se_reshape")(se)
    se = layers.Conv2D(filters_se, 1, padding="same", activation=activation,
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_expand")(se)
    return layers.Multiply(name=f"{name}se_excite")([x, se])


def _residual(x, inputs, strides, input_filters, output_filters, drop_rate, name):
    """Add the block's input back when the shapes allow, after dropping whole samples' paths
    at `drop_rate` during training (stochastic depth; no Dropout layer at rate 0)."""
    if strides != 1 or input_filters != output_filters:
        return x
    if drop_rate:
        x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
    return layers.Add(name=f"{name}add")([x, inputs])


def mb_conv_block(inputs, input_filters, output_filters, expand_ratio=1, kernel_size=3,
                  strides=1, se_ratio=0.0, bn_momentum=0.9, activation="swish",
                  survival_probability=0.8, name=""):
    """Mobile inverted bottleneck: 1x1 expansion, depthwise convolution, squeeze-excite, 1x1
    projection, and the residual. `survival_probability` is, as in Keras, the rate at which
    the residual path is dropped."""
    filters = input_filters * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = _conv(filters, 1, 1, f"{name}expand_conv")(x)
        x = _bn(bn_momentum, f"{name}expand_bn")(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding="same", use_bias=False,
                               depthwise_initializer=CONV_KERNEL_INITIALIZER,
                               name=f"{name}dwconv2")(x)
    x = _bn(bn_momentum, f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        x = _squeeze_excite(x, filters, input_filters, se_ratio, activation, name)
    x = _conv(output_filters, 1, 1, f"{name}project_conv")(x)
    x = _bn(bn_momentum, f"{name}project_bn")(x)
    return _residual(x, inputs, strides, input_filters, output_filters, survival_probability,
                     name)


def fused_mb_conv_block(inputs, input_filters, output_filters, expand_ratio=1, kernel_size=3,
                        strides=1, se_ratio=0.0, bn_momentum=0.9, activation="swish",
                        survival_probability=0.8, name=""):
    """Fused bottleneck: one full `kernel_size` convolution expands (and strides), optional
    squeeze-excite, a 1x1 projection; without expansion the projection is that convolution
    and is followed by the activation."""
    filters = input_filters * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = _conv(filters, kernel_size, strides, f"{name}expand_conv")(x)
        x = _bn(bn_momentum, f"{name}expand_bn")(x)
        x = layers.Activation(activation, name=f"{name}expand_activation")(x)
    if 0 < se_ratio <= 1:
        x = _squeeze_excite(x, filters, input_filters, se_ratio, activation, name)
    expanded = expand_ratio != 1
    x = _conv(output_filters, 1 if expanded else kernel_size, 1 if expanded else strides,
              f"{name}project_conv")(x)
    x = _bn(bn_momentum, f"{name}project_bn")(x)
    if not expanded:
        x = layers.Activation(activation, name=f"{name}project_activation")(x)
    return _residual(x, inputs, strides, input_filters, output_filters, survival_probability,
                     name)


def EfficientNetV2(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2,
                   drop_connect_rate=0.2, depth_divisor=8, min_depth=8, bn_momentum=0.9,
                   activation="swish", blocks_args="default", name="efficientnetv2",
                   include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                   pooling=None, classes=1000, classifier_activation="softmax",
                   include_preprocessing=True, weights_name=None):
    """An EfficientNetV2 scaled by `width_coefficient` (channels) and `depth_coefficient`
    (blocks per stage); the seven builders call it with the published settings.

    `blocks_args="default"` takes the stages of the model named `name` (see
    DEFAULT_BLOCKS_ARGS); `weights_name` ('b0'...'b3', 's', 'm', 'l') picks the ImageNet file
    and, with `include_preprocessing`, the input scaling: B variants normalize 0..255 images
    with the ImageNet mean and deviation, S/M/L map them to -1..1.

    >>> EfficientNetV2(1.0, 1.0, 224, name="efficientnetv2-b0", weights=None)  # doctest: +SKIP
    """
    if blocks_args == "default":
        if name not in DEFAULT_BLOCKS_ARGS:
            raise ValueError(f"{name}: blocks_args='default' needs a model name among "
                             f"{sorted(DEFAULT_BLOCKS_ARGS)}; received name={name!r}")
        blocks_args = DEFAULT_BLOCKS_ARGS[name]
    variant = (weights_name or name.split("-")[-1]).lstrip("-")  # Keras spells "-s"
    _common.check_arguments(name, weights=weights, include_top=include_top, classes=classes,
                            pooling=pooling, classifier_activation=classifier_activation)
    if weights == "imagenet" and variant not in _HASHES:
        raise ValueError(f"{name}: ImageNet weights exist for weights_name in "
                         f"{sorted(_HASHES)}; received weights_name={weights_name!r}")
    shape = _common.input_shape_for(name, input_shape, default_size=default_size, min_size=32,
                                    include_top=include_top, weights=weights,
                                    require_flatten=include_top)
    image, inputs = _common.image_input(input_tensor, shape)
    axis = _common.channel_axis()

    def scaled(filters):
        return round_filters(filters, width_coefficient, min_depth, depth_divisor)

    x = image
    if include_preprocessing:
        channels = shape[axis - 1]
        if variant.startswith("b") and channels == 3:
            x = layers.Rescaling(scale=1.0 / 255)(x)
            x = layers.Normalization(mean=list(IMAGENET_MEAN_RGB),
                                     variance=[s ** 2 for s in IMAGENET_STDDEV_RGB],
                                     axis=axis)(x)
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)
    x = _conv(scaled(blocks_args[0]["input_filters"]), 3, 2, "stem_conv")(x)
    x = _bn(bn_momentum, "stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)
    # the drop rate grows with the block's index over the stages' unscaled block count
    total = float(sum(stage["num_repeat"] for stage in blocks_args))
    b = 0
    for i, stage in enumerate(blocks_args):
        args = dict(stage)
        if args["num_repeat"] <= 0:
            raise ValueError(f"{name}: every stage needs num_repeat > 0; received "
                             f"num_repeat={args['num_repeat']}")
        args["input_filters"] = scaled(args["input_filters"])
        args["output_filters"] = scaled(args["output_filters"])
        block = fused_mb_conv_block if args.pop("conv_type") == 1 else mb_conv_block
        for j in range(round_repeats(args.pop("num_repeat"), depth_coefficient)):
            if j > 0:
                args["strides"] = 1
                args["input_filters"] = args["output_filters"]
            x = block(x, activation=activation, bn_momentum=bn_momentum,
                      survival_probability=drop_connect_rate * b / total,
                      name=f"block{i + 1}{chr(j + 97)}_", **args)
            b += 1
    x = _conv(scaled(1280), 1, 1, "top_conv")(x)
    x = _bn(bn_momentum, "top_bn")(x)
    x = layers.Activation(activation, name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        x = layers.Dense(classes, activation=classifier_activation,
                         kernel_initializer=DENSE_KERNEL_INITIALIZER, name="predictions")(x)
    else:
        x = _common.pool(x, pooling, avg_name="avg_pool", max_name="max_pool")
    model = Model(inputs, x, name=name)
    if weights == "imagenet":
        top, notop = f"efficientnetv2-{variant}.h5", f"efficientnetv2-{variant}_notop.h5"
        _common.load_weights(model, weights, include_top=include_top,
                             top=(BASE_WEIGHTS_URL + top, WEIGHT_HASHES[top]),
                             notop=(BASE_WEIGHTS_URL + notop, WEIGHT_HASHES[notop]))
    else:
        _common.load_weights(model, weights, include_top=include_top, top=None, notop=None)
    return model


# variant -> (builder name, width, depth, default size)
_VARIANTS = {"b0": ("B0", 1.0, 1.0, 224), "b1": ("B1", 1.0, 1.1, 240),
             "b2": ("B2", 1.1, 1.2, 260), "b3": ("B3", 1.2, 1.4, 300),
             "s": ("S", 1.0, 1.0, 384), "m": ("M", 1.0, 1.0, 480), "l": ("L", 1.0, 1.0, 480)}


def _variant(key):
    title, width, depth, size = _VARIANTS[key]

    def builder(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                include_preprocessing=True, name=f"efficientnetv2-{key}"):
        return EfficientNetV2(width, depth, size, name=name,
                              blocks_args=DEFAULT_BLOCKS_ARGS[f"efficientnetv2-{key}"],
                              include_top=include_top, weights=weights,
                              input_tensor=input_tensor, input_shape=input_shape,
                              pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation,
                              include_preprocessing=include_preprocessing, weights_name=key)

    scaling = ("normalizes them with the ImageNet mean and deviation" if key.startswith("b")
               else "maps them to -1..1")
    builder.__name__ = builder.__qualname__ = f"EfficientNetV2{title}"
    builder.__doc__ = _common.builder_doc(
        f"EfficientNetV2{title}: EfficientNetV2 at width x{width}, depth x{depth} for "
        f"{size}x{size} images 0..255 (its first layers {scaling}).",
        top="global average pooling, dropout, then a Dense softmax", min_size=32,
        example=f"EfficientNetV2{title}(weights=None, include_top=False, "
                "input_shape=(64, 64, 3))",
        extra="\n    include_preprocessing: start with the layers that scale 0..255 images "
              "(without them the\n        model expects what they would have made).")
    return builder


EfficientNetV2B0 = _variant("b0")
EfficientNetV2B1 = _variant("b1")
EfficientNetV2B2 = _variant("b2")
EfficientNetV2B3 = _variant("b3")
EfficientNetV2S = _variant("s")
EfficientNetV2M = _variant("m")
EfficientNetV2L = _variant("l")


preprocess_input, decode_predictions = imagenet_utils.family_functions(
    __name__, "EfficientNetV2", None)
