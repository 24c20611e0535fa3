"""`keras.applications.mobilenet_v3`: MobileNetV3Small and MobileNetV3Large (Howard et al.,
2019, "Searching for MobileNetV3"). The input scaling is part of the model (a Rescaling layer),
so `preprocess_input` passes images through."""

from __future__ import annotations

import warnings

from numen import layers
from numen.applications import _common, imagenet_utils
from numen.applications.mobilenet_v2 import _make_divisible, correct_pad
from numen.models import Model

BASE_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v3/"
# model key -> (md5 of the file with the top, md5 of the file without)
_HASHES = {
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb",
                             "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7",
                            "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c",
                                         "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7",
                             "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862",
                            "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37",
                                         "cde8136e733e811080d9fcd8a252f7e4"),
}
WEIGHT_HASHES = {}
for _key, (_top, _notop) in _HASHES.items():
    WEIGHT_HASHES[f"weights_mobilenet_v3_{_key}.h5"] = _top
    WEIGHT_HASHES[f"weights_mobilenet_v3_{_key}_no_top_v2.h5"] = _notop

__all__ = ["MobileNetV3Large", "MobileNetV3Small", "decode_predictions", "preprocess_input"]


def _relu(x):
    return layers.ReLU()(x)


def _hard_sigmoid(x):
    # ReLU6(x + 3) / 6 with graph ops around an unnamed ReLU layer, as Keras builds it
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def _hard_swish(x):
    return layers.Activation("hard_swish")(x)


def _se_block(inputs, filters, se_ratio, prefix):
    x = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}squeeze_excite_avg_pool")(
        inputs)
    x = layers.Conv2D(_make_divisible(filters * se_ratio, 8), kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv")(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv_1")(x)
    x = _hard_sigmoid(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _bn(name):
    return layers.BatchNormalization(axis=-1 if _common.channel_axis() == 3 else 1,
                                     epsilon=1e-3, momentum=0.999, name=name)


def _inverted_res_block(x, expansion, filters, kernel_size, stride, se_ratio, activation,
                        block_id):
    """Expand (1x1), depthwise, optional squeeze-excite, project (1x1, linear); the input is
    added back when the shapes allow."""
    axis = -1 if _common.channel_axis() == 3 else 1
    shortcut = x
    in_filters = x.shape[axis]
    prefix = "expanded_conv_"
    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(_make_divisible(in_filters * expansion, 8), kernel_size=1,
                          padding="same", use_bias=False, name=f"{prefix}expand")(x)
        x = activation(_bn(f"{prefix}expand_bn")(x))
    if stride == 2:
        x = layers.ZeroPadding2D(padding=correct_pad(x, kernel_size),
                                 name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride,
                               padding="same" if stride == 1 else "valid", use_bias=False,
                               name=f"{prefix}depthwise")(x)
    x = activation(_bn(f"{prefix}depthwise_bn")(x))
    if se_ratio:
        x = _se_block(x, _make_divisible(in_filters * expansion, 8), se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False,
                      name=f"{prefix}project")(x)
    x = _bn(f"{prefix}project_bn")(x)
    if stride == 1 and in_filters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


# (expansion, filters, kernel ('k': 5, or 3 when minimalistic), stride, squeeze-excite,
#  activation ('hs': hard-swish, or ReLU when minimalistic)) per block
_SMALL = [(1, 16, 3, 2, True, "relu"), (72 / 16, 24, 3, 2, False, "relu"),
          (88 / 24, 24, 3, 1, False, "relu"), (4, 40, "k", 2, True, "hs"),
          (6, 40, "k", 1, True, "hs"), (6, 40, "k", 1, True, "hs"), (3, 48, "k", 1, True, "hs"),
          (3, 48, "k", 1, True, "hs"), (6, 96, "k", 2, True, "hs"), (6, 96, "k", 1, True, "hs"),
          (6, 96, "k", 1, True, "hs")]
_LARGE = [(1, 16, 3, 1, False, "relu"), (4, 24, 3, 2, False, "relu"),
          (3, 24, 3, 1, False, "relu"), (3, 40, "k", 2, True, "relu"),
          (3, 40, "k", 1, True, "relu"), (3, 40, "k", 1, True, "relu"),
          (6, 80, 3, 2, False, "hs"), (2.5, 80, 3, 1, False, "hs"), (2.3, 80, 3, 1, False, "hs"),
          (2.3, 80, 3, 1, False, "hs"), (6, 112, 3, 1, True, "hs"), (6, 112, 3, 1, True, "hs"),
          (6, 160, "k", 2, True, "hs"), (6, 160, "k", 1, True, "hs"),
          (6, 160, "k", 1, True, "hs")]


def _mobilenet_v3(blocks, last_point_ch, model_type, input_shape, alpha, minimalistic,
                  include_top, weights, input_tensor, classes, pooling, dropout_rate,
                  classifier_activation, include_preprocessing, name):
    _common.check_arguments(name, weights=weights, include_top=include_top, classes=classes,
                            pooling=pooling, classifier_activation=classifier_activation)
    if input_shape is None and input_tensor is not None:
        input_shape = tuple(input_tensor.shape)[1:]
    shape = _common.input_shape_for(name, input_shape, default_size=224, min_size=32,
                                    include_top=False, weights=weights, require_flatten=False)
    rows, cols = _common.spatial_size(shape)
    if weights == "imagenet":
        if (not minimalistic and alpha not in (0.75, 1.0)) or (minimalistic and alpha != 1.0):
            raise ValueError(f"{name}: the ImageNet weights exist for alpha 0.75 or 1.0 (1.0 "
                             f"only when minimalistic); received alpha={alpha}, "
                             f"minimalistic={minimalistic}")
        if rows != cols or rows != 224:
            warnings.warn(f"{name}: no ImageNet weights for input_shape={shape}; loading those "
                          "for 224x224 images", stacklevel=3)
    image, inputs = _common.image_input(input_tensor, shape)
    axis = -1 if _common.channel_axis() == 3 else 1
    kernel, activation, se_ratio = (3, _relu, None) if minimalistic else (5, _hard_swish, 0.25)
    x = image
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False,
                      name="conv")(x)
    x = activation(_bn("conv_bn")(x))
    for block_id, (expansion, filters, k, stride, se, act) in enumerate(blocks):
        x = _inverted_res_block(
            x, expansion, _make_divisible(filters * alpha, 8), kernel if k == "k" else k,
            stride, se_ratio if se else None, activation if act == "hs" else _relu, block_id)
    last_conv_ch = _make_divisible(x.shape[axis] * 6, 8)
    if alpha > 1.0:
        last_point_ch = _make_divisible(last_point_ch * alpha, 8)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False,
                      name="conv_1")(x)
    x = activation(_bn("conv_1_bn")(x))
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True,
                          name="conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.pool(x, pooling, avg_name="avg_pool", max_name="max_pool")
    model = Model(inputs, x, name=name)
    if weights == "imagenet":
        key = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
        top, notop = f"weights_mobilenet_v3_{key}.h5", f"weights_mobilenet_v3_{key}_no_top_v2.h5"
        _common.load_weights(model, weights, include_top=include_top,
                             top=(BASE_WEIGHTS_URL + top, WEIGHT_HASHES[top]),
                             notop=(BASE_WEIGHTS_URL + notop, WEIGHT_HASHES[notop]))
    else:
        _common.load_weights(model, weights, include_top=include_top, top=None, notop=None)
    return model


