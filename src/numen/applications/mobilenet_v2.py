"""`keras.applications.mobilenet_v2`: MobileNetV2 (Sandler et al., 2018, "MobileNetV2:
Inverted Residuals and Linear Bottlenecks")."""

from __future__ import annotations

import warnings

from numen import layers
from numen.applications import _common, imagenet_utils
from numen.models import Model

BASE_WEIGHTS_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                    "mobilenet_v2/")
_ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
_SIZES = (96, 128, 160, 192, 224)
# Keras publishes no hashes for these files: get_file checks none.
WEIGHT_HASHES = {
    f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(a)}_{rows}{end}.h5": None
    for a in _ALPHAS for rows in _SIZES for end in ("", "_no_top")}

__all__ = ["MobileNetV2", "decode_predictions", "preprocess_input"]


def _make_divisible(v, divisor, min_value=None):
    """`v` rounded to a multiple of `divisor`, never below `min_value` nor 10% below `v`."""
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * v else rounded


def correct_pad(x, kernel_size):
    """((top, bottom), (left, right)) zero padding that makes a strided 'valid' convolution
    of `kernel_size` line up as 'same' would (odd sizes pad evenly)."""
    size = _common.spatial_size(tuple(x.shape)[1:])
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    half = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((half[0] - adjust[0], half[0]), (half[1] - adjust[1], half[1]))


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    """Expand (1x1, ReLU6), depthwise 3x3 (ReLU6), project (1x1, linear); the input is
    added back when the shapes allow."""
    axis = -1 if _common.channel_axis() == 3 else 1
    in_channels = inputs.shape[axis]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same",
                          use_bias=False, activation=None, name=f"{prefix}expand")(x)
        x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999,
                                      name=f"{prefix}expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=correct_pad(x, 3), name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999,
                                  name=f"{prefix}depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False,
                      activation=None, name=f"{prefix}project")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999,
                                  name=f"{prefix}project_BN")(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


# (filters, stride, expansion) of blocks 0..16
_BLOCKS = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6),
           (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6),
           (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6)]


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet",
                input_tensor=None, pooling=None, classes=1000,
                classifier_activation="softmax", name=None):
    label = name or "MobileNetV2"
    _common.check_arguments(label, weights=weights, include_top=include_top, classes=classes,
                            pooling=pooling, classifier_activation=classifier_activation)
    default = _common.default_size_from(input_shape, input_tensor, _SIZES)
    shape = _common.input_shape_for(label, input_shape, default_size=default, min_size=32,
                                    include_top=include_top, weights=weights,
                                    require_flatten=include_top)
    rows, cols = _common.spatial_size(shape)
    if weights == "imagenet":
        if alpha not in _ALPHAS:
            raise ValueError(f"{label}: the ImageNet weights exist for alpha in {_ALPHAS}; "
                             f"received alpha={alpha}")
        if rows != cols or rows not in _SIZES:
            warnings.warn(f"{label}: no ImageNet weights for input_shape={shape}; loading "
                          "those for 224x224 images", stacklevel=2)
            rows = 224
    image, inputs = _common.image_input(input_tensor, shape)
    axis = -1 if _common.channel_axis() == 3 else 1
    x = layers.Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2),
                      padding="same", use_bias=False, name="Conv1")(image)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride,
                                expansion=expansion, block_id=block_id)
    last = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999, name="Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    x = _common.classifier_top(x, include_top=include_top, pooling=pooling, classes=classes,
                               classifier_activation=classifier_activation, gap_name=None)
    if name is None:
        name = f"mobilenetv2_{alpha:0.2f}_{_common.spatial_size(shape)[0]}"
    model = Model(inputs, x, name=name)
    if weights == "imagenet":
        stem = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}"
        top, notop = f"{stem}.h5", f"{stem}_no_top.h5"
        _common.load_weights(model, weights, include_top=include_top,
                             top=(BASE_WEIGHTS_URL + top, WEIGHT_HASHES[top]),
                             notop=(BASE_WEIGHTS_URL + notop, WEIGHT_HASHES[notop]))
    else:
        _common.load_weights(model, weights, include_top=include_top, top=None, notop=None)
    return model


MobileNetV2.__doc__ = _common.builder_doc(
    "MobileNetV2: inverted residual blocks with linear bottlenecks, width scaled by `alpha`.",
    top="global average pooling, then a Dense softmax", min_size=32,
    example="MobileNetV2(weights=None, alpha=0.35, input_shape=(96, 96, 3))",
    extra="\n    alpha: width multiplier (ImageNet weights: 0.35, 0.5, 0.75, 1.0, 1.3, 1.4).")


preprocess_input, decode_predictions = imagenet_utils.family_functions(
    __name__, "MobileNetV2", "tf")
