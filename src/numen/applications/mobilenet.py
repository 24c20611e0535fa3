"""`keras.applications.mobilenet`: MobileNet (Howard et al., 2017, "MobileNets: Efficient
Convolutional Neural Networks for Mobile Vision Applications")."""

from __future__ import annotations

import warnings

from numen import layers
from numen.applications import _common, imagenet_utils
from numen.models import Model

BASE_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
# Keras publishes no hashes for these files: get_file checks none.
_ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}
_SIZES = (128, 160, 192, 224)
WEIGHT_HASHES = {f"mobilenet_{a}_{rows}_tf{end}.h5": None for a in _ALPHA_TEXT.values()
                 for rows in _SIZES for end in ("", "_no_top")}

__all__ = ["MobileNet", "decode_predictions", "preprocess_input"]


def _conv_block(x, filters, alpha, kernel=(3, 3), strides=(1, 1)):
    """The first convolution: `filters * alpha` channels, batch norm, ReLU6."""
    x = layers.Conv2D(int(filters * alpha), kernel, padding="same", use_bias=False,
                      strides=strides, name="conv1")(x)
    x = layers.BatchNormalization(axis=_common.channel_axis(), name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_conv_block(x, pointwise_filters, alpha, depth_multiplier=1, strides=(1, 1),
                          block_id=1):
    """3x3 depthwise convolution and 1x1 pointwise convolution, each with batch norm and
    ReLU6; a strided block pads bottom/right by one and convolves 'valid'."""
    axis = _common.channel_axis()
    if strides != (1, 1):
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if strides == (1, 1) else "valid",
                               depth_multiplier=depth_multiplier, strides=strides,
                               use_bias=False, name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(pointwise_filters * alpha), (1, 1), padding="same", use_bias=False,
                      strides=(1, 1), name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


# (pointwise filters, strides) of blocks 1..13
_BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
           (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True,
              weights="imagenet", input_tensor=None, pooling=None, classes=1000,
              classifier_activation="softmax", name=None):
    label = name or "MobileNet"
    _common.check_arguments(label, weights=weights, include_top=include_top, classes=classes,
                            pooling=pooling, classifier_activation=classifier_activation)
    default = _common.default_size_from(input_shape, None, _SIZES)
    shape = _common.input_shape_for(label, input_shape, default_size=default, min_size=32,
                                    include_top=include_top, weights=weights,
                                    require_flatten=include_top)
    rows, cols = _common.spatial_size(shape)
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError(f"{label}: the ImageNet weights need depth_multiplier=1; "
                             f"received depth_multiplier={depth_multiplier}")
        if alpha not in _ALPHA_TEXT:
            raise ValueError(f"{label}: the ImageNet weights exist for alpha in "
                             f"{sorted(_ALPHA_TEXT)}; received alpha={alpha}")
        if rows not in _SIZES or rows != cols:
            warnings.warn(f"{label}: no ImageNet weights for input_shape={shape}; loading "
                          "those for 224x224 images", stacklevel=2)
            rows = 224
    image, inputs = _common.image_input(input_tensor, shape)
    x = _conv_block(image, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier,
                                  strides=(stride, stride), block_id=block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        x = layers.Activation(classifier_activation, name="predictions")(x)
    else:
        x = _common.pool(x, pooling)
    if name is None:
        name = f"mobilenet_{alpha:0.2f}_{_common.spatial_size(shape)[0]}"
    model = Model(inputs, x, name=name)
    if weights == "imagenet":
        stem = f"mobilenet_{_ALPHA_TEXT[alpha]}_{rows}_tf"
        top, notop = f"{stem}.h5", f"{stem}_no_top.h5"
        _common.load_weights(model, weights, include_top=include_top,
                             top=(BASE_WEIGHTS_URL + top, WEIGHT_HASHES[top]),
                             notop=(BASE_WEIGHTS_URL + notop, WEIGHT_HASHES[notop]))
    else:
        _common.load_weights(model, weights, include_top=include_top, top=None, notop=None)
    return model


MobileNet.__doc__ = _common.builder_doc(
    "MobileNet: depthwise separable convolutions, its width scaled by `alpha`.",
    top="global average pooling, dropout, a 1x1 convolution to the classes, softmax",
    min_size=32, example="MobileNet(weights=None, alpha=0.25, input_shape=(128, 128, 3))",
    extra="\n    alpha: width multiplier of every layer (ImageNet weights: 0.25, 0.5, 0.75, 1)."
          "\n    depth_multiplier: channels per input channel of the depthwise convolutions."
          "\n    dropout: dropout rate of the top.")


preprocess_input, decode_predictions = imagenet_utils.family_functions(
    __name__, "MobileNet", "tf")
