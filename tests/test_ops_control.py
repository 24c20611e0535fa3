"""Control flow, custom_gradient and jvp: float64 gradient checks, errors, GradientTape, and
layers using them inside a Functional model that trains."""

import numpy as np
import pytest

from numen import keras, ops, testing
from numen.autodiff import GradientTape, Tensor, Variable
from numen.autodiff.replay import Recorder
from numen.keras import layers

X = testing.randn((4, 3), seed=3)
Y = testing.randn((4, 3), seed=4)


def _flat(*ts):
    return ops.concatenate([ops.reshape(t, (-1,)) for t in ts])


# -- float64 gradient checks ---------------------------------------------------------------

def _while(x):
    _, s = ops.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, ops.sin(s) * x + 1.0),
                          (0, ops.ones_like(x)))
    return s


def _scan(init, xs):
    def step(carry, x):
        h, c = carry
        h = ops.tanh(h * x["a"] + c)
        return (h, c + x["b"]), {"h": h, "hc": h * c}

    (h, c), ys = ops.scan(step, (init, init * 0.5), {"a": xs, "b": xs * xs})
    return _flat(h, c, ys["h"], ys["hc"])


GRAD_CASES = [
    ("cond_true", lambda x: ops.cond(ops.sum(x) > -1e9, lambda: x * ops.exp(x), lambda: x),
     [X]),
    ("cond_false", lambda x: ops.cond(ops.sum(x) > 1e9, lambda: x, lambda: ops.sin(x) * x),
     [X]),
    ("switch", lambda x, y: ops.switch(Tensor(np.array(1)),
                                       [lambda a, b: a + b, lambda a, b: a * ops.tanh(b)], x, y),
     [X, Y]),
    ("while_loop", _while, [X[0]]),
    ("while_loop_max_iter",
     lambda x: ops.while_loop(lambda s: ops.sum(s) < 1e9, lambda s: s * x + 0.5, x,
                              maximum_iterations=3), [X[1]]),
    ("fori_loop", lambda x: ops.fori_loop(1, 4, lambda i, s: s * x[i] + ops.cos(s), x[0]), [X]),
    ("scan_nested", _scan, [X[0], X]),
    ("scan_reverse",
     lambda c, xs: _flat(*ops.scan(lambda c, x: (c * x + 1.0, ops.sin(c)), c, xs,
                                   reverse=True)), [X[0], Y]),
    ("map", lambda x: ops.map(lambda r: ops.sum(r * r) * r, x), [X]),
    ("vectorized_map", lambda x, y: ops.vectorized_map(lambda e: ops.dot(e[0], e[1]), (x, y)),
     [X, Y]),
    ("associative_scan", lambda x: ops.associative_scan(lambda a, b: a * b + a, x), [X]),
    ("associative_scan_matmul_reverse",
     lambda x: ops.associative_scan(ops.matmul, ops.reshape(x, (3, 2, 2)), reverse=True),
     [X]),
    ("associative_scan_axis",
     lambda x: ops.associative_scan(lambda a, b: a + b, x, axis=-1, reverse=True), [X]),
    ("vectorize", lambda x, y: ops.vectorize(lambda a, b: a * ops.sin(b))(x, y[0]), [X, Y]),
    ("vectorize_signature",
     lambda x, y: ops.vectorize(lambda m, v: ops.matmul(m, v), signature="(n,k),(k)->(n)")(
         ops.reshape(x, (2, 2, 3)), y[0]), [X, Y]),
]


