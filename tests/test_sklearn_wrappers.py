"""keras.wrappers: scikit-learn's own estimator checks, and the wrappers inside Pipeline,
GridSearchCV, cross_val_score, clone, with pandas input."""

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from numen import keras  # noqa: E402
from numen.keras.wrappers import (  # noqa: E402
    SKLearnClassifier,
    SKLearnRegressor,
    SKLearnTransformer,
)


def dense_model(X, y, hidden=8, loss="mse", activation=None, lr=0.05, seed=0):
    """A small MLP sized from the data; seeded so that refits give the same model."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((X.shape[1],)),
                              keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dense(y.shape[1], activation=activation)])
    model.compile(optimizer=keras.optimizers.Adam(lr), loss=loss)
    return model


class Named:
    """The model function with a stable repr, so that test ids (which show estimator reprs)
    are the same in every pytest-xdist worker, not `<function at 0x...>`."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def __repr__(self):
        return self.fn.__name__


CHECKED_MODEL = Named(dense_model)
CLASSIFIER_KW = {"loss": "categorical_crossentropy", "activation": "softmax"}
FAST = {"epochs": 2, "batch_size": 32, "verbose": 0}


def _blobs(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    centers = np.array([[2.0, 0.0, 0.0], [-2.0, 2.0, 0.0], [0.0, -2.0, 2.0]])
    x = centers[y] + rng.normal(0, 0.5, size=(n, 3))
    return x.astype("float32"), np.array(["ant", "bee", "cat"])[y]


# -- scikit-learn's estimator checks --------------------------------------------------------
# Every check passes; nothing is listed as an expected failure. Training is short (2 epochs),
# so the checks that demand a good score get a few more epochs.
@parametrize_with_checks([
    SKLearnClassifier(CHECKED_MODEL, model_kwargs=CLASSIFIER_KW,
                      fit_kwargs={"epochs": 25, "batch_size": 16, "verbose": 0}),
    SKLearnRegressor(CHECKED_MODEL, model_kwargs={"hidden": 16},
                     fit_kwargs={"epochs": 40, "batch_size": 16, "verbose": 0}),
    SKLearnTransformer(CHECKED_MODEL, fit_kwargs=FAST),
])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# -- classifier ----------------------------------------------------------------------------
def test_classifier_learns_string_labels_and_exposes_classes():
    x, y = _blobs()
    clf = SKLearnClassifier(dense_model, model_kwargs=CLASSIFIER_KW,
                            fit_kwargs={"epochs": 30, "verbose": 0})
    assert clf.fit(x, y) is clf
    assert list(clf.classes_) == ["ant", "bee", "cat"]
    proba = clf.predict_proba(x)
    assert proba.shape == (120, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    pred = clf.predict(x)
    assert pred.dtype.kind == "U" and set(pred) <= {"ant", "bee", "cat"}
    assert clf.score(x, y) > 0.9
    assert isinstance(clf.model_, keras.Model)
    assert len(clf.history_["loss"]) == 30


def test_classifier_with_a_compiled_model_instance_is_cloned():
    x, y = _blobs()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    before = [w.numpy().copy() for w in model.weights]
    clf = SKLearnClassifier(model, fit_kwargs=FAST).fit(x, y)
    assert clf.model_ is not model
    for w, b in zip(model.weights, before):  # the given model is left untouched
        np.testing.assert_array_equal(w.numpy(), b)
    assert "accuracy" in clf.history_


def test_classifier_binary_with_one_sigmoid_unit():
    x, y = _blobs()
    y = (y == "ant").astype(int)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    clf = SKLearnClassifier(model, fit_kwargs={"epochs": 20, "verbose": 0}).fit(x, y)
    proba = clf.predict_proba(x)
    assert proba.shape == (120, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    assert clf.score(x, y) > 0.9


def test_classifier_rejects_wrong_output_size_and_continuous_targets():
    x, y = _blobs()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="3 classes"):
        SKLearnClassifier(model, fit_kwargs=FAST).fit(x, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        SKLearnClassifier(dense_model, fit_kwargs=FAST).fit(x, x[:, 0] + 0.5)


def test_model_argument_errors():
    x, y = _blobs()
    with pytest.raises(TypeError, match="compiled Model or a callable"):
        SKLearnRegressor(42).fit(x, x[:, 0])
    with pytest.raises(TypeError, match="must return a Model"):
        SKLearnRegressor(lambda X, y: "nope").fit(x, x[:, 0])
    uncompiled = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="must be compiled"):
        SKLearnRegressor(uncompiled).fit(x, x[:, 0])


def test_fit_kwargs_are_overridden_by_fit_arguments():
    x, y = _blobs()
    reg = SKLearnRegressor(dense_model, fit_kwargs={"epochs": 5, "verbose": 0})
    reg.fit(x, x[:, 0], epochs=2)
    assert len(reg.history_["loss"]) == 2


def test_warm_start_keeps_training_the_same_model():
    x, _ = _blobs()
    target = x[:, 0] * 2 - x[:, 1]
    reg = SKLearnRegressor(dense_model, warm_start=True, fit_kwargs=FAST).fit(x, target)
    first = reg.model_
    first_loss = reg.history_["loss"][-1]
    reg.fit(x, target)
    assert reg.model_ is first
    assert reg.history_["loss"][0] < first_loss * 1.01
    cold = SKLearnRegressor(dense_model, fit_kwargs=FAST).fit(x, target)
    old = cold.model_
    cold.fit(x, target)
    assert cold.model_ is not old


# -- regressor and transformer -------------------------------------------------------------
def test_regressor_shapes_follow_the_target():
    x, _ = _blobs()
    reg = SKLearnRegressor(dense_model, fit_kwargs=FAST)
    assert reg.fit(x, x[:, 0]).predict(x).shape == (120,)
    assert reg.fit(x, x[:, :2]).predict(x).shape == (120, 2)


def test_transformer_outputs_features_and_learns_an_autoencoder():
    x, _ = _blobs()
    tr = SKLearnTransformer(dense_model, fit_kwargs={"epochs": 40, "verbose": 0})
    out = tr.fit_transform(x)  # y=None: reproduce x
    assert out.shape == (120, 3)
    assert np.mean((out - x) ** 2) < np.var(x)
    tr2 = SKLearnTransformer(dense_model, fit_kwargs=FAST).fit(x, x[:, :1])
    assert tr2.transform(x).shape == (120, 1)


# -- the scikit-learn toolbox --------------------------------------------------------------
def test_clone_copies_parameters_not_the_fit():
    x, y = _blobs()
    clf = SKLearnClassifier(dense_model, model_kwargs=CLASSIFIER_KW, fit_kwargs=FAST).fit(x, y)
    copy = clone(clf)
    assert copy.get_params()["model_kwargs"] == CLASSIFIER_KW
    assert not hasattr(copy, "model_")


def test_pipeline_grid_search_and_cross_val_score():
    x, y = _blobs(n=90)
    pipe = Pipeline([("scale", StandardScaler()),
                     ("clf", SKLearnClassifier(dense_model, model_kwargs=CLASSIFIER_KW,
                                               fit_kwargs={"epochs": 15, "verbose": 0}))])
    scores = cross_val_score(pipe, x, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.8
    grid = GridSearchCV(pipe, {"clf__model_kwargs": [{**CLASSIFIER_KW, "hidden": 2},
                                                     {**CLASSIFIER_KW, "hidden": 8}]}, cv=2)
    grid.fit(x, y)
    assert grid.best_params_["clf__model_kwargs"]["hidden"] in (2, 8)
    assert grid.predict(x[:5]).shape == (5,)


def test_pandas_input_records_feature_names():
    pd = pytest.importorskip("pandas")
    x, y = _blobs()
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    clf = SKLearnClassifier(dense_model, model_kwargs=CLASSIFIER_KW, fit_kwargs=FAST)
    clf.fit(frame, pd.Series(y))
    assert list(clf.feature_names_in_) == ["a", "b", "c"]
    assert clf.predict(frame).shape == (120,)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(frame.rename(columns={"a": "z"}))


def test_keras_wrappers_namespace():
    assert keras.wrappers.SKLearnClassifier is SKLearnClassifier
    with pytest.raises(AttributeError, match="no attribute"):
        keras.wrappers.KerasClassifier  # noqa: B018
