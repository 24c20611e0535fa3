"""`keras.applications.vgg19`: numen's `numen.applications.vgg19`."""

from numen.applications.vgg19 import (  # noqa: F401
    VGG19,
    decode_predictions,
    preprocess_input,
)
