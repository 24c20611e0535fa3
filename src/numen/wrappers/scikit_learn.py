"""scikit-learn estimators around numen models: `keras.wrappers.SKLearnClassifier`,
`SKLearnRegressor` and `SKLearnTransformer`, with Keras 3's names and arguments.

Each wrapper holds a `model` (a compiled Model, or a callable that builds and compiles one
from the training data) and fits a fresh copy of it on every `fit`, unless `warm_start`.
Because the hyper-parameters are plain constructor arguments, the wrappers work with
`clone`, `Pipeline`, `GridSearchCV` and `cross_val_score`.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from numen import backend, optimizers, saving
from numen.models import Model


def clone_compiled(model: Model) -> Model:
    """`keras.models.clone_model(model)` (fresh weights), compiled as `model` was.

    The optimizer and any metric objects are rebuilt from their configs so that the copy
    shares no state with the original.
    """
    copy = saving.clone_model(model)
    config = getattr(model, "_compile_config", None)
    if getattr(model, "compiled", False) and config is not None:
        config = dict(config)
        if isinstance(config["optimizer"], optimizers.Optimizer):
            opt = config["optimizer"]
            config["optimizer"] = type(opt).from_config(opt.get_config())
        config["metrics"] = _fresh_metrics(config.get("metrics"))
        config["weighted_metrics"] = _fresh_metrics(config.get("weighted_metrics"))
        copy.compile(**config)
    return copy


def _fresh_metrics(metrics):
    if isinstance(metrics, dict):
        return {k: _fresh_metrics(v) for k, v in metrics.items()}
    if isinstance(metrics, (list, tuple)):
        return [_fresh_metrics(m) for m in metrics]
    if hasattr(metrics, "get_config") and hasattr(metrics, "update_state"):
        return type(metrics).from_config(metrics.get_config())
    return metrics


class SKLBase(BaseEstimator):
    """What the three wrappers share: building the model, fitting it, predicting.

    Args:
        model: a compiled `Model` (copied with fresh weights before each fit unless
            `warm_start=True`), or a callable `model(X=..., y=..., **model_kwargs)` that
            returns a compiled Model for the (encoded) training data.
        warm_start: keep training the model of the previous `fit` instead of a new one.
        model_kwargs: extra keyword arguments for `model` when it is a callable.
        fit_kwargs: keyword arguments for `Model.fit` (epochs, batch_size, verbose, ...);
            arguments given to the wrapper's `fit` take precedence.

    Attributes:
        model_: the fitted Model.
        history_: the `History.history` dict of the last fit.
    """

    def __init__(self, model, warm_start: bool = False, model_kwargs: dict | None = None,
                 fit_kwargs: dict | None = None):
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, X, y, **kwargs):
        """Train the model on `X`, `y`; keyword arguments go to `Model.fit`.

        Returns:
            self.
        """
        X, y = validate_data(self, X, y, dtype=[np.float32, np.float64],
                             multi_output=True, y_numeric=False)
        X = X.astype(backend.floatx(), copy=False)
        y = self._process_target(y, reset=True)
        self.model_ = self._get_model(X, y)
        y = self._match_output(y)
        options = {**(self.fit_kwargs or {}), **kwargs}
        history = self.model_.fit(X, y, **options)
        self.history_ = history.history
        return self

    def _get_model(self, X, y) -> Model:
        if self.warm_start and getattr(self, "model_", None) is not None:
            return self.model_
        if isinstance(self.model, Model):
            model = clone_compiled(self.model)
        elif callable(self.model):
            model = self.model(X=X, y=y, **(self.model_kwargs or {}))
        else:
            raise TypeError(f"{type(self).__name__}: `model` must be a compiled Model or a "
                            f"callable returning one, received {type(self.model).__name__}")
        if not isinstance(model, Model):
            raise TypeError(f"{type(self).__name__}: the `model` callable must return a "
                            f"Model, it returned {type(model).__name__}")
        if not getattr(model, "compiled", False):
            raise ValueError(f"{type(self).__name__}: the model must be compiled (call "
                             "model.compile(...) in the model function or before wrapping)")
        return model

    def _process_target(self, y, reset: bool):
        return np.asarray(y, dtype=backend.floatx())

    def _match_output(self, y):
        return y

    def _raw_predict(self, X):
        check_is_fitted(self, "model_")
        X = validate_data(self, X, dtype=[np.float32, np.float64], reset=False)
        X = X.astype(backend.floatx(), copy=False)
        return np.asarray(self.model_.predict(X, verbose=0))


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """A scikit-learn classifier around a Keras model.

    Targets are label-encoded (`classes_` holds the labels in sorted order) and one-hot
    encoded for training, so the model's last layer should have `len(classes_)` units and a
    softmax; a model with one sigmoid unit works for two classes too, trained on 0/1.

    >>> def make(X, y):
    ...     model = keras.Sequential([keras.Input((X.shape[1],)),
    ...                               keras.layers.Dense(y.shape[1], activation="softmax")])
    ...     model.compile(optimizer="adam", loss="categorical_crossentropy")
    ...     return model
    >>> clf = SKLearnClassifier(make, fit_kwargs={"epochs": 5, "verbose": 0})
    """

    def _process_target(self, y, reset: bool):
        kind = type_of_target(y, input_name="y")
        if kind not in ("binary", "multiclass"):
            raise ValueError(f"{type(self).__name__}: Unknown label type: {kind!r}; "
                             "expected binary or multiclass labels")
        y = column_or_1d(y, warn=True)
        if reset:
            self._encoder = LabelEncoder().fit(y)
            self.classes_ = self._encoder.classes_
        index = self._encoder.transform(y)
        onehot = np.zeros((len(index), len(self.classes_)), dtype=backend.floatx())
        onehot[np.arange(len(index)), index] = 1
        return onehot

    def _match_output(self, y):
        # A one-unit sigmoid model for two classes trains on the 0/1 column.
        units = _output_units(self.model_, y.shape[1])
        if units == 1 and y.shape[1] == 2:
            return y[:, 1:]
        if units != y.shape[1]:
            raise ValueError(f"SKLearnClassifier: the model outputs {units} values per sample "
                             f"but there are {y.shape[1]} classes {list(self.classes_)}; give "
                             "the last layer one unit per class")
        return y

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, one column per entry of `classes_`."""
        proba = self._raw_predict(X)
        proba = proba.reshape(proba.shape[0], -1)
        if proba.shape[1] == 1 and len(self.classes_) == 2:
            proba = np.concatenate([1 - proba, proba], axis=1)
        return proba

    def predict(self, X) -> np.ndarray:
        """The most probable class label for each sample."""
        check_is_fitted(self, "model_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def _as_columns(y) -> np.ndarray:
    y = np.asarray(y, dtype=backend.floatx())
    return y.reshape(-1, 1) if y.ndim == 1 else y


class SKLearnRegressor(RegressorMixin, SKLBase):
    """A scikit-learn regressor around a Keras model: 1-D targets give 1-D predictions,
    2-D targets (several outputs) give 2-D predictions. The model callable receives `y` as
    a 2-D array (one column per output)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _process_target(self, y, reset: bool):
        if reset:
            self._y_ndim = np.ndim(y)
        return _as_columns(y)

    def predict(self, X) -> np.ndarray:
        """The model's outputs as float64, as scikit-learn's regressors return them (1-D
        when the model was fitted on a 1-D target)."""
        out = self._raw_predict(X).astype(np.float64)
        return out.reshape(-1) if self._y_ndim == 1 else out


class SKLearnTransformer(TransformerMixin, SKLBase):
    """A scikit-learn transformer: `transform(X)` returns the model's output as features.

    `fit(X, y)` trains the model on the target `y`; `fit(X)` trains it to reproduce `X` (an
    autoencoder), so an encoder's output can then serve as features. The model callable
    receives `y` as a 2-D array. The features are float32 (numen's default float type).
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = [backend.floatx()]
        return tags

    def _process_target(self, y, reset: bool):
        return _as_columns(y)

    def fit(self, X, y=None, **kwargs):
        """Train the model on `X` and `y` (or on `X` itself when `y` is None)."""
        if y is None:
            X = validate_data(self, X, dtype=[np.float32, np.float64])
            y = X
        return super().fit(X, y, **kwargs)

    def transform(self, X) -> np.ndarray:
        """The model's output for `X`, as a 2-D array of features."""
        out = self._raw_predict(X)
        return out.reshape(out.shape[0], -1)


def _output_units(model: Model, default: int) -> int:
    try:
        shape = model.output_shape
    except (AttributeError, ValueError, TypeError, NotImplementedError):
        return default
    if isinstance(shape, tuple) and shape and isinstance(shape[-1], int):
        return shape[-1]
    return default