@pytest.mark.parametrize("name,fn,inputs", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradients_match_finite_differences(name, fn, inputs):
    testing.check_grad(fn, inputs)


@ops.custom_gradient
def _softplus(x):
    e = ops.exp(x)

    def grad(upstream):
        return upstream * (e / (1.0 + e))

    return ops.log1p(e), grad


@ops.custom_gradient
def _pair(a, b):
    def grad(*args, upstream):  # the PyTorch-style form: the inputs, then upstream=
        ga, gb = upstream
        return ga * args[1] + gb, ga * args[0] + gb * 2.0

    return (a * b, a + 2.0 * b), grad


def test_custom_gradient_matches_finite_differences():
    testing.check_grad(_softplus, [X])
    testing.check_grad(lambda a, b: _flat(*_pair(a, b)), [X, Y])
    testing.assert_close(_softplus(X), np.log1p(np.exp(X)))


def test_custom_gradient_runs_grad_fn_once_for_several_outputs():
    calls = []

    @ops.custom_gradient
    def three(x):
        def grad(upstream):
            calls.append(len(upstream))
            return upstream[0] + upstream[1] + upstream[2]

        return (x, x * 2.0, ops.sum(x)), grad

    x = Tensor(X, requires_grad=True)
    with GradientTape() as tape:
        a, b, c = three(x)
        loss = ops.sum(a) + ops.sum(b) * 3.0 + c
    (g,) = tape.gradient(loss, [x])
    assert calls == [3]
    testing.assert_close(g, np.full_like(X, 5.0))


def test_custom_gradient_sums_over_a_tensor_passed_twice():
    x = Tensor(X, requires_grad=True)
    with GradientTape() as tape:
        a, b = _pair(x, x)
        loss = ops.sum(a) + ops.sum(b)
    (g,) = tape.gradient(loss, [x])
    testing.assert_close(g, 2.0 * X + 3.0)


def test_custom_gradient_without_recording_returns_plain_outputs():
    y = _softplus(Tensor(X))
    assert not y.requires_grad


def test_stop_gradient_in_tape():
    w = Variable(np.array([1.0, 2.0]), dtype="float64")
    with GradientTape() as tape:
        loss = ops.sum(w * ops.stop_gradient(w))
    testing.assert_close(tape.gradient(loss, [w])[0], [1.0, 2.0])


def test_jvp_matches_finite_differences():
    def fun(a, b):
        return {"p": ops.sin(a) * b, "q": ops.matmul(a, ops.transpose(b))}

    ta, tb = testing.randn(X.shape, seed=5), testing.randn(Y.shape, seed=6)
    out, tangent = ops.jvp(fun, (X, Y), (ta, tb))
    eps = 1e-6
    up, down = fun(X + eps * ta, Y + eps * tb), fun(X - eps * ta, Y - eps * tb)
    for key in ("p", "q"):
        numeric = (up[key].numpy() - down[key].numpy()) / (2 * eps)
        testing.assert_close(tangent[key], numeric, rtol=1e-6, atol=1e-8)
        testing.assert_close(out[key], fun(X, Y)[key])
    assert keras.ops.linalg.jvp is keras.ops.jvp


# -- through a GradientTape with Variables -------------------------------------------------

def test_gradients_reach_variables_through_loops_and_branches():
    w = Variable(np.array([0.5, -1.0]), dtype="float64")
    xs = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    with GradientTape() as tape:
        carry, _ = ops.scan(lambda c, x: (c * w + x, c), ops.zeros(2, "float64"), xs)
        y = ops.cond(ops.sum(carry) > 0, lambda: carry * w, lambda: carry - w)
        n, z = ops.while_loop(lambda i, z: i < 2, lambda i, z: (i + 1, z * w), (0, y))
        loss = ops.sum(z)
    (g,) = tape.gradient(loss, [w])
    eps, base = 1e-6, w.numpy()

    def value(v):
        c = np.zeros(2)
        for x in xs:
            c = c * v + x
        y = c * v if c.sum() > 0 else c - v
        return (y * v * v).sum()

    numeric = [(value(base + eps * e) - value(base - eps * e)) / (2 * eps) for e in np.eye(2)]
    testing.assert_close(g, numeric, rtol=1e-6)
    assert int(n) == 2


def test_persistent_tape_gives_the_same_loop_gradient_twice():
    xs = Tensor(X, requires_grad=True)
    with GradientTape(persistent=True) as tape:
        _, ys = ops.scan(lambda c, x: (c * x, c + x), ops.ones(3, "float64"), xs)
        loss = ops.sum(ys * ys)
    first, second = tape.gradient(loss, [xs])[0], tape.gradient(loss, [xs])[0]
    testing.assert_close(first, second, rtol=0, atol=0)


# -- Keras semantics -----------------------------------------------------------------------

def test_structures_and_dtypes_follow_keras():
    assert ops.while_loop(lambda i: i < 10, lambda i: i + 1, 0).dtype == "int32"
    out = ops.while_loop(lambda x, y: x < 10, lambda x, y: (x + 1, y + 1), [0, 1])
    assert isinstance(out, tuple) and [int(v) for v in out] == [10, 11]
    out = ops.while_loop(lambda d: d["a"] < 3, lambda d: {"a": d["a"] + 1}, {"a": 0},
                         maximum_iterations=2)
    assert int(out["a"]) == 2
    assert ops.fori_loop(0, 5, lambda i, s: s + i, 0.5).dtype == "float32"
    carry, ys = ops.scan(lambda c, x: (c + 1, None), 0, length=3)
    assert int(carry) == 3 and ys is None
    carry, ys = ops.scan(lambda c, x: (c, x * 2.0), np.float32(0.0),
                         np.zeros((0, 2), "float32"))
    assert ys.shape == (0, 2)
    assert float(ops.switch(7, [lambda x: x + 1, lambda x: x - 1], 2.0)) == 1.0
    assert ops.cond(True, lambda: 1.0, lambda: 2.0).dtype == "float32"
    np.testing.assert_array_equal(
        ops.associative_scan(lambda a, b: a + b, np.arange(5, dtype="int32"), reverse=True),
        [10, 10, 9, 7, 4])
    np.testing.assert_array_equal(ops.vectorize(lambda a, b: a + b)(np.arange(4), 2),
                                  [2, 3, 4, 5])


def test_control_flow_spoils_a_replay_recording():
    x = np.ones(2, "float32")
    with Recorder([x]) as recorder:
        ops.cond(True, lambda: Tensor(x) * 2.0, lambda: Tensor(x))
    assert recorder.failure is not None and "cond" in recorder.failure


# -- errors --------------------------------------------------------------------------------

ERRORS = [
    (lambda: ops.cond(np.array([True, False]), lambda: 1, lambda: 2), ValueError, "cond.*pred"),
    (lambda: ops.cond(True, 1, lambda: 2), TypeError, "cond.*true_fn"),
    (lambda: ops.switch(0, [], 1.0), ValueError, "switch.*branches"),
    (lambda: ops.switch(1.5, [lambda x: x], 1.0), TypeError, "switch.*index"),
    (lambda: ops.while_loop(lambda i: i < 3, lambda i: (i, i), 0), ValueError,
     "while_loop.*body.*structure"),
    (lambda: ops.while_loop(lambda s: ops.sum(s) < 9, lambda s: ops.concatenate([s, s]),
                            np.ones(2)), ValueError, "while_loop.*shapes"),
    (lambda: ops.while_loop(lambda i: i < 3, lambda i: i + 0.5, 0), TypeError,
     "while_loop.*dtypes"),
    (lambda: ops.while_loop(lambda i, j: i < 3, lambda i, j: i, (0, 1)), ValueError,
     "while_loop.*tuple"),
    (lambda: ops.while_loop(lambda i: i < 3, lambda i: i + 1, 0, maximum_iterations=2.5),
     TypeError, "maximum_iterations"),
    (lambda: ops.fori_loop(0.0, 3, lambda i, s: s, 0), TypeError, "fori_loop.*lower"),
    (lambda: ops.scan(lambda c, x: c, 0.0, np.ones(3)), ValueError, "scan.*pair"),
    (lambda: ops.scan(lambda c, x: (c, x), 0.0, (np.ones(3), np.ones(4))), ValueError,
     "scan.*leading axis"),
    (lambda: ops.scan(lambda c, x: (c, x), 0.0), ValueError, "scan.*length"),
    (lambda: ops.scan(lambda c, x: (c, x), 0.0, np.ones(3), length=4), ValueError,
     "scan.*length"),
    (lambda: ops.scan(lambda c, x: (c, x), 0.0, np.ones(3), unroll=0), ValueError,
     "scan.*unroll"),
    (lambda: ops.map(lambda x: x, np.float32(1.0)), ValueError, "map.*leading axis"),
    (lambda: ops.map(lambda x: ops.reshape(x, (-1,))[: int(x[0]) + 1],
                     np.array([[0.0, 1.0], [1.0, 0.0]])), ValueError, "map.*same shape"),
    (lambda: ops.associative_scan(lambda a, b: a + b, np.ones((2, 3)), axis=2), ValueError,
     "associative_scan.*axis"),
    (lambda: ops.vectorize(lambda a: a, signature="(n)->")(np.ones(2)), ValueError,
     "vectorize.*signature"),
    (lambda: ops.vectorize(lambda a, b: a, signature="(n),(n)->()")(np.ones(2), np.ones(3)),
     ValueError, "vectorize.*'n'"),
    (lambda: ops.custom_gradient(lambda x: x * 2.0)(Tensor(X, requires_grad=True)),
     TypeError, "custom_gradient.*pair"),
    (lambda: ops.jvp(ops.sin, X, X), TypeError, "jvp.*tuples"),
    (lambda: ops.jvp(ops.sin, (X,), (X[0],)), ValueError, "jvp.*shapes"),
]


@pytest.mark.parametrize("call,error,match", ERRORS)
def test_bad_input_names_the_op(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_custom_gradient_wrong_gradient_count():
    @ops.custom_gradient
    def f(a, b):
        return a * b, lambda upstream: upstream

    a, b = Tensor(X, requires_grad=True), Tensor(Y)
    with GradientTape() as tape:
        loss = ops.sum(f(a, b))
    with pytest.raises(ValueError, match="custom_gradient.*1 gradients for 2"):
        tape.gradient(loss, [a])


# -- inside layers of a Functional model ---------------------------------------------------

class GatedScan(layers.Layer):
    """A running, gated sum over time with ops.scan, and ops.cond choosing the gate."""

    def build(self, input_shape):
        self.gate = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="gate")
        self.bias = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="bias")

    def call(self, inputs):
        gate = ops.cond(ops.sum(ops.abs(self.gate)) > 0,
                        lambda: ops.sigmoid(self.gate), lambda: ops.zeros_like(self.gate))
        steps = ops.transpose(inputs, (1, 0, 2))  # time first, for scan

        def step(carry, x):
            carry = carry * gate + x + self.bias
            return carry, ops.tanh(carry)

        init = ops.zeros_like(steps[0])
        last, seq = ops.scan(step, init, steps)
        n, last = ops.while_loop(lambda i, h: i < 2, lambda i, h: (i + 1, h * 0.5 + 0.1),
                                 (0, last))
        return last + ops.mean(seq, axis=0)


