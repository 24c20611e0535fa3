"""`keras.random`: numen.random under its Keras name."""

import numen.random as _source

globals().update({k: v for k, v in vars(_source).items() if not k.startswith("_")})
