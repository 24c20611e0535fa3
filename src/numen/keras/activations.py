"""`keras.activations`: numen.activations under its Keras name."""

import numen.activations as _source

globals().update({k: v for k, v in vars(_source).items() if not k.startswith("_")})
