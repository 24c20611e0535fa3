"""`keras.applications.vgg19`: VGG19, VGG16 with four convolutions in its last three blocks."""

from __future__ import annotations

import sys

from numen.applications import _common
from numen.applications.vgg16 import build_vgg, decode_predictions, preprocess_input

BASE_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
WEIGHT_HASHES = {
    "vgg19_weights_tf_dim_ordering_tf_kernels.h5": "cbe5617147190e668d6c5d5026f83318",
    "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5": "253f8cb515780f3b799900260a226db6",
}

__all__ = ["VGG19", "decode_predictions", "preprocess_input"]


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg19"):
    return build_vgg((2, 2, 4, 4, 4), module=sys.modules[__name__], file_stem="vgg19",
                     include_top=include_top, weights=weights, input_tensor=input_tensor,
                     input_shape=input_shape, pooling=pooling, classes=classes,
                     classifier_activation=classifier_activation, name=name)


VGG19.__doc__ = _common.builder_doc(
    "VGG19: sixteen 3x3 convolutions in five blocks, then three dense layers.",
    top="flatten, two 4096-unit dense layers, a Dense softmax", min_size=32,
    example="VGG19(weights=None, include_top=False, input_shape=(64, 64, 3))")
