"""The backward pass, GradientTape, grad(), Variables and Tensor operators."""

import numpy as np
import pytest

from numen import ops, testing
from numen.autodiff import (
    GradientTape,
    Tensor,
    Variable,
    enable_grad,
    grad,
    gradients,
    is_recording,
    no_grad,
)


def _model(w, v, x):
    h = ops.tanh(ops.matmul(x, w))
    h = h * ops.sigmoid(h) + h[:, :1] * v
    return ops.sum(ops.log_softmax(h) * h) + ops.mean(h * h)


def test_backward_is_bitwise_deterministic():
    x = testing.randn((8, 5), "float32")
    w = Variable(testing.randn((5, 6), "float32", seed=1))
    v = Variable(testing.randn((6,), "float32", seed=2))
    first = gradients(_model(w, v, x), [w, v])
    for _ in range(3):
        again = gradients(_model(w, v, x), [w, v])
        for a, b in zip(first, again):
            assert a.tobytes() == b.tobytes()


def test_tensor_used_twice_accumulates():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = ops.sum(x * x + ops.exp(x) + 3.0 * x)
    (g,) = gradients(y, [x])
    np.testing.assert_allclose(g, 2 * x.data + np.exp(x.data) + 3.0)
    # Diamond: the same intermediate feeds two branches that meet again.
    h = x * 2.0
    (g,) = gradients(ops.sum(h * h + h), [x])
    np.testing.assert_allclose(g, 8 * x.data + 2.0)


def test_unreached_and_constant_sources_give_none():
    x = Tensor(np.ones(3), requires_grad=True)
    z = Tensor(np.ones(3), requires_grad=True)
    c = Tensor(np.ones(3))
    gx, gz, gc = gradients(ops.sum(x * c), [x, z, c])
    np.testing.assert_allclose(gx, 1.0)
    assert gz is None and gc is None
    assert gradients(ops.sum(c * c), [x]) == [None]
    with pytest.raises(TypeError, match="Tensor"):
        gradients(np.ones(3), [x])


def test_gradients_match_source_dtype_and_are_writeable():
    w = Variable(np.ones((2, 3), "float32"))
    (g,) = gradients(ops.sum(w), [w])
    assert g.dtype == np.float32 and g.shape == (2, 3)
    g *= 2.0  # optimizers update gradients in place
    np.testing.assert_allclose(g, 2.0)


def test_seed_is_one_even_when_loss_is_infinite():
    x = Tensor(np.array([1.0, 1e308]), requires_grad=True)
    (g,) = gradients(x * 10.0, [x])
    np.testing.assert_allclose(g, [10.0, 10.0])


def test_no_grad_records_nothing():
    w = Variable(np.ones(3))
    assert is_recording()
    with no_grad():
        assert not is_recording()
        y = w * 2.0 + 1.0
        with enable_grad():
            z = w * 3.0
    assert is_recording()
    assert not y.requires_grad and y.inputs == () and y.backward is None
    assert z.requires_grad
    assert gradients(ops.sum(y), [w]) == [None]


def test_comparisons_carry_no_gradient():
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    for out in (x < 0, x <= 0, x > 0, x >= 0, x == 1.0, x != 1.0):
        assert not out.requires_grad and out.dtype == "bool"


def test_operators_with_python_scalars_keep_float32():
    x = Tensor(np.ones((2,), "float32"))
    results = [x + 1, 1 + x, x - 1.5, 1.5 - x, x * 2, 2.0 * x, x / 2, 2 / x, x**2, 2.0**x,
               -x, abs(x), x @ np.ones(2, "float32")]
    for y in results:
        assert y.dtype == "float32", y.dtype
    i = Tensor(np.array([1, 2]))
    assert (i + 1).dtype == "int64" and (i * 2.5).dtype == "float32"


