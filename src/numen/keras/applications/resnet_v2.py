"""`keras.applications.resnet_v2`: numen's `numen.applications.resnet_v2`."""

from numen.applications.resnet_v2 import (  # noqa: F401
    ResNet50V2,
    ResNet101V2,
    ResNet152V2,
    decode_predictions,
    preprocess_input,
)
