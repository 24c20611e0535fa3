"""Inference replayed (training/recorded_step.py, `RecordedStep.predict`): the same outputs as
the eager model call, current weights always used, eager wherever replay is not safe."""

import numpy as np
import pytest

from numen import keras
from numen.autodiff.replay import Program

layers = keras.layers


def _convnet():
    return keras.Sequential([
        keras.Input((10, 10, 2)), layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(3, 2, padding="same"), layers.AveragePooling2D(2), layers.Flatten(),
        layers.Dropout(0.3), layers.Dense(5, activation="softmax")])


def _mlp():
    return keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="relu"),
                             layers.Dense(3)])


def _compiled(make, **compile_kwargs):
    keras.utils.set_random_seed(0)
    model = make()
    model.compile(optimizer="sgd", loss="mse", **compile_kwargs)
    return model


def _eager(model, x):
    return model(x, training=False).numpy()


@pytest.mark.parametrize("make, shape", [(_mlp, (6,)), (_convnet, (10, 10, 2))])
def test_predict_replays_with_the_eager_outputs(make, shape):
    model = _compiled(make)
    x = np.random.default_rng(0).random((3, *shape), dtype=np.float32)
    outs = [model.predict_on_batch(x[i:i + 1]) for i in range(3) for _ in range(2)]
    assert model._recorded_step.inference_replays > 0
    for i in range(3):
        np.testing.assert_array_equal(outs[2 * i], _eager(model, x[i:i + 1]))
    np.testing.assert_array_equal(model.predict(x, verbose=0), _eager(model, x))


def test_replayed_predict_reads_the_current_weights():
    model = _compiled(_mlp)
    x = np.ones((1, 6), np.float32)
    for _ in range(3):
        model.predict_on_batch(x)
    model.set_weights([w + 0.5 for w in model.get_weights()])
    np.testing.assert_array_equal(model.predict_on_batch(x), _eager(model, x))
    model.fit(np.ones((4, 6), np.float32), np.zeros((4, 3), np.float32), verbose=0)
    np.testing.assert_array_equal(model.predict_on_batch(x), _eager(model, x))
    assert model._recorded_step.inference_replays >= 2


def test_a_changed_layer_list_is_recorded_again():
    model = _compiled(_mlp)
    x = np.ones((1, 6), np.float32)
    for _ in range(3):
        model.predict_on_batch(x)
    model.add(layers.Dense(2))
    got = model.predict_on_batch(x)
    assert got.shape == (1, 2)
    np.testing.assert_array_equal(got, _eager(model, x))


@pytest.mark.parametrize("make, kwargs", [
    (_mlp, {"run_eagerly": True}),
    (_mlp, {"jit_compile": False}),
    (lambda: keras.Sequential([keras.Input((6,)), layers.BatchNormalization(),
                               layers.Dense(3)]), {}),
])
def test_predict_stays_eager_where_replay_is_off_or_unsafe(make, kwargs):
    model = _compiled(make, **kwargs)
    x = np.ones((1, 6), np.float32)
    outs = [model.predict_on_batch(x) for _ in range(4)]
    assert model._recorded_step.inference_replays == 0
    np.testing.assert_array_equal(outs[-1], _eager(model, x))


def test_a_mismatch_in_the_verifying_call_keeps_predict_eager(monkeypatch):
    real = Program.infer

    def off_by_a_bit(self, feeds):
        return [o * np.float32(1.0001) for o in real(self, feeds)]

    monkeypatch.setattr(Program, "infer", off_by_a_bit)
    model = _compiled(_mlp)
    x = np.ones((1, 6), np.float32)
    outs = [model.predict_on_batch(x) for _ in range(4)]
    assert model._recorded_step.inference_replays == 0
    np.testing.assert_array_equal(outs[-1], _eager(model, x))


def test_an_uncompiled_model_predicts_eagerly():
    keras.utils.set_random_seed(0)
    model = _mlp()
    x = np.ones((2, 6), np.float32)
    np.testing.assert_array_equal(model.predict_on_batch(x), _eager(model, x))


def test_repeated_predict_on_batch_takes_the_array_path_with_the_same_outputs(monkeypatch):
    model = _compiled(_mlp)
    x = np.random.default_rng(1).random((1, 6), dtype=np.float32)
    for _ in range(3):
        model.predict_on_batch(x)
    step = model._recorded_step
    assert step._last_inference is not None
    # from here the replay runs without data preparation: prove it by making that fail
    monkeypatch.setattr(type(model), "_prepare_arrays",
                        lambda *a: (_ for _ in ()).throw(AssertionError("full path ran")))
    got = model.predict_on_batch(x)
    assert isinstance(got, np.ndarray)
    np.testing.assert_array_equal(got, _eager(model, x))


@pytest.mark.parametrize("other", [
    lambda x: x.astype(np.float64),          # another dtype: converted on the full path
    lambda x: np.concatenate([x, x]),         # another batch size: its own recording
    lambda x: np.where(x > 0.5, np.nan, x),   # NaN: the full path's clear error
])
def test_the_array_path_leaves_other_inputs_to_the_full_path(other):
    model = _compiled(_mlp)
    x = np.random.default_rng(1).random((1, 6), dtype=np.float32)
    for _ in range(3):
        model.predict_on_batch(x)
    y = other(x)
    if np.isnan(y).any():
        with pytest.raises(ValueError, match="NaN"):
            model.predict_on_batch(y)
        return
    np.testing.assert_allclose(model.predict_on_batch(y), _eager(model, y.astype(np.float32)),
                               rtol=1e-6)


def test_the_array_path_is_not_taken_when_predict_step_is_overridden():
    class Doubled(keras.Sequential):
        def predict_step(self, data):
            return super().predict_step(data) * 2

    keras.utils.set_random_seed(0)
    model = Doubled([keras.Input((6,)), layers.Dense(3)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((1, 6), np.float32)
    outs = [model.predict_on_batch(x) for _ in range(4)]
    np.testing.assert_allclose(outs[-1], 2 * _eager(model, x), rtol=1e-6)


@pytest.mark.parametrize("make, shape", [(_mlp, (6,)), (_convnet, (10, 10, 2))])
def test_program_infer_gives_the_forward_outputs(make, shape):
    model = _compiled(make)
    x = np.random.default_rng(4).random((2, *shape), dtype=np.float32)
    for _ in range(3):
        model.predict_on_batch(x)
    program = model._recorded_step._last_inference[-1]
    (expected,), _ = program.forward((x,))
    np.testing.assert_array_equal(program.infer((x,))[0], expected)
    with pytest.raises(ValueError, match="expected 1 fed arrays"):
        program.infer((x, x))


def test_huge_finite_inputs_still_predict():
    model = _compiled(_mlp)
    x = np.ones((1, 6), np.float32)
    for _ in range(3):
        model.predict_on_batch(x)
    big = np.full((1, 6), 1e30, np.float32)  # squares overflow: the full path checks it
    np.testing.assert_array_equal(model.predict_on_batch(big), _eager(model, big))
