"""`keras.applications.resnet`: ResNet50, ResNet101 and ResNet152 (He et al., 2015, "Deep
Residual Learning for Image Recognition"), with the stem and head that ResNetV2 shares."""

from __future__ import annotations

import sys

from numen import layers
from numen.applications import _common, imagenet_utils
from numen.models import Model

BASE_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
# file name -> md5, as Keras publishes them (top, then no-top, per model)
WEIGHT_HASHES = {
    "resnet50_weights_tf_dim_ordering_tf_kernels.h5": "2cb95161c43110f7111970584f804107",
    "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5": "4d473c1dd8becc155b73f8504c6f6626",
    "resnet101_weights_tf_dim_ordering_tf_kernels.h5": "f1aeb4b969a6efcfb50fad2f0c20cfc5",
    "resnet101_weights_tf_dim_ordering_tf_kernels_notop.h5":
        "88cf7a10940856eca736dc7b7e228a21",
    "resnet152_weights_tf_dim_ordering_tf_kernels.h5": "100835be76be38e30d865e96f2aaae62",
    "resnet152_weights_tf_dim_ordering_tf_kernels_notop.h5":
        "ee4c566cf9a93f14d82f913c2dc6dd0c",
}

__all__ = ["ResNet50", "ResNet101", "ResNet152", "decode_predictions", "preprocess_input"]

_EPS = 1.001e-5


def build_resnet(stack_fn, *, preact: bool, weights_name: str, module, include_top, weights,
                 input_tensor, input_shape, pooling, classes, classifier_activation, name):
    """The ResNet skeleton: 7x7 stem, max pool, `stack_fn`'s residual stages, then the top
    or pooling; `preact` moves the stem's batch norm after the stages (ResNetV2).
    `module` names the family module whose BASE_WEIGHTS_URL / WEIGHT_HASHES are used."""
    _common.check_arguments(name, weights=weights, include_top=include_top, classes=classes,
                            pooling=pooling, classifier_activation=classifier_activation)
    shape = _common.input_shape_for(name, input_shape, default_size=224, min_size=32,
                                    include_top=include_top, weights=weights,
                                    require_flatten=include_top)
    image, inputs = _common.image_input(input_tensor, shape)
    axis = _common.channel_axis()
    x = layers.ZeroPadding2D(((3, 3), (3, 3)), name="conv1_pad")(image)
    x = layers.Conv2D(64, 7, strides=2, use_bias=True, name="conv1_conv")(x)
    if not preact:
        x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name="conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name="post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)
    x = _common.classifier_top(x, include_top=include_top, pooling=pooling, classes=classes,
                               classifier_activation=classifier_activation,
                               pool_names=("avg_pool", "max_pool"))
    model = Model(inputs, x, name=name)
    base = module.BASE_WEIGHTS_URL
    top = f"{weights_name}_weights_tf_dim_ordering_tf_kernels.h5"
    notop = f"{weights_name}_weights_tf_dim_ordering_tf_kernels_notop.h5"
    _common.load_weights(model, weights, include_top=include_top,
                         top=(base + top, module.WEIGHT_HASHES[top]),
                         notop=(base + notop, module.WEIGHT_HASHES[notop]))
    return model


def residual_block_v1(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """Bottleneck block (1x1, kxk, 1x1 convolutions) with batch norm after each and the
    shortcut added before the last ReLU."""
    axis = _common.channel_axis()
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = layers.BatchNormalization(axis=axis, epsilon=_EPS,
                                             name=f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="same", name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack_v1(x, filters, blocks, stride1=2, name=None):
    """`blocks` v1 blocks; the first projects the shortcut and strides by `stride1`."""
    x = residual_block_v1(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block_v1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def _resnet_v1(depths, weights_name, **kwargs):
    def stack_fn(x):
        x = stack_v1(x, 64, depths[0], stride1=1, name="conv2")
        x = stack_v1(x, 128, depths[1], name="conv3")
        x = stack_v1(x, 256, depths[2], name="conv4")
        return stack_v1(x, 512, depths[3], name="conv5")

    return build_resnet(stack_fn, preact=False, weights_name=weights_name,
                        module=sys.modules[__name__], **kwargs)


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="resnet50"):
    return _resnet_v1((3, 4, 6, 3), "resnet50", include_top=include_top, weights=weights,
                      input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                      classes=classes, classifier_activation=classifier_activation, name=name)


def ResNet101(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", name="resnet101"):
    return _resnet_v1((3, 4, 23, 3), "resnet101", include_top=include_top, weights=weights,
                      input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                      classes=classes, classifier_activation=classifier_activation, name=name)


def ResNet152(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", name="resnet152"):
    return _resnet_v1((3, 8, 36, 3), "resnet152", include_top=include_top, weights=weights,
                      input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                      classes=classes, classifier_activation=classifier_activation, name=name)


for _builder, _depth in ((ResNet50, 50), (ResNet101, 101), (ResNet152, 152)):
    _builder.__doc__ = _common.builder_doc(
        f"ResNet{_depth}: the {_depth}-layer residual network (bottleneck blocks, batch norm "
        "after each convolution).", top="global average pooling, then a Dense softmax",
        min_size=32, example=f"ResNet{_depth}(weights=None, classes=10)")


preprocess_input, decode_predictions = imagenet_utils.family_functions(
    __name__, "ResNet", "caffe")
