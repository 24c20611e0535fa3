"""`keras.applications.convnext`: numen's `numen.applications.convnext`."""

from numen.applications.convnext import (  # noqa: F401
    ConvNeXtBase,
    ConvNeXtLarge,
    ConvNeXtSmall,
    ConvNeXtTiny,
    ConvNeXtXLarge,
    decode_predictions,
    preprocess_input,
)
