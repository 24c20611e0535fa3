"""`keras.layers`: numen.layers under its Keras name."""

import numen.layers as _source

globals().update({k: v for k, v in vars(_source).items() if not k.startswith("_")})
