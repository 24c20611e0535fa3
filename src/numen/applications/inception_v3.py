"""`keras.applications.inception_v3`: InceptionV3 (Szegedy et al., 2016, "Rethinking the
Inception Architecture for Computer Vision")."""

from __future__ import annotations

from numen import layers
from numen.applications import _common, imagenet_utils
from numen.models import Model

BASE_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
WEIGHT_HASHES = {
    "inception_v3_weights_tf_dim_ordering_tf_kernels.h5": "9a0d58056eeedaa3f26cb7ebd46da564",
    "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5":
        "bcbd6486424b2319ff4ef7d526e38f63",
}

__all__ = ["InceptionV3", "decode_predictions", "preprocess_input"]


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """Convolution without bias, batch norm without scale, ReLU (named NAME_conv, NAME_bn,
    NAME when `name` is given, else left to automatic names as in Keras)."""
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding,
                      use_bias=False, name=None if name is None else f"{name}_conv")(x)
    x = layers.BatchNormalization(axis=_common.channel_axis(), scale=False,
                                  name=None if name is None else f"{name}_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _chain(x, convs):
    """Apply conv2d_bn for each (filters, rows, cols[, strides, padding]) in order."""
    for spec in convs:
        filters, rows, cols, *rest = spec
        strides, padding = rest if rest else ((1, 1), "same")
        x = conv2d_bn(x, filters, rows, cols, strides=strides, padding=padding)
    return x


def _avg_branch(x, filters):
    pooled = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(pooled, filters, 1, 1)


def _mixed_35(x, pool_filters, name):
    branches = [_chain(x, [(64, 1, 1)]), _chain(x, [(48, 1, 1), (64, 5, 5)]),
                _chain(x, [(64, 1, 1), (96, 3, 3), (96, 3, 3)]), _avg_branch(x, pool_filters)]
    return layers.concatenate(branches, axis=_common.channel_axis(), name=name)


def _mixed_17(x, width, name):
    branches = [
        _chain(x, [(192, 1, 1)]),
        _chain(x, [(width, 1, 1), (width, 1, 7), (192, 7, 1)]),
        _chain(x, [(width, 1, 1), (width, 7, 1), (width, 1, 7), (width, 7, 1), (192, 1, 7)]),
        _avg_branch(x, 192)]
    return layers.concatenate(branches, axis=_common.channel_axis(), name=name)


def _mixed_8(x, i):
    axis = _common.channel_axis()
    b1 = conv2d_bn(x, 320, 1, 1)
    b3 = conv2d_bn(x, 384, 1, 1)
    b3 = layers.concatenate([conv2d_bn(b3, 384, 1, 3), conv2d_bn(b3, 384, 3, 1)], axis=axis,
                            name=f"mixed9_{i}")
    bd = _chain(x, [(448, 1, 1), (384, 3, 3)])
    bd = layers.concatenate([conv2d_bn(bd, 384, 1, 3), conv2d_bn(bd, 384, 3, 1)], axis=axis)
    return layers.concatenate([b1, b3, bd, _avg_branch(x, 192)], axis=axis,
                              name=f"mixed{9 + i}")


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="inception_v3"):
    _common.check_arguments(name, weights=weights, include_top=include_top, classes=classes,
                            pooling=pooling, classifier_activation=classifier_activation)
    shape = _common.input_shape_for(name, input_shape, default_size=299, min_size=75,
                                    include_top=include_top, weights=weights,
                                    require_flatten=include_top)
    image, inputs = _common.image_input(input_tensor, shape)
    axis = _common.channel_axis()
    valid = "valid"
    x = _chain(image, [(32, 3, 3, (2, 2), valid), (32, 3, 3, (1, 1), valid), (64, 3, 3)])
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _chain(x, [(80, 1, 1, (1, 1), valid), (192, 3, 3, (1, 1), valid)])
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _mixed_35(x, 32, "mixed0")
    x = _mixed_35(x, 64, "mixed1")
    x = _mixed_35(x, 64, "mixed2")
    branches = [_chain(x, [(384, 3, 3, (2, 2), valid)]),
                _chain(x, [(64, 1, 1), (96, 3, 3), (96, 3, 3, (2, 2), valid)]),
                layers.MaxPooling2D((3, 3), strides=(2, 2))(x)]
    x = layers.concatenate(branches, axis=axis, name="mixed3")
    x = _mixed_17(x, 128, "mixed4")
    x = _mixed_17(x, 160, "mixed5")
    x = _mixed_17(x, 160, "mixed6")
    x = _mixed_17(x, 192, "mixed7")
    branches = [_chain(x, [(192, 1, 1), (320, 3, 3, (2, 2), valid)]),
                _chain(x, [(192, 1, 1), (192, 1, 7), (192, 7, 1), (192, 3, 3, (2, 2), valid)]),
                layers.MaxPooling2D((3, 3), strides=(2, 2))(x)]
    x = layers.concatenate(branches, axis=axis, name="mixed8")
    x = _mixed_8(x, 0)
    x = _mixed_8(x, 1)
    x = _common.classifier_top(x, include_top=include_top, pooling=pooling, classes=classes,
                               classifier_activation=classifier_activation)
    model = Model(inputs, x, name=name)
    top, notop = (f"inception_v3_weights_tf_dim_ordering_tf_kernels{end}.h5"
                  for end in ("", "_notop"))
    _common.load_weights(model, weights, include_top=include_top,
                         top=(BASE_WEIGHTS_URL + top, WEIGHT_HASHES[top]),
                         notop=(BASE_WEIGHTS_URL + notop, WEIGHT_HASHES[notop]))
    return model


InceptionV3.__doc__ = _common.builder_doc(
    "InceptionV3: factorized convolutions in parallel branches (the 'mixed' blocks).",
    top="global average pooling, then a Dense softmax", min_size=75,
    example="InceptionV3(weights=None, include_top=False, input_shape=(139, 139, 3))")


preprocess_input, decode_predictions = imagenet_utils.family_functions(
    __name__, "InceptionV3", "tf")
