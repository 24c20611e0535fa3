"""`keras.quantizers`: numen.quantizers under its Keras name."""

import numen.quantizers as _source

globals().update({k: getattr(_source, k) for k in _source.__all__})
