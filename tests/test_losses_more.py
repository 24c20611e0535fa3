"""The losses added for issue 15 (focal, generalized cross-entropy, Dice, Tversky, Circle, CTC):
float64 gradients, configs, names, errors, and use in compile + fit + save/load.

Values and gradients against real Keras are in tests/golden_cases/losses_*.py."""

import numpy as np
import pytest

from numen import backend, keras, losses, testing

RNG = np.random.default_rng(0)
LABELS = (RNG.random((4, 3)) > 0.5).astype("float64")
PROBS = RNG.uniform(0.1, 0.9, (4, 3))
ONE_HOT = np.eye(3)[[0, 2, 1, 2]]
CLASSES = np.array([0, 1, 0, 2, 1, 3])
CTC_LABELS = np.array([[1, 2, 2], [3, 1, 0]])

GRAD_CASES = {
    "bfce": lambda p: losses.binary_focal_crossentropy(LABELS, p, gamma=2.0),
    "bfce_logits_balanced": lambda p: losses.binary_focal_crossentropy(
        LABELS, p * 4 - 2, apply_class_balancing=True, from_logits=True, label_smoothing=0.1),
    "cfce": lambda p: losses.categorical_focal_crossentropy(ONE_HOT, p, gamma=1.5),
    "cfce_logits": lambda p: losses.categorical_focal_crossentropy(ONE_HOT, p, from_logits=True),
    "gce": lambda p: losses.categorical_generalized_cross_entropy([0, 2, 1, 1], p, q=0.4),
    "dice": lambda p: losses.dice(LABELS, p),
    "dice_axis": lambda p: losses.dice(LABELS, p, axis=-1),
    "tversky": lambda p: losses.tversky(LABELS, p, alpha=0.3, beta=0.7, axis=1),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_numerical_gradients(name):
    testing.check_grad(GRAD_CASES[name], [PROBS])


def test_circle_and_ctc_numerical_gradients():
    emb = RNG.standard_normal((6, 4)) * 0.5
    testing.check_grad(lambda e: losses.circle(CLASSES, e, gamma=4.0), [emb])
    testing.check_grad(lambda z: losses.ctc(CTC_LABELS, z), [RNG.standard_normal((2, 6, 4))])


CLASSES_AND_DEFAULTS = [
    (losses.BinaryFocalCrossentropy, "binary_focal_crossentropy",
     {"apply_class_balancing": False, "alpha": 0.25, "gamma": 2.0, "from_logits": False,
      "label_smoothing": 0.0, "axis": -1}),
    (losses.CategoricalFocalCrossentropy, "categorical_focal_crossentropy",
     {"alpha": 0.25, "gamma": 2.0, "from_logits": False, "label_smoothing": 0.0, "axis": -1}),
    (losses.CategoricalGeneralizedCrossEntropy, "categorical_generalized_cross_entropy",
     {"q": 0.5}),
    (losses.Dice, "dice", {"axis": None}),
    (losses.Tversky, "tversky", {"alpha": 0.5, "beta": 0.5, "axis": None}),
    (losses.Circle, "circle", {"gamma": 80.0, "margin": 0.4, "remove_diagonal": True}),
    (losses.CTC, "ctc", {}),
]


@pytest.mark.parametrize("cls,name,defaults", CLASSES_AND_DEFAULTS,
                         ids=[c[1] for c in CLASSES_AND_DEFAULTS])
def test_configs_match_keras_and_round_trip(cls, name, defaults):
    loss = cls()
    assert loss.get_config() == {"name": name, "reduction": "sum_over_batch_size", **defaults}
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is cls and again.get_config() == loss.get_config()
    # The keras namespace and string lookups reach the same objects.
    assert getattr(keras.losses, cls.__name__) is cls
    assert isinstance(losses.get(cls.__name__), cls)
    assert type(losses.as_loss_object(name)) is cls


def test_non_default_config_round_trip():
    loss = losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.4, gamma=3.0,
                                          from_logits=True, reduction="sum", name="bf")
    again = losses.BinaryFocalCrossentropy.from_config(loss.get_config())
    assert again.get_config() == loss.get_config()
    np.testing.assert_allclose(again(LABELS, PROBS).numpy(), loss(LABELS, PROBS).numpy())


def test_function_names_and_metric_aliases():
    for fn in ("binary_focal_crossentropy", "categorical_focal_crossentropy", "dice", "tversky",
               "circle", "ctc", "categorical_generalized_cross_entropy"):
        assert losses.get(fn) is getattr(losses, fn) is getattr(keras.losses, fn)
    assert keras.metrics.binary_focal_crossentropy is losses.binary_focal_crossentropy
    assert keras.metrics.categorical_focal_crossentropy is losses.categorical_focal_crossentropy


