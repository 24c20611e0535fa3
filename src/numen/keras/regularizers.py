"""`keras.regularizers`: numen.regularizers under its Keras name."""

import numen.regularizers as _source

globals().update({k: v for k, v in vars(_source).items() if not k.startswith("_")})
