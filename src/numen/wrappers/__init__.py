"""Wrappers that let numen models work inside other libraries' APIs.

`SKLearnClassifier`, `SKLearnRegressor` and `SKLearnTransformer` (scikit-learn estimators) are
loaded on first use, so `import numen` does not pay for importing scikit-learn.
"""

from __future__ import annotations

import importlib

_SKLEARN_NAMES = ("SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer", "SKLBase")

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]


def __getattr__(name: str):
    # PEP 562: the scikit-learn wrappers import scikit-learn, which is optional and slow.
    if name in _SKLEARN_NAMES:
        try:
            module = importlib.import_module("numen.wrappers.scikit_learn")
        except ImportError as exc:
            raise ImportError(f"numen.wrappers.{name} needs scikit-learn: pip install "
                              f"'numen[sklearn]' ({exc})") from exc
        return getattr(module, name)
    raise AttributeError(f"module 'numen.wrappers' has no attribute {name!r}")