def test_focal_reduces_to_crossentropy_without_focusing():
    bce = losses.binary_crossentropy(LABELS, PROBS).numpy()
    np.testing.assert_allclose(losses.binary_focal_crossentropy(LABELS, PROBS, gamma=0).numpy(),
                               bce, rtol=1e-6)
    cce = losses.categorical_crossentropy(ONE_HOT, PROBS).numpy()
    got = losses.categorical_focal_crossentropy(ONE_HOT, PROBS, alpha=1.0, gamma=0.0).numpy()
    np.testing.assert_allclose(got, cce, rtol=1e-6)


def test_keras_documented_values():
    y = np.array([[0, 1], [0, 0]])
    p = np.array([[-18.6, 0.51], [2.94, -12.8]], "float32")
    loss = losses.BinaryFocalCrossentropy(gamma=3, from_logits=True)
    assert float(loss(y, p).numpy()) == pytest.approx(0.647, abs=1e-3)
    assert float(loss(y, p, sample_weight=[0.8, 0.2]).numpy()) == pytest.approx(0.133, abs=1e-3)
    none = losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=5, from_logits=True,
                                          reduction=None)(y, p).numpy()
    np.testing.assert_allclose(none, [0.0004, 0.8670], atol=1e-4)


def test_circle_leaves_samples_without_pairs_out_of_the_mean():
    emb = RNG.standard_normal((4, 3)).astype("float32")
    labels = np.array([0, 0, 1, 2])
    per_sample = losses.Circle(reduction="none")(labels, emb).numpy()
    assert (per_sample > 0).sum() == 2  # labels 1 and 2 have no positive pair
    mean = losses.Circle()(labels, emb).numpy()
    np.testing.assert_allclose(mean, per_sample.sum() / 2, rtol=1e-5)


def test_clear_errors():
    with pytest.raises(ValueError, match="CategoricalGeneralizedCrossEntropy: q"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.5)
    with pytest.raises(ValueError, match="categorical_focal_crossentropy: axis"):
        losses.categorical_focal_crossentropy(ONE_HOT, PROBS, axis=True)
    with pytest.raises(ValueError, match="ctc: y_true"):
        losses.ctc(np.array([1, 2]), np.zeros((1, 4, 3), "float32"))
    with pytest.raises(ValueError, match="ctc: y_pred"):
        losses.ctc(CTC_LABELS, np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match="reduction"):
        losses.Dice(reduction="average")


def _fit_and_reload(model, x, y, tmp_path):
    history = model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0),
                               rtol=1e-5)
    return loaded


@pytest.mark.parametrize("loss", [
    "binary_focal_crossentropy",
    losses.BinaryFocalCrossentropy(gamma=3.0, from_logits=True, apply_class_balancing=True),
    "dice",
    losses.Tversky(alpha=0.3, beta=0.7, axis=-1),
], ids=["bfce_str", "bfce_obj", "dice_str", "tversky_obj"])
def test_binary_losses_compile_fit_save_load(loss, tmp_path):
    backend.set_random_seed(0)
    x = RNG.standard_normal((16, 5)).astype("float32")
    y = (RNG.random((16, 1)) > 0.5).astype("float32")
    act = "linear" if getattr(loss, "fn_kwargs", {}).get("from_logits") else "sigmoid"
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1, activation=act)])
    model.compile(optimizer="adam", loss=loss)
    loaded = _fit_and_reload(model, x, y, tmp_path)
    if not isinstance(loss, str):
        assert loaded.loss.get_config() == loss.get_config()


@pytest.mark.parametrize("loss", ["categorical_focal_crossentropy",
                                  losses.CategoricalGeneralizedCrossEntropy(q=0.3)],
                         ids=["cfce_str", "gce_obj"])
def test_categorical_losses_compile_fit_save_load(loss, tmp_path):
    backend.set_random_seed(0)
    x = RNG.standard_normal((16, 5)).astype("float32")
    labels = RNG.integers(0, 3, 16)
    y = labels.astype("float32") if isinstance(loss, losses.Loss) else \
        np.eye(3, dtype="float32")[labels]
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss=loss)
    _fit_and_reload(model, x, y, tmp_path)


def test_circle_and_ctc_compile_fit_save_load(tmp_path):
    backend.set_random_seed(0)
    x = RNG.standard_normal((12, 5)).astype("float32")
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4),
                              keras.layers.UnitNormalization()])
    model.compile(optimizer="adam", loss=losses.Circle(gamma=10.0))
    _fit_and_reload(model, x, RNG.integers(0, 3, 12).astype("float32"), tmp_path)

    xs = RNG.standard_normal((8, 6, 3)).astype("float32")
    seq = keras.Sequential([keras.Input((6, 3)), keras.layers.Dense(4)])
    seq.compile(optimizer="adam", loss="ctc")
    _fit_and_reload(seq, xs, RNG.integers(0, 4, (8, 2)).astype("float32"), tmp_path)
