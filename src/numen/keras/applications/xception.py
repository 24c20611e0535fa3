"""`keras.applications.xception`: numen's `numen.applications.xception`."""

from numen.applications.xception import (  # noqa: F401
    Xception,
    decode_predictions,
    preprocess_input,
)
