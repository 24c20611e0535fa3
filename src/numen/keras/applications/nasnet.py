"""`keras.applications.nasnet`: numen's `numen.applications.nasnet`."""

from numen.applications.nasnet import (  # noqa: F401
    NASNetLarge,
    NASNetMobile,
    decode_predictions,
    preprocess_input,
)
