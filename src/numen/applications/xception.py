"""`keras.applications.xception`: Xception (Chollet, 2017, "Xception: Deep Learning with
Depthwise Separable Convolutions"): separable convolutions with residual connections."""

from __future__ import annotations

from numen import layers
from numen.applications import _common, imagenet_utils
from numen.models import Model

BASE_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/xception/"
WEIGHT_HASHES = {
    "xception_weights_tf_dim_ordering_tf_kernels.h5": "0a58e3b7378bc2990ea3b43d5981f1f6",
    "xception_weights_tf_dim_ordering_tf_kernels_notop.h5": "b0042744bf5b25fce3cb969f33bebb97",
}

__all__ = ["Xception", "decode_predictions", "preprocess_input"]


def _sep_bn(x, filters, name, axis):
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=axis, name=f"{name}_bn")(x)


def _projection(x, filters, axis):
    """The strided 1x1 shortcut of a downsampling block (unnamed in Keras)."""
    r = layers.Conv2D(filters, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    return layers.BatchNormalization(axis=axis)(r)


def _down_block(x, block, filters, axis, *, relu_first=True):
    """Two separable convolutions, a strided max pooling, plus the projected shortcut."""
    residual = _projection(x, filters[1], axis)
    if relu_first:
        x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
    x = _sep_bn(x, filters[0], f"block{block}_sepconv1", axis)
    x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
    x = _sep_bn(x, filters[1], f"block{block}_sepconv2", axis)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same",
                            name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="xception"):
    _common.check_arguments(name, weights=weights, include_top=include_top, classes=classes,
                            pooling=pooling, classifier_activation=classifier_activation)
    shape = _common.input_shape_for(name, input_shape, default_size=299, min_size=71,
                                    include_top=include_top, weights=weights,
                                    require_flatten=include_top)
    image, inputs = _common.image_input(input_tensor, shape)
    axis = _common.channel_axis()
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(image)
    x = layers.BatchNormalization(axis=axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)
    x = _down_block(x, 2, (128, 128), axis, relu_first=False)
    x = _down_block(x, 3, (256, 256), axis)
    x = _down_block(x, 4, (728, 728), axis)
    for block in range(5, 13):
        residual = x
        for i in (1, 2, 3):
            x = layers.Activation("relu", name=f"block{block}_sepconv{i}_act")(x)
            x = _sep_bn(x, 728, f"block{block}_sepconv{i}", axis)
        x = layers.add([x, residual])
    x = _down_block(x, 13, (728, 1024), axis)
    x = _sep_bn(x, 1536, "block14_sepconv1", axis)
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = _sep_bn(x, 2048, "block14_sepconv2", axis)
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)
    x = _common.classifier_top(x, include_top=include_top, pooling=pooling, classes=classes,
                               classifier_activation=classifier_activation)
    model = Model(inputs, x, name=name)
    top, notop = (f"xception_weights_tf_dim_ordering_tf_kernels{end}.h5"
                  for end in ("", "_notop"))
    _common.load_weights(model, weights, include_top=include_top,
                         top=(BASE_WEIGHTS_URL + top, WEIGHT_HASHES[top]),
                         notop=(BASE_WEIGHTS_URL + notop, WEIGHT_HASHES[notop]))
    return model


Xception.__doc__ = _common.builder_doc(
    "Xception: 36 convolutions, most of them depthwise separable, in 14 residual blocks.",
    top="global average pooling, then a Dense softmax", min_size=71,
    example="Xception(weights=None, include_top=False, input_shape=(96, 96, 3))")


preprocess_input, decode_predictions = imagenet_utils.family_functions(
    __name__, "Xception", "tf")
