"""`keras.ops`: numen.ops under its Keras name."""

import numen.ops as _source

globals().update({k: v for k, v in vars(_source).items() if not k.startswith("_")})
