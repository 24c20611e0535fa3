"""`keras.initializers`: numen.initializers under its Keras name."""

import numen.initializers as _source

globals().update({k: v for k, v in vars(_source).items() if not k.startswith("_")})
