"""`keras.applications.vgg16`: numen's `numen.applications.vgg16`."""

from numen.applications.vgg16 import (  # noqa: F401
    VGG16,
    decode_predictions,
    preprocess_input,
)
