"""`keras.applications.imagenet_utils`: numen's `numen.applications.imagenet_utils`."""

from numen.applications.imagenet_utils import (  # noqa: F401
    decode_predictions,
    preprocess_input,
)
