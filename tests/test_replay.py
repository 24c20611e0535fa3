"""Recording the training step's model call and replaying it (autodiff/replay.py,
training/recorded_step.py): results identical to eager, eager wherever replay is not safe."""

import numpy as np
import pytest

from numen import keras, ops
from numen.autodiff import Tensor, Variable, enable_grad, gradients
from numen.autodiff.replay import Program, Recorder
from numen.training import recorded_step


def _data(n=300, d=12, k=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, d), dtype=np.float32), rng.integers(0, k, n)


def _mlp(extra=(), d=12, k=4, **dense_kwargs):
    return keras.Sequential([keras.Input((d,)), keras.layers.Dense(16, activation="relu"),
                             *extra, keras.layers.Dense(8, activation="tanh", **dense_kwargs),
                             keras.layers.Dense(k, activation="softmax")])


def _fit(make, jit_compile, epochs=3, batch_size=64, seed=3, x=None, y=None):
    keras.utils.set_random_seed(seed)
    model = make()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], jit_compile=jit_compile)
    if x is None:
        x, y = _data()
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    return model, history.history


def _same_weights(a, b):
    return all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights()))


def test_replayed_fit_is_bit_identical_to_eager_and_replays():
    # 300 samples at batch 64: four full batches and a partial one of 44, two shapes.
    replayed, h1 = _fit(_mlp, "auto")
    eager, h2 = _fit(_mlp, False)
    assert replayed._recorded_step.replays > 0
    assert eager._recorded_step.replays == 0
    assert h1 == h2
    assert _same_weights(replayed, eager)
    assert len(replayed._recorded_step.entries) == 2


def test_layer_normalization_replays_bit_identically():
    # Its trailing-axes case is one kernel (ops/normalization.py), so the model replays.
    make = lambda: _mlp(extra=[keras.layers.LayerNormalization()])  # noqa: E731
    replayed, h1 = _fit(make, "auto")
    eager, h2 = _fit(make, False)
    assert replayed._recorded_step.replays > 0
    assert h1 == h2
    assert _same_weights(replayed, eager)


def test_functional_model_replays_identically():
    def make():
        inp = keras.Input((12,))
        h = keras.layers.Dense(16, activation="sigmoid")(inp)
        return keras.Model(inp, keras.layers.Dense(4)(h))

    def fit(jit):
        keras.utils.set_random_seed(0)
        model = make()
        model.compile(optimizer="sgd", loss="mse", jit_compile=jit)
        x, _ = _data()
        model.fit(x, x[:, :4] * 2, batch_size=50, epochs=3, verbose=0)
        return model

    replayed, eager = fit("auto"), fit(False)
    assert replayed._recorded_step.replays > 0
    assert _same_weights(replayed, eager)


def test_regularizer_gradients_still_reach_the_weights():
    make = lambda: _mlp(kernel_regularizer=keras.regularizers.L2(0.1))  # noqa: E731
    replayed, h1 = _fit(make, "auto")
    eager, h2 = _fit(make, False)
    assert replayed._recorded_step.replays > 0
    assert h1 == h2 and _same_weights(replayed, eager)


class _CountingDense(keras.layers.Dense):
    calls = 0

    def call(self, inputs):
        type(self).calls += 1
        return super().call(inputs)


@pytest.mark.parametrize("seed", [None, 7])
def test_dropout_and_flatten_replay_with_the_same_random_draws(seed):
    def make():
        return keras.Sequential([keras.Input((3, 4)), keras.layers.Flatten(),
                                 keras.layers.Dense(16, activation="relu"),
                                 keras.layers.Dropout(0.5, seed=seed),
                                 keras.layers.Dense(4, activation="softmax")])

    x, y = _data()
    x = x.reshape(-1, 3, 4)
    replayed, h1 = _fit(make, "auto", x=x, y=y)
    eager, h2 = _fit(make, False, x=x, y=y)
    assert replayed._recorded_step.replays > 0
    assert h1 == h2 and _same_weights(replayed, eager)


@pytest.mark.parametrize("make", [
    lambda: _mlp(extra=[keras.layers.GaussianNoise(0.1)]),   # not a kernel
    lambda: keras.Sequential([keras.Input((12,)), _CountingDense(4, activation="softmax")]),
    lambda: _mlp(extra=[keras.layers.BatchNormalization()]),  # updates moving statistics
])
def test_models_that_are_not_pure_stay_eager(make):
    _CountingDense.calls = 0
    model, _ = _fit(make, "auto", epochs=2)
    assert model._recorded_step.replays == 0
    if isinstance(model.layers[0], _CountingDense):
        assert _CountingDense.calls >= 2 * 5  # every batch ran the custom call


def test_run_eagerly_disables_replay():
    keras.utils.set_random_seed(0)
    model = _mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", run_eagerly=True)
    model.fit(*_data(), batch_size=64, epochs=2, verbose=0)
    assert model._recorded_step.replays == 0


