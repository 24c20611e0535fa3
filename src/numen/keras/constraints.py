"""`keras.constraints`: numen.constraints under its Keras name."""

import numen.constraints as _source

globals().update({k: v for k, v in vars(_source).items() if not k.startswith("_")})
