"""`keras.losses`: numen.losses under its Keras name."""

import numen.losses as _source

globals().update({k: v for k, v in vars(_source).items() if not k.startswith("_")})
