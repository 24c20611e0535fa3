"""keras.distillation: Distiller trains a student from a frozen teacher; the losses' values are
compared with real Keras in tests/golden_cases/distillation.py."""

import numpy as np
import pytest

from numen import keras, testing
from numen.distillation import (
    DistillationLoss,
    Distiller,
    FeatureDistillation,
    LogitsDistillation,
)


def _data(n=64):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 6)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int32") + (x[:, 2] > 1).astype("int32")
    return x, y


def _models():
    keras.utils.set_random_seed(0)
    teacher = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu",
                                                                      name="hidden"),
                                keras.layers.Dense(3, name="logits")])
    student = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, name="hidden"),
                                keras.layers.Dense(3, name="logits")])
    return teacher, student


def test_keras_names_point_to_numen():
    assert keras.distillation.Distiller is Distiller
    assert issubclass(Distiller, keras.Model)
    assert issubclass(LogitsDistillation, keras.distillation.DistillationLoss)


def test_fit_reduces_the_loss_and_keeps_the_teacher_frozen():
    x, y = _data()
    teacher, student = _models()
    before = [w.copy() for w in teacher.get_weights()]
    distiller = Distiller(teacher, student, LogitsDistillation(temperature=2.0))
    distiller.compile(optimizer=keras.optimizers.Adam(0.02),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
    history = distiller.fit(x, y, batch_size=16, epochs=6, verbose=0).history
    assert sorted(history) == ["accuracy", "distillation_loss", "loss", "student_loss",
                               "total_loss"]
    assert history["loss"][-1] < history["loss"][0]
    np.testing.assert_allclose(history["loss"], history["total_loss"], rtol=1e-5)
    for w, b in zip(teacher.get_weights(), before):
        np.testing.assert_array_equal(w, b)
    assert not teacher.trainable
    assert len(distiller.trainable_weights) == len(student.trainable_weights) == 4
    assert len(distiller.weights) == 8
    np.testing.assert_allclose(distiller.predict(x[:4], verbose=0),
                               student.predict(x[:4], verbose=0), rtol=1e-6)
    logs = distiller.evaluate(x, y, verbose=0, return_dict=True)
    assert set(logs) == set(history)


def test_feature_distillation_of_named_layers_trains():
    x, y = _data(32)
    teacher, student = _models()
    distiller = Distiller(
        teacher, student,
        [LogitsDistillation(), FeatureDistillation("mse", "hidden", "hidden")],
        distillation_loss_weights=[1.0, 0.5], student_loss_weight=0.2)
    distiller.compile(optimizer=keras.optimizers.Adam(0.02),
                      loss="sparse_categorical_crossentropy")
    history = distiller.fit(x, y, batch_size=8, epochs=5, verbose=0).history
    assert history["distillation_loss"][-1] < history["distillation_loss"][0]


def test_custom_distillation_loss_and_only_distillation():
    class L1(DistillationLoss):
        def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
            return keras.ops.mean(keras.ops.abs(teacher_outputs - student_outputs))

    x, _ = _data(32)
    teacher, student = _models()
    distiller = Distiller(teacher, student, L1(), student_loss_weight=0.0)
    distiller.compile(optimizer="adam", loss="mse")
    history = distiller.fit(x, np.zeros((32, 3), "float32"), epochs=4, verbose=0).history
    assert history["student_loss"] == [0.0] * 4
    assert history["loss"][-1] < history["loss"][0]


def test_loss_gradients_float64():
    rng = np.random.default_rng(1)
    t, s = rng.normal(size=(2, 3, 4, 5))
    kl = LogitsDistillation(temperature=3.0, loss=keras.losses.KLDivergence())
    testing.check_grad(lambda a, b: kl.compute_loss(a, b), [t, s])
    testing.check_grad(lambda a, b: FeatureDistillation("mae").compute_loss(a, b) +
                       FeatureDistillation().compute_loss(a, b), [t, s])


def test_loss_configs_round_trip():
    for loss in [LogitsDistillation(4.0, keras.losses.KLDivergence()),
                 LogitsDistillation(loss=["mse", None]),
                 FeatureDistillation({"a": "mae", "b": keras.losses.Huber(delta=2.0)}, "h", "g")]:
        config = loss.get_config()
        again = type(loss).from_config(config)
        assert again.get_config() == config
    assert LogitsDistillation().get_config() == {"temperature": 3.0, "loss": "kl_divergence"}


def test_distiller_config_round_trip():
    teacher, student = _models()
    distiller = Distiller(teacher, student, [LogitsDistillation(), FeatureDistillation(
        teacher_layer_name="hidden", student_layer_name="hidden")],
        distillation_loss_weights=[1.0, 0.25], student_loss_weight=0.7)
    config = distiller.get_config()
    again = Distiller.from_config(config)
    assert again.student_loss_weight == 0.7 and again.distillation_loss_weights == [1.0, 0.25]
    assert [type(d) for d in again.distillation_losses] == [LogitsDistillation,
                                                            FeatureDistillation]
    assert [layer.name for layer in again.student.layers] == ["hidden", "logits"]


def test_bad_arguments_raise_clear_errors():
    teacher, student = _models()
    with pytest.raises(ValueError, match="temperature must be positive"):
        LogitsDistillation(temperature=0)
    with pytest.raises(ValueError, match="temperature must be a number"):
        LogitsDistillation(temperature="3")
    with pytest.raises(ValueError, match="at least one loss"):
        FeatureDistillation(loss=[None, None])
    with pytest.raises(ValueError, match="student_loss_weight must be between 0 and 1"):
        Distiller(teacher, student, LogitsDistillation(), student_loss_weight=1.5)
    with pytest.raises(ValueError, match="one weight per loss"):
        Distiller(teacher, student, [LogitsDistillation()], distillation_loss_weights=[1, 2])
    with pytest.raises(ValueError, match="cannot be None"):
        Distiller(teacher, student, None)
    with pytest.raises(ValueError, match="teacher must be a keras.Model"):
        Distiller("teacher", student, LogitsDistillation())
    with pytest.raises(ValueError, match="in the student model"):
        Distiller(teacher, student, FeatureDistillation(teacher_layer_name="hidden",
                                                        student_layer_name="nope"))
    narrow = keras.Sequential([keras.Input((6,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="output shapes differ"):
        Distiller(teacher, narrow, LogitsDistillation())
    distiller = Distiller(teacher, student, LogitsDistillation())
    with pytest.raises(ValueError, match="pass the student's loss"):
        distiller.compile(optimizer="adam")
    with pytest.raises(ValueError, match="metrics must be a list or tuple"):
        distiller.compile(loss="mse", metrics="mae")


def test_save_and_load_with_custom_objects(tmp_path):
    x, y = _data(16)
    teacher, student = _models()
    distiller = Distiller(teacher, student, LogitsDistillation())
    distiller.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    distiller.fit(x, y, epochs=1, verbose=0)
    distiller.save(tmp_path / "d.keras")
    loaded = keras.saving.load_model(tmp_path / "d.keras",
                                     custom_objects={"Distiller": Distiller})
    assert isinstance(loaded, Distiller) and not loaded.teacher.trainable
    for a, b in zip(loaded.get_weights(), distiller.get_weights()):
        np.testing.assert_array_equal(a, b)
