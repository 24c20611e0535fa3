"""`keras.applications.densenet`: numen's `numen.applications.densenet`."""

from numen.applications.densenet import (  # noqa: F401
    DenseNet121,
    DenseNet169,
    DenseNet201,
    decode_predictions,
    preprocess_input,
)
