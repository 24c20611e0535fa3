"""`keras.applications.inception_v3`: numen's `numen.applications.inception_v3`."""

from numen.applications.inception_v3 import (  # noqa: F401
    InceptionV3,
    decode_predictions,
    preprocess_input,
)
