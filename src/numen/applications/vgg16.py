"""`keras.applications.vgg16`: VGG16 (Simonyan & Zisserman, 2015, "Very Deep Convolutional
Networks for Large-Scale Image Recognition"), and the VGG skeleton VGG19 shares."""

from __future__ import annotations

import sys

from numen import layers
from numen.applications import _common, imagenet_utils
from numen.models import Model

BASE_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/"
WEIGHT_HASHES = {
    "vgg16_weights_tf_dim_ordering_tf_kernels.h5": "64373286793e3c8b2b4e3219cbf3544b",
    "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5": "6d6bbae143d832006294945121d1f1fc",
}

__all__ = ["VGG16", "decode_predictions", "preprocess_input"]


def build_vgg(convs, *, module, file_stem, include_top, weights, input_tensor, input_shape,
              pooling, classes, classifier_activation, name):
    """Five blocks of 3x3 ReLU convolutions (`convs[i]` in block i+1) each closed by a 2x2
    max pooling; the top flattens into two 4096-unit ReLU layers and the classifier."""
    _common.check_arguments(name, weights=weights, include_top=include_top, classes=classes,
                            pooling=pooling, classifier_activation=classifier_activation)
    shape = _common.input_shape_for(name, input_shape, default_size=224, min_size=32,
                                    include_top=include_top, weights=weights,
                                    require_flatten=include_top)
    image, inputs = _common.image_input(input_tensor, shape)
    x = image
    for block, (count, filters) in enumerate(zip(convs, (64, 128, 256, 512, 512)), start=1):
        for i in range(1, count + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.pool(x, pooling)
    model = Model(inputs, x, name=name)
    base = module.BASE_WEIGHTS_URL
    top = f"{file_stem}_weights_tf_dim_ordering_tf_kernels.h5"
    notop = f"{file_stem}_weights_tf_dim_ordering_tf_kernels_notop.h5"
    _common.load_weights(model, weights, include_top=include_top,
                         top=(base + top, module.WEIGHT_HASHES[top]),
                         notop=(base + notop, module.WEIGHT_HASHES[notop]))
    return model


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg16"):
    return build_vgg((2, 2, 3, 3, 3), module=sys.modules[__name__], file_stem="vgg16",
                     include_top=include_top, weights=weights, input_tensor=input_tensor,
                     input_shape=input_shape, pooling=pooling, classes=classes,
                     classifier_activation=classifier_activation, name=name)


VGG16.__doc__ = _common.builder_doc(
    "VGG16: thirteen 3x3 convolutions in five blocks, then three dense layers.",
    top="flatten, two 4096-unit dense layers, a Dense softmax", min_size=32,
    example="VGG16(weights=None, include_top=False, input_shape=(64, 64, 3))")


preprocess_input, decode_predictions = imagenet_utils.family_functions(
    __name__, "VGG16", "caffe")
