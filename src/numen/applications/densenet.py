"""`keras.applications.densenet`: DenseNet121, DenseNet169 and DenseNet201 (Huang et al.,
2017, "Densely Connected Convolutional Networks")."""

from __future__ import annotations

from numen import layers
from numen.applications import _common, imagenet_utils
from numen.models import Model

BASE_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
WEIGHT_HASHES = {
    "densenet121_weights_tf_dim_ordering_tf_kernels.h5": "9d60b8095a5708f2dcce2bca79d332c7",
    "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5":
        "30ee3e1110167f948a6b9946edeeb738",
    "densenet169_weights_tf_dim_ordering_tf_kernels.h5": "d699b8f76981ab1b30698df4c175e90b",
    "densenet169_weights_tf_dim_ordering_tf_kernels_notop.h5":
        "b8c4d4c20dd625c148057b9ff1c1176b",
    "densenet201_weights_tf_dim_ordering_tf_kernels.h5": "1ceb130c1ea1b78c3bf6114dbdfd8807",
    "densenet201_weights_tf_dim_ordering_tf_kernels_notop.h5":
        "c13680b51ded0fb44dff2d8f86ac8bb1",
}

__all__ = ["DenseNet121", "DenseNet169", "DenseNet201", "decode_predictions",
           "preprocess_input"]

_EPS = 1.001e-5


def conv_block(x, growth_rate, name):
    """BN-ReLU-1x1 conv (4 x growth) then BN-ReLU-3x3 conv (growth), concatenated to `x`."""
    axis = _common.channel_axis()
    y = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_0_bn")(x)
    y = layers.Activation("relu", name=f"{name}_0_relu")(y)
    y = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(y)
    y = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_1_bn")(y)
    y = layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False,
                      name=f"{name}_2_conv")(y)
    return layers.Concatenate(axis=axis, name=f"{name}_concat")([x, y])


def dense_block(x, blocks, name):
    """`blocks` conv blocks of growth rate 32."""
    for i in range(blocks):
        x = conv_block(x, 32, name=f"{name}_block{i + 1}")
    return x


def transition_block(x, reduction, name):
    """BN-ReLU, a 1x1 convolution keeping `reduction` of the channels, 2x2 average pooling."""
    axis = _common.channel_axis()
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(int(x.shape[axis] * reduction), 1, use_bias=False,
                      name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def _densenet(blocks, depth, *, include_top, weights, input_tensor, input_shape, pooling,
              classes, classifier_activation, name):
    _common.check_arguments(name, weights=weights, include_top=include_top, classes=classes,
                            pooling=pooling, classifier_activation=classifier_activation)
    shape = _common.input_shape_for(name, input_shape, default_size=224, min_size=32,
                                    include_top=include_top, weights=weights,
                                    require_flatten=include_top)
    image, inputs = _common.image_input(input_tensor, shape)
    axis = _common.channel_axis()
    x = layers.ZeroPadding2D(((3, 3), (3, 3)))(image)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, count in enumerate(blocks, start=2):
        x = dense_block(x, count, name=f"conv{stage}")
        if stage < 5:
            x = transition_block(x, 0.5, name=f"pool{stage}")
    x = layers.BatchNormalization(axis=axis, epsilon=_EPS, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = _common.classifier_top(x, include_top=include_top, pooling=pooling, classes=classes,
                               classifier_activation=classifier_activation,
                               pool_names=("avg_pool", "max_pool"))
    model = Model(inputs, x, name=name)
    top, notop = (f"densenet{depth}_weights_tf_dim_ordering_tf_kernels{end}.h5"
                  for end in ("", "_notop"))
    _common.load_weights(model, weights, include_top=include_top,
                         top=(BASE_WEIGHTS_URL + top, WEIGHT_HASHES[top]),
                         notop=(BASE_WEIGHTS_URL + notop, WEIGHT_HASHES[notop]))
    return model


def DenseNet121(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="densenet121"):
    return _densenet((6, 12, 24, 16), 121, include_top=include_top, weights=weights,
                     input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                     classes=classes, classifier_activation=classifier_activation, name=name)


def DenseNet169(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="densenet169"):
    return _densenet((6, 12, 32, 32), 169, include_top=include_top, weights=weights,
                     input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                     classes=classes, classifier_activation=classifier_activation, name=name)


def DenseNet201(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="densenet201"):
    return _densenet((6, 12, 48, 32), 201, include_top=include_top, weights=weights,
                     input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                     classes=classes, classifier_activation=classifier_activation, name=name)


for _builder, _depth in ((DenseNet121, 121), (DenseNet169, 169), (DenseNet201, 201)):
    _builder.__doc__ = _common.builder_doc(
        f"DenseNet{_depth}: dense blocks where each layer sees every earlier layer's features.",
        top="global average pooling, then a Dense softmax", min_size=32,
        example=f"DenseNet{_depth}(weights=None, include_top=False, input_shape=(64, 64, 3))")


preprocess_input, decode_predictions = imagenet_utils.family_functions(
    __name__, "DenseNet", "torch")
