"""`keras.metrics`: numen.metrics under its Keras name."""

import numen.metrics as _source

globals().update({k: v for k, v in vars(_source).items() if not k.startswith("_")})