def test_layer_with_cond_scan_and_while_trains_in_functional_model():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 5, 3)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None].astype("float32") * 0.1
    inp = keras.Input((5, 3))
    out = layers.Dense(1)(GatedScan()(inp))
    model = keras.Model(inp, out)
    assert model.output_shape == (None, 1)
    model.compile(keras.optimizers.Adam(0.05), "mse")
    before = model.evaluate(x, y, verbose=0)
    history = model.fit(x, y, epochs=8, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < before
    assert model.predict(x[:4], verbose=0).shape == (4, 1)
    gate = model.layers[1].gate.numpy()
    assert not np.allclose(gate, 1.0)  # the gradient reached the weight inside cond and scan


def test_keras_ops_on_symbolic_tensors():
    inp = keras.Input((4, 2))
    cum = keras.ops.associative_scan(lambda a, b: a + b, inp, axis=1)
    doubled = keras.ops.map(lambda r: r * 2.0, cum)
    last, seq = keras.ops.scan(lambda c, x: (c + x, c * x), keras.ops.zeros_like(inp[:, 0]),
                               keras.ops.transpose(inp, (1, 0, 2)))
    model = keras.Model(inp, [layers.Flatten()(doubled), last, seq])
    assert [tuple(t.shape) for t in model.outputs] == [(None, 8), (None, 2), (4, None, 2)]
    x = np.arange(16, dtype="float32").reshape(2, 4, 2)
    flat, got_last, got_seq = model(x)
    np.testing.assert_allclose(flat.numpy(), 2.0 * np.cumsum(x, axis=1).reshape(2, 8))
    np.testing.assert_allclose(got_last.numpy(), x.sum(axis=1))
    carries = np.concatenate([np.zeros((2, 1, 2)), np.cumsum(x, axis=1)[:, :-1]], axis=1)
    np.testing.assert_allclose(got_seq.numpy(), (carries * x).transpose(1, 0, 2))
