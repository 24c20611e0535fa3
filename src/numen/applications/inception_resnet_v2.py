"""`keras.applications.inception_resnet_v2`: InceptionResNetV2 (Szegedy et al., 2017,
"Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning")."""

from __future__ import annotations

from numen import layers
from numen.applications import _common, imagenet_utils
from numen.models import Model

BASE_WEIGHTS_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                    "inception_resnet_v2/")
WEIGHT_HASHES = {
    "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5":
        "e693bd0210a403b3192acc6073ad2e96",
    "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5":
        "d19885ff4a710c122648d3b5c3b684e4",
}

__all__ = ["InceptionResNetV2", "decode_predictions", "preprocess_input"]


class CustomScaleLayer(layers.Layer):
    """`inputs[0] + scale * inputs[1]`: a residual branch scaled down before it is added.

    >>> CustomScaleLayer(0.1)([np.ones((1, 2)), np.ones((1, 2))])  # doctest: +SKIP
    """

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, inputs):
        return inputs[0] + inputs[1] * self.scale

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def conv2d_bn(x, filters, kernel_size, strides=1, padding="same", activation="relu",
              use_bias=False, name=None):
    """Convolution, then (without bias) batch norm without scale, then `activation`."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding,
                      use_bias=use_bias, name=name)(x)
    if not use_bias:
        x = layers.BatchNormalization(axis=_common.channel_axis(), scale=False,
                                      name=None if name is None else f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else f"{name}_ac")(x)
    return x


def _chain(x, convs):
    for filters, kernel, *rest in convs:
        strides, padding = rest if rest else (1, "same")
        x = conv2d_bn(x, filters, kernel, strides=strides, padding=padding)
    return x


_BLOCKS = {  # block type -> branches, each a chain of (filters, kernel)
    "block35": [[(32, 1)], [(32, 1), (32, 3)], [(32, 1), (48, 3), (64, 3)]],
    "block17": [[(192, 1)], [(128, 1), (160, [1, 7]), (192, [7, 1])]],
    "block8": [[(192, 1)], [(192, 1), (224, [1, 3]), (256, [3, 1])]],
}


def inception_resnet_block(x, scale, block_type, block_idx, activation="relu"):
    """Parallel branches, concatenated, projected back to the input's width by a 1x1
    convolution and added to the input scaled by `scale`; then `activation`."""
    if block_type not in _BLOCKS:
        raise ValueError(f"inception_resnet_block: `block_type` must be one of "
                         f"{sorted(_BLOCKS)}; received {block_type!r}")
    axis = _common.channel_axis()
    name = f"{block_type}_{block_idx}"
    branches = [_chain(x, chain) for chain in _BLOCKS[block_type]]
    mixed = layers.Concatenate(axis=axis, name=f"{name}_mixed")(branches)
    up = conv2d_bn(mixed, x.shape[axis], 1, activation=None, use_bias=True,
                   name=f"{name}_conv")
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}_ac")(x)
    return x


def InceptionResNetV2(include_top=True, weights="imagenet", input_tensor=None,
                      input_shape=None, pooling=None, classes=1000,
                      classifier_activation="softmax", name="inception_resnet_v2"):
    _common.check_arguments(name, weights=weights, include_top=include_top, classes=classes,
                            pooling=pooling, classifier_activation=classifier_activation)
    shape = _common.input_shape_for(name, input_shape, default_size=299, min_size=75,
                                    include_top=include_top, weights=weights,
                                    require_flatten=include_top)
    image, inputs = _common.image_input(input_tensor, shape)
    axis = _common.channel_axis()
    x = _chain(image, [(32, 3, 2, "valid"), (32, 3, 1, "valid"), (64, 3)])
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = _chain(x, [(80, 1, 1, "valid"), (192, 3, 1, "valid")])
    x = layers.MaxPooling2D(3, strides=2)(x)
    branches = [_chain(x, [(96, 1)]), _chain(x, [(48, 1), (64, 5)]),
                _chain(x, [(64, 1), (96, 3), (96, 3)])]
    pooled = layers.AveragePooling2D(3, strides=1, padding="same")(x)
    branches.append(conv2d_bn(pooled, 64, 1))
    x = layers.Concatenate(axis=axis, name="mixed_5b")(branches)
    for i in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=i)
    branches = [_chain(x, [(384, 3, 2, "valid")]),
                _chain(x, [(256, 1), (256, 3), (384, 3, 2, "valid")]),
                layers.MaxPooling2D(3, strides=2, padding="valid")(x)]
    x = layers.Concatenate(axis=axis, name="mixed_6a")(branches)
    for i in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=i)
    branches = [_chain(x, [(256, 1), (384, 3, 2, "valid")]),
                _chain(x, [(256, 1), (288, 3, 2, "valid")]),
                _chain(x, [(256, 1), (288, 3), (320, 3, 2, "valid")]),
                layers.MaxPooling2D(3, strides=2, padding="valid")(x)]
    x = layers.Concatenate(axis=axis, name="mixed_7a")(branches)
    for i in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=i)
    x = inception_resnet_block(x, scale=1.0, activation=None, block_type="block8",
                               block_idx=10)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")
    x = _common.classifier_top(x, include_top=include_top, pooling=pooling, classes=classes,
                               classifier_activation=classifier_activation)
    model = Model(inputs, x, name=name)
    top, notop = (f"inception_resnet_v2_weights_tf_dim_ordering_tf_kernels{end}.h5"
                  for end in ("", "_notop"))
    _common.load_weights(model, weights, include_top=include_top,
                         top=(BASE_WEIGHTS_URL + top, WEIGHT_HASHES[top]),
                         notop=(BASE_WEIGHTS_URL + notop, WEIGHT_HASHES[notop]))
    return model


InceptionResNetV2.__doc__ = _common.builder_doc(
    "InceptionResNetV2: Inception branches inside scaled residual blocks.",
    top="global average pooling, then a Dense softmax", min_size=75,
    example="InceptionResNetV2(weights=None, include_top=False, input_shape=(139, 139, 3))")


preprocess_input, decode_predictions = imagenet_utils.family_functions(
    __name__, "InceptionResNetV2", "tf")
