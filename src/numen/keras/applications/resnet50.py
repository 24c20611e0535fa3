"""`keras.applications.resnet50`: numen's `numen.applications.resnet50`."""

from numen.applications.resnet50 import (  # noqa: F401
    ResNet50,
    decode_predictions,
    preprocess_input,
)
