"""`keras.applications.resnet`: numen's `numen.applications.resnet`."""

from numen.applications.resnet import (  # noqa: F401
    ResNet50,
    ResNet101,
    ResNet152,
    decode_predictions,
    preprocess_input,
)