def test_bad_labels_are_still_rejected_once_replay_is_in_use():
    x, y = _data()
    model, _ = _fit(_mlp, "auto", epochs=2, x=x, y=y)
    assert model._recorded_step.replays > 0
    y_bad = y.copy()
    y_bad[-1] = 9
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\]"):
        model.fit(x, y_bad, batch_size=64, epochs=1, verbose=0, shuffle=False)


def test_a_mismatch_in_the_verifying_step_falls_back_to_eager(monkeypatch):
    real = Program.forward

    def off_by_a_bit(self, feeds):
        outs, backwards = real(self, feeds)
        return [o * np.float32(1.0001) for o in outs], backwards

    monkeypatch.setattr(Program, "forward", off_by_a_bit)
    replayed, h1 = _fit(_mlp, "auto")
    monkeypatch.undo()
    eager, h2 = _fit(_mlp, False)
    assert replayed._recorded_step.replays == 0
    assert set(replayed._recorded_step.entries.values()) == {recorded_step._FAILED}
    assert h1 == h2 and _same_weights(replayed, eager)


def test_program_replays_kernels_on_new_inputs_with_the_same_gradients():
    rng = np.random.default_rng(0)
    w = Variable(rng.standard_normal((5, 3)), dtype="float64")
    b = Variable(rng.standard_normal(3), dtype="float64")
    x1, x2 = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))

    def f(x):
        return ops.softmax(ops.tanh(ops.dense(Tensor(x), w, b, relu=False)))

    with enable_grad(), Recorder([x1]) as recorder:
        f(x1)
    program = recorder.program([recorder._alive[-1]])
    assert program is not None and len(program.nodes) == 3
    (out,), backwards = program.forward([x2])
    seed = rng.standard_normal(out.shape)
    grads = program.backward(backwards, [seed])
    with enable_grad():
        y = f(x2)
    np.testing.assert_array_equal(out, y.data)
    for got, want in zip(grads, gradients(y, [w, b], seed)):
        np.testing.assert_array_equal(got, want)


def test_recording_fails_on_ops_that_are_not_kernels_or_unknown_arrays():
    x = np.ones((2, 3), np.float32)
    w = Variable(np.ones((3, 2), np.float32))
    with enable_grad(), Recorder([x]) as recorder:
        ops.add(ops.dense(Tensor(x), w), 1.0)
    assert recorder.program([recorder._alive[-1]]) is None
    assert "not a replayable kernel" in recorder.failure
    with enable_grad(), Recorder([x]) as recorder:
        out = ops.dense(Tensor(x.copy()), w)  # a copy is not the fed array
    assert recorder.program([out]) is None
    assert "not an input" in recorder.failure


def _logits_mlp():
    return keras.Sequential([keras.Input((12,)), keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dense(4)])


def _fit_logits(jit_compile, x, y, **fit_kwargs):
    keras.utils.set_random_seed(5)
    model = _logits_mlp()
    model.compile(optimizer="adam", metrics=["accuracy"], jit_compile=jit_compile,
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, batch_size=64, epochs=3, verbose=0, **fit_kwargs)
    return model, history.history


def test_the_loss_is_replayed_too_when_it_is_made_of_kernels():
    x, y = _data()
    replayed, h1 = _fit_logits("auto", x, y)
    eager, h2 = _fit_logits(False, x, y)
    entries = list(replayed._recorded_step.entries.values())
    assert all(with_loss for _, with_loss, _ in entries)
    assert replayed._recorded_step.replays > 0
    assert h1 == h2 and _same_weights(replayed, eager)


def test_class_weights_keep_the_loss_eager_and_the_results_identical():
    x, y = _data()
    weights = {0: 1.0, 1: 2.0, 2: 0.5, 3: 1.0}
    replayed, h1 = _fit_logits("auto", x, y, class_weight=weights)
    eager, h2 = _fit_logits(False, x, y, class_weight=weights)
    assert replayed._recorded_step.replays > 0
    assert not any(with_loss for _, with_loss, _ in replayed._recorded_step.entries.values())
    assert h1 == h2 and _same_weights(replayed, eager)


@pytest.mark.parametrize("bad, message", [(9, r"must lie in \[0, 3\]"),
                                          (-1, r"must lie in \[0, 3\]")])
def test_a_replayed_loss_still_checks_every_batch_of_labels(bad, message):
    x, y = _data()
    model, _ = _fit_logits("auto", x, y)
    assert model._recorded_step.replays > 0
    y_bad = y.copy()
    y_bad[-1] = bad
    before = model.get_weights()
    with pytest.raises(ValueError, match=message):
        model.train_on_batch(x[-64:], y_bad[-64:])
    assert _same_weights_as(model, before)


def _same_weights_as(model, weights):
    return all(np.array_equal(p, q) for p, q in zip(model.get_weights(), weights))
