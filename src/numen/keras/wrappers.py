"""`keras.wrappers`: scikit-learn estimators around Keras models (needs scikit-learn)."""

from __future__ import annotations

import numen.wrappers as _wrappers

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]  # noqa: F822 (lazy)


def __getattr__(name: str):
    # Loaded on first use, as numen.wrappers does, so `from numen import keras` stays fast.
    if name in __all__:
        return getattr(_wrappers, name)
    raise AttributeError(f"module 'keras.wrappers' has no attribute {name!r}")