def test_tensor_methods_record_gradients():
    x = testing.randn((2, 3))
    testing.check_grad(lambda t: t.T.reshape(3, 2).sum(axis=0) + t.mean(), [x])
    testing.check_grad(lambda t: (t.astype("float64") // 1.0) * 0 + t % 1.0 * 0 + t, [x])


# -- GradientTape --------------------------------------------------------------------------
def test_tape_watch_and_single_use():
    x = Tensor(np.array([3.0]))
    with GradientTape() as tape:
        tape.watch(x)
        y = x * x
    g = tape.gradient(y, x)
    assert isinstance(g, Tensor)
    np.testing.assert_allclose(g.numpy(), [6.0])
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(y, x)
    with pytest.raises(TypeError, match="watch"):
        GradientTape().watch(np.ones(2))


def test_tape_persistent_and_lists():
    w = Variable(np.array([1.0, 2.0]))
    with GradientTape(persistent=True) as tape:
        y = ops.sum(w * w)
        z = ops.sum(w * 3.0)
    (gy,) = tape.gradient(y, [w])
    (gz,) = tape.gradient(z, [w])
    np.testing.assert_allclose(gy.numpy(), [2.0, 4.0])
    np.testing.assert_allclose(gz.numpy(), [3.0, 3.0])
    # A list of targets: the gradients of their sum, as in TensorFlow.
    (gyz,) = tape.gradient([y, z], [w])
    np.testing.assert_allclose(gyz.numpy(), [5.0, 7.0])


def test_tape_dict_sources_on_a_non_persistent_tape():
    a, b = Variable(np.array([1.0])), Variable(np.array([2.0]))
    with GradientTape() as tape:
        y = a * b
    gs = tape.gradient(y, {"a": a, "b": b})
    assert list(gs) == ["a", "b"]
    np.testing.assert_allclose(gs["a"].numpy(), [2.0])
    np.testing.assert_allclose(gs["b"].numpy(), [1.0])


def test_tape_output_gradients_and_unconnected():
    w = Variable(np.array([1.0, 2.0]))
    other = Variable(np.array([0.0]))
    with GradientTape() as tape:
        y = w * 2.0
    gw, go = tape.gradient(y, [w, other], output_gradients=np.array([1.0, 10.0]))
    np.testing.assert_allclose(gw.numpy(), [2.0, 20.0])
    assert go is None


def test_tape_records_inside_no_grad():
    w = Variable(np.array([2.0]))
    with no_grad():
        with GradientTape() as tape:
            y = w * w
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), [4.0])


def test_tape_does_not_watch_variables_when_asked_not_to():
    w = Variable(np.array([2.0]))
    x = Tensor(np.array([5.0]))
    with GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(x)
        y = w * x
    gw, gx = tape.gradient(y, [w, x])
    assert gw is None
    np.testing.assert_allclose(gx.numpy(), [2.0])


# -- grad() ------------------------------------------------------------------------------
def test_grad_argnums():
    def f(a, b):
        return ops.sum(a * a * b)

    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    np.testing.assert_allclose(grad(f)(a, b).numpy(), 2 * a * b)
    np.testing.assert_allclose(grad(f, argnums=1)(a, b).numpy(), a * a)
    ga, gb = grad(f, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga.numpy(), 2 * a * b)
    np.testing.assert_allclose(gb.numpy(), a * a)
    assert grad(lambda x: ops.sum(x * x))(2.0).dtype == "float32"


# -- Variable ------------------------------------------------------------------------------
def test_variable_assign():
    v = Variable(np.zeros((2, 3)), name="kernel")
    assert v.dtype == "float32"
    v.assign(np.ones((2, 3)))
    np.testing.assert_allclose(v.numpy(), 1.0)
    buffer = v.data
    v.assign_add(np.ones((2, 3)))
    v.assign_sub(Tensor(np.full((2, 3), 0.5)))
    assert v.data is buffer  # always in place
    np.testing.assert_allclose(v.numpy(), 1.5)
    with pytest.raises(ValueError, match=r"kernel.*\(3, 2\).*\(2, 3\)"):
        v.assign(np.ones((3, 2)))
    with pytest.raises(ValueError, match="kernel"):
        v.assign_add(np.ones((3, 2)))
    assert not Variable(np.ones(2), trainable=False).requires_grad
