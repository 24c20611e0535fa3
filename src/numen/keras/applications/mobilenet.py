"""`keras.applications.mobilenet`: numen's `numen.applications.mobilenet`."""

from numen.applications.mobilenet import (  # noqa: F401
    MobileNet,
    decode_predictions,
    preprocess_input,
)
