"""`keras.optimizers.legacy`: the Keras 2 optimizers, which Keras 3 no longer provides.

As in Keras 3, every name here is one class whose construction raises ImportError that points
to the Keras 3 optimizers (or to `tf_keras` for code that needs the old ones).
"""

from __future__ import annotations


class LegacyOptimizer:
    """Stands for a Keras 2 optimizer; constructing it raises ImportError.

    >>> try:
    ...     Adam(learning_rate=0.01)
    ... except ImportError:
    ...     pass
    """

    def __init__(self, *args, **kwargs):
        raise ImportError(
            "keras.optimizers.legacy is not supported in Keras 3 (nor in numen): use the "
            "optimizers of keras.optimizers instead (e.g. keras.optimizers.Adam). Code that "
            "needs a Keras 2 legacy optimizer must run on Keras 2 (the `tf_keras` package).")


Adagrad = Adam = Ftrl = Optimizer = RMSprop = SGD = LegacyOptimizer

__all__ = ["Adagrad", "Adam", "Ftrl", "Optimizer", "RMSprop", "SGD"]