def MobileNetV3Small(input_shape=None, alpha=1.0, minimalistic=False, include_top=True,
                     weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                     dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True, name="MobileNetV3Small"):
    return _mobilenet_v3(_SMALL, 1024, "small", input_shape, alpha, minimalistic, include_top,
                         weights, input_tensor, classes, pooling, dropout_rate,
                         classifier_activation, include_preprocessing, name)


def MobileNetV3Large(input_shape=None, alpha=1.0, minimalistic=False, include_top=True,
                     weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                     dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True, name="MobileNetV3Large"):
    return _mobilenet_v3(_LARGE, 1280, "large", input_shape, alpha, minimalistic, include_top,
                         weights, input_tensor, classes, pooling, dropout_rate,
                         classifier_activation, include_preprocessing, name)


_EXTRA = """
    alpha: width multiplier (ImageNet weights: 0.75 or 1.0; 1.0 when minimalistic).
    minimalistic: no squeeze-excite, no hard-swish and only 3x3 kernels.
    dropout_rate: the dropout before the classifier.
    include_preprocessing: start with a Rescaling layer taking 0..255 images to -1..1
        (without it the model expects -1..1)."""
MobileNetV3Small.__doc__ = _common.builder_doc(
    "MobileNetV3Small: inverted residual blocks with squeeze-excite and hard-swish, found by "
    "architecture search for small devices. Takes images 0..255 (see include_preprocessing).",
    top="global average pooling, two 1x1 convolutions, then a softmax", min_size=32,
    example="MobileNetV3Small(weights=None, input_shape=(64, 64, 3))", extra=_EXTRA)
MobileNetV3Large.__doc__ = _common.builder_doc(
    "MobileNetV3Large: the larger MobileNetV3. Takes images 0..255 "
    "(see include_preprocessing).",
    top="global average pooling, two 1x1 convolutions, then a softmax", min_size=32,
    example="MobileNetV3Large(weights=None, input_shape=(64, 64, 3))", extra=_EXTRA)


preprocess_input, decode_predictions = imagenet_utils.family_functions(
    __name__, "MobileNetV3", None)
