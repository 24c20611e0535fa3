"""`keras.applications.inception_resnet_v2`: numen's `numen.applications.inception_resnet_v2`."""

from numen.applications.inception_resnet_v2 import (  # noqa: F401
    InceptionResNetV2,
    decode_predictions,
    preprocess_input,
)
