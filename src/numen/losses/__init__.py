"""Losses as functions (one value per sample) and as Loss objects (weighted, then reduced).

A loss function maps (y_true, y_pred) to one value per sample: the last axis is averaged or
summed away. A Loss object aligns the ranks of its inputs, applies sample weights (and the mask
an `ignore_class` produces) and reduces to a scalar, with Keras 3's names and defaults.
"""

from __future__ import annotations

from numen.losses.classes import (  # noqa: F401
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    Loss,
    LossFunctionWrapper,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
    to_snake_case,
)
from numen.losses.focal import (  # noqa: F401
    BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
)
from numen.losses.functions import (  # noqa: F401
    _FUNCTIONS,
    BCE,
    KLD,
    MAE,
    MAPE,
    MSE,
    MSLE,
    REDUCTIONS,
    _as_pred,
    _clip_probs,
    _l2_normalize,
    _pair,
    _signed,
    _sparse_labels,
    align_ranks,
    bce,
    binary_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    check_broadcastable,
    cosine_similarity,
    flatten_hint,
    hinge,
    huber,
    kl_divergence,
    kld,
    log_cosh,
    mae,
    mape,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    mse,
    msle,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from numen.losses.overlap import Dice, Tversky, dice, tversky  # noqa: F401
from numen.losses.reduction import (  # noqa: F401
    _array,
    reduce_values,
    reduce_weighted_values,
)
from numen.losses.sequence import CTC, Circle, circle, ctc  # noqa: F401

# The newer families join the name table the Loss classes and configs read.
_FUNCTIONS.update({fn.__name__: fn for fn in (
    binary_focal_crossentropy, categorical_focal_crossentropy,
    categorical_generalized_cross_entropy, dice, tversky, circle, ctc,
)})

# -- lookup --------------------------------------------------------------------------------------
_ALIASES = {"mse": mean_squared_error, "MSE": mean_squared_error, "mae": mean_absolute_error,
            "MAE": mean_absolute_error, "mape": mean_absolute_percentage_error,
            "MAPE": mean_absolute_percentage_error, "msle": mean_squared_logarithmic_error,
            "MSLE": mean_squared_logarithmic_error, "kld": kl_divergence, "KLD": kl_divergence,
            "bce": binary_crossentropy, "BCE": binary_crossentropy, "logcosh": log_cosh,
            "kullback_leibler_divergence": kl_divergence}
_CLASSES = {cls.__name__: cls for cls in (
    Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, Huber, LogCosh, BinaryCrossentropy,
    CategoricalCrossentropy, SparseCategoricalCrossentropy, KLDivergence, Poisson, Hinge,
    SquaredHinge, CategoricalHinge, BinaryFocalCrossentropy, CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy, Dice, Tversky, Circle, CTC,
)}
# The Loss class that stands for each built-in function, so compiled losses log Keras's names.
_CLASS_OF_FUNCTION = {
    mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError,
    mean_absolute_percentage_error: MeanAbsolutePercentageError,
    mean_squared_logarithmic_error: MeanSquaredLogarithmicError, huber: Huber,
    log_cosh: LogCosh, cosine_similarity: CosineSimilarity,
    binary_crossentropy: BinaryCrossentropy, categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy, kl_divergence: KLDivergence,
    poisson: Poisson, hinge: Hinge, squared_hinge: SquaredHinge,
    categorical_hinge: CategoricalHinge, binary_focal_crossentropy: BinaryFocalCrossentropy,
    categorical_focal_crossentropy: CategoricalFocalCrossentropy, dice: Dice,
    tversky: Tversky, circle: Circle, ctc: CTC,
    categorical_generalized_cross_entropy: CategoricalGeneralizedCrossEntropy,
}


def _lookup(name: str):
    return _FUNCTIONS.get(name) or _ALIASES.get(name) or _CLASSES.get(name)


def get(identifier):
    """A loss from a name ('mse', 'binary_crossentropy', 'BinaryCrossentropy'), a config dict,
    a Loss (class or instance) or any function of (y_true, y_pred); None gives None.

    Raises:
        ValueError: an unknown name (the message lists the valid ones).
        TypeError: anything else.

    >>> get("mse") is mean_squared_error
    True
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        cls = _CLASSES.get(name)
        if cls is None:
            raise ValueError(f"Unknown loss class {name!r} in config; expected one of "
                             f"{sorted(_CLASSES)}")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        found = _lookup(identifier)
        if found is None:
            valid = sorted({*_FUNCTIONS, *_ALIASES, *_CLASSES} - {"Loss", "LossFunctionWrapper"})
            raise ValueError(f"Unknown loss {identifier!r}; expected one of {valid}, a Loss or "
                             "a callable")
        return found() if isinstance(found, type) else found
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(f"loss must be a string, a config dict, a Loss or a callable, received "
                    f"{identifier!r} of type {type(identifier).__name__}")


def as_loss_object(identifier) -> Loss:
    """Whatever `get` accepts, as a Loss object: built-in functions become their Loss class,
    other functions are wrapped (named after the string given, else the function)."""
    loss = get(identifier)
    if isinstance(loss, Loss):
        return loss
    cls = _CLASS_OF_FUNCTION.get(loss)
    if cls is not None:
        obj = cls()
        if isinstance(identifier, str):
            obj.name = identifier
        return obj
    name = identifier if isinstance(identifier, str) else getattr(loss, "__name__", "loss")
    return LossFunctionWrapper(loss, name=name)


def serialize(loss) -> dict | str:
    """A Loss object as Keras's {'module', 'class_name', 'config'} dict; a function as its name."""
    if isinstance(loss, Loss) and type(loss).__name__ in _CLASSES:
        return {"module": "keras.losses", "class_name": type(loss).__name__,
                "config": loss.get_config(), "registered_name": None}
    return getattr(loss, "__name__", str(loss))


def deserialize(config):
    """The inverse of `serialize`."""
    return get(config)
