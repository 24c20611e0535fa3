"""`keras.callbacks`: numen.callbacks under its Keras name."""

import numen.callbacks as _source

globals().update({k: v for k, v in vars(_source).items() if not k.startswith("_")})
