"""`keras.optimizers`: numen.optimizers under its Keras name."""

import numen.optimizers as _source

globals().update({k: v for k, v in vars(_source).items() if not k.startswith("_")})
