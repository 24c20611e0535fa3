"""A replayed training step writes the weights' gradients straight into the optimizer's flat
gradient buffer (`Program.backward(into=...)`, `Optimizer.gradient_buffers`): the same values
as without, no buffer shared between models, and no gradient handed out that a later step
overwrites."""

import numpy as np
import pytest

from numen import keras, ops, optimizers
from numen.autodiff import Tensor, Variable, enable_grad
from numen.autodiff.replay import Program, Recorder


def _data(n=256, d=12, k=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, d), dtype=np.float32), rng.integers(0, k, n)


def _model(seed=3):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((12,)), keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dense(4)])


def _compiled(optimizer="adam", jit_compile="auto", seed=3):
    model = _model(seed)
    model.compile(optimizer=optimizer, jit_compile=jit_compile,
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def _same_weights(a, b):
    return all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights()))


def _record(f, x):
    with enable_grad(), Recorder([x]) as recorder:
        f(x)
    return recorder.program([recorder._alive[-1]])


@pytest.mark.parametrize("shared", [False, True])
def test_program_backward_into_gives_the_same_gradients_in_the_given_arrays(shared):
    rng = np.random.default_rng(0)
    w = Variable(rng.standard_normal((5, 3)).astype(np.float32))
    b = Variable(rng.standard_normal(3).astype(np.float32))
    w2 = Variable(rng.standard_normal((3, 3)).astype(np.float32))
    b2 = b if shared else Variable(rng.standard_normal(3).astype(np.float32))
    x = rng.standard_normal((4, 5)).astype(np.float32)

    def f(x):
        h = ops.dense(Tensor(x), w, b, relu=True)
        # `shared`: b read by both kernels, so its gradient is summed, then copied in
        return ops.tanh(ops.dense(h, w2, b2))

    program = _record(f, x)
    assert program is not None
    (out,), backwards = program.forward([x])
    seed = rng.standard_normal(out.shape).astype(np.float32)
    plain = program.backward(backwards, [seed])
    into = [np.full(v.data.shape, np.nan, np.float32) for v in program.variables]
    filled = program.backward(program.forward([x])[1], [seed], into)
    for got, dest, want in zip(filled, into, plain):
        assert got is dest
        np.testing.assert_array_equal(got, want)


def test_program_backward_into_leaves_a_variable_it_does_not_reach_as_none():
    w = Variable(np.ones((3, 2), np.float32))
    unused = Variable(np.ones(2, np.float32))
    x = np.ones((2, 3), np.float32)
    recorded = _record(lambda x: ops.dense(Tensor(x), w), x)
    # `unused` is read by no kernel, as a variable of a frozen branch would be
    program = Program(recorded.nodes, [*recorded.variables, unused], recorded.outputs, 1)
    (out,), backwards = program.forward([x])
    dest = np.full(2, 7.0, np.float32)
    grads = program.backward(backwards, [np.ones_like(out)], [np.zeros((3, 2), np.float32),
                                                              dest])
    assert grads[1] is None and np.all(dest == 7.0)


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_training_writing_into_the_buffer_matches_eager(optimizer):
    x, y = _data()
    replayed = _compiled(optimizer)  # each set-up seeds the shuffling of its fit too
    h1 = replayed.fit(x, y, batch_size=32, epochs=2, verbose=0).history
    eager = _compiled(optimizer, jit_compile=False)
    h2 = eager.fit(x, y, batch_size=32, epochs=2, verbose=0).history
    assert replayed._recorded_step.replays > 0
    assert h1 == h2 and _same_weights(replayed, eager)


def test_replayed_gradients_are_the_optimizers_buffer_views():
    x, y = _data()
    model = _compiled()
    for k in range(3):  # build, record, verify
        model.train_on_batch(x[32 * k:32 * (k + 1)], y[32 * k:32 * (k + 1)])
    variables = model._trainable_cache
    into = model.optimizer.gradient_buffers(variables)
    assert into is not None and len(into) == len(variables)
    _, _, grads = model._recorded_step.forward_backward(model, x[:32], y[:32], None,
                                                        variables, into)
    assert all(g is d for g, d in zip(grads, into))
    # without `into`, each call hands out arrays of its own, untouched by the next call
    _, _, first = model._recorded_step.forward_backward(model, x[:32], y[:32], None,
                                                        variables)
    kept = [g.copy() for g in first]
    model._recorded_step.forward_backward(model, x[32:64], y[32:64], None, variables)
    model._recorded_step.forward_backward(model, x[32:64], y[32:64], None, variables, into)
    assert all(np.array_equal(g, k) for g, k in zip(first, kept))
    assert not any(np.shares_memory(g, d) for g in first for d in into)


def test_two_models_do_not_share_gradient_buffers():
    a, b = _compiled(), _compiled(seed=4)
    x, y = _data()
    a.fit(x, y, batch_size=32, epochs=1, verbose=0)
    b.fit(x, y, batch_size=32, epochs=1, verbose=0)
    ga = a.optimizer.gradient_buffers(a._trainable_cache)
    gb = b.optimizer.gradient_buffers(b._trainable_cache)
    assert ga is not None and gb is not None
    assert not any(np.shares_memory(p, q) for p in ga for q in gb)


def test_one_optimizer_shared_by_two_models_trains_them_as_eager_does():
    x, y = _data()

    def train(jit_compile):
        opt = optimizers.Adam()
        a = _compiled(opt, jit_compile=jit_compile)
        b = _compiled(opt, jit_compile=jit_compile, seed=4)
        for k in range(0, 256, 32):  # interleaved steps
            a.train_on_batch(x[k:k + 32], y[k:k + 32])
            b.train_on_batch(x[k:k + 32], y[k:k + 32])
        return a, b

    (a1, b1), (a2, b2) = train("auto"), train(False)
    assert a1._recorded_step.replays > 0 and b1._recorded_step.replays > 0
    # the flat buffer holds the first model's variables only: the second gets no views
    assert a1.optimizer.gradient_buffers(b1._trainable_cache) is None
    assert _same_weights(a1, a2) and _same_weights(b1, b2)


class _KeepingAdam(optimizers.Adam):
    """Keeps the gradients `apply` is given, as a logging optimizer might."""

    def apply(self, grads, trainable_variables=None):
        self.kept = list(grads)
        return super().apply(grads, trainable_variables)


def test_an_optimizer_with_its_own_apply_gets_gradients_no_later_step_overwrites():
    x, y = _data()
    model = _compiled(_KeepingAdam())
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert model._recorded_step.replays > 0
    assert model.optimizer.gradient_buffers(model._trainable_cache) is None
    kept = model.optimizer.kept
    copies = [g.copy() for g in kept]
    model.train_on_batch(x[:32], y[:32])
    assert all(np.array_equal(g, c) for g, c in zip(kept, copies))
