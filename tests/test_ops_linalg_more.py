"""Decompositions, inverses and solves: values against NumPy, float64 gradients, bad input."""

import numpy as np
import pytest

from numen import keras, ops, testing
from numen.autodiff import GradientTape


def _well(shape, seed=0):
    n = shape[-1]
    return testing.randn(shape, seed=seed) + n * np.eye(n)


def _spd(shape, seed=0):
    a = testing.randn(shape, seed=seed)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def _factor(n, seed=0):
    return np.tril(testing.randn((n, n), seed=seed), -1) + np.diag(np.linspace(1.0, 2.0, n))


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
def test_inv_det_slogdet(shape):
    x = _well(shape)
    testing.assert_close(ops.inv(x), np.linalg.inv(x))
    testing.assert_close(ops.det(x), np.linalg.det(x))
    sign, logabs = ops.slogdet(x)
    testing.assert_close(sign, np.linalg.slogdet(x)[0])
    testing.assert_close(logabs, np.linalg.slogdet(x)[1])
    testing.assert_close(ops.logdet(x), np.linalg.slogdet(x)[1])
    for fn in (ops.inv, ops.det, ops.logdet, lambda a: ops.slogdet(a)[1]):
        testing.check_grad(fn, [x])


def test_inv_of_singular_matrix_is_nan():
    assert np.isnan(ops.inv(np.zeros((2, 2))).numpy()).all()


@pytest.mark.parametrize("a_shape,b_shape", [((3, 3), (3,)), ((3, 3), (3, 2)),
                                             ((2, 3, 3), (3,)), ((2, 3, 3), (3, 2)),
                                             ((2, 3, 3), (1, 3, 2))])
def test_solve(a_shape, b_shape):
    a, b = _well(a_shape), testing.randn(b_shape, seed=1)
    expected = np.linalg.solve(a, b[..., None])[..., 0] if len(b_shape) == 1 else \
        np.linalg.solve(a, b)
    testing.assert_close(ops.solve(a, b), expected)
    testing.check_grad(ops.solve, [a, b])


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("a_shape,b_shape", [((3, 3), (3,)), ((3, 3), (3, 2)),
                                             ((2, 3, 3), (2, 3))])
def test_solve_triangular(lower, a_shape, b_shape):
    a, b = _well(a_shape), testing.randn(b_shape, seed=1)
    tri = np.tril(a) if lower else np.triu(a)
    vector = len(b_shape) == len(a_shape) - 1
    x = ops.solve_triangular(a, b, lower=lower).numpy()
    testing.assert_close(tri @ x[..., None] if vector else tri @ x,
                         b[..., None] if vector else b)
    testing.check_grad(lambda p, q: ops.solve_triangular(p, q, lower=lower), [a, b])


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(upper):
    x = _spd((3, 3))
    low = np.linalg.cholesky(x)
    testing.assert_close(ops.cholesky(x, upper=upper), low.T if upper else low)
    testing.check_grad(lambda a: ops.cholesky(a, upper=upper), [x])
    testing.check_grad(lambda a: ops.cholesky(a, upper=upper), [_spd((2, 3, 3), seed=3)])


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_inverse(upper):
    low = _factor(3)
    factor = np.ascontiguousarray(low.T) if upper else low
    testing.assert_close(ops.cholesky_inverse(factor, upper=upper), np.linalg.inv(low @ low.T))
    testing.check_grad(lambda a: ops.cholesky_inverse(a, upper=upper), [factor])


def test_eigh():
    x = testing.randn((3, 3))
    w, v = ops.eigh(x)
    sym = (x + x.T) / 2
    testing.assert_close(w, np.linalg.eigvalsh(sym))
    testing.assert_close(sym @ v.numpy(), v.numpy() * w.numpy())
    testing.check_grad(lambda a: ops.eigh(a)[0], [x])
    testing.check_grad(lambda a: ops.eigh(a)[1], [x])


def test_eig_is_complex_and_not_differentiated():
    x = np.triu(testing.randn((3, 3)), 1) + np.diag([1.0, 2.0, 3.0])
    w, v = ops.eig(x)
    assert w.dtype == "complex128" and v.dtype == "complex128"
    testing.assert_close(w, [1.0, 2.0, 3.0])
    assert ops.eig(x.astype("float32"))[0].dtype == "complex64"


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 4), (2, 4, 3)])
def test_qr(shape):
    x = testing.randn(shape)
    q, r = ops.qr(x)
    testing.assert_close(q.numpy() @ r.numpy(), x)
    testing.check_grad(lambda a: ops.qr(a)[0], [x])
    testing.check_grad(lambda a: ops.qr(a)[1], [x])


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 4), (2, 3, 4)])
def test_svd(shape):
    x = testing.randn(shape)
    u, s, vt = ops.svd(x, full_matrices=False)
    testing.assert_close((u.numpy() * s.numpy()[..., None, :]) @ vt.numpy(), x)
    testing.assert_close(ops.svd(x, compute_uv=False), np.linalg.svd(x, compute_uv=False))
    for i in range(3):
        testing.check_grad(lambda a, i=i: ops.svd(a, full_matrices=False)[i], [x])
    testing.check_grad(lambda a: ops.svd(a, compute_uv=False), [x])


def test_svd_full_matrices_gradient_needs_square_input():
    x = ops.convert_to_tensor(testing.randn((4, 2)))
    with GradientTape() as tape:
        tape.watch(x)
        u = ops.svd(x)[0]
        total = ops.sum(u)
    with pytest.raises(ValueError, match="svd: gradients of U and V\\^T need full_matrices"):
        tape.gradient(total, x)


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)])
def test_pinv(shape):
    x = testing.randn(shape)
    testing.assert_close(ops.pinv(x), np.linalg.pinv(x))
    testing.check_grad(ops.pinv, [x])


def test_lstsq():
    a, b = testing.randn((5, 3)), testing.randn((5, 2), seed=1)
    testing.assert_close(ops.lstsq(a, b), np.linalg.lstsq(a, b, rcond=None)[0])
    testing.check_grad(ops.lstsq, [a, b])
    testing.check_grad(ops.lstsq, [a, b[:, 0]])


def test_matrix_rank():
    x = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert ops.matrix_rank(x).numpy() == 1 and ops.matrix_rank(x).dtype == "int32"
    assert ops.matrix_rank(np.diag([3.0, 0.1]), tol=0.5).numpy() == 1
    assert ops.matrix_rank(np.stack([np.eye(3), np.zeros((3, 3))])).numpy().tolist() == [3, 0]


@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (5, 3), (2, 3, 3)])
def test_lu_factor_rebuilds_the_matrix(shape):
    x = testing.randn(shape)
    lu, piv = ops.lu_factor(x)
    lu, piv = lu.numpy().reshape((-1,) + shape[-2:]), piv.numpy().reshape(-1, min(shape[-2:]))
    m, n = shape[-2:]
    k = min(m, n)
    for one, p, a in zip(lu, piv, x.reshape((-1, m, n))):
        low = np.tril(one, -1)[:, :k] + np.eye(m, k)
        rows = np.arange(m)
        for i, j in enumerate(p):
            rows[[i, j]] = rows[[j, i]]
        testing.assert_close(low @ np.triu(one)[:k], a[rows])
    assert piv.dtype == np.int32
    testing.check_grad(lambda a: ops.lu_factor(a)[0], [x])


def test_integer_input_is_computed_in_floatx():
    x = np.array([[2, 1], [1, 3]], dtype="int32")
    for fn in (ops.inv, ops.det, ops.cholesky, ops.pinv, lambda a: ops.qr(a)[0],
               lambda a: ops.eigh(a)[0], lambda a: ops.svd(a)[1]):
        assert fn(x).dtype == "float32"


@pytest.mark.parametrize("fn", [ops.inv, ops.det, ops.slogdet, ops.cholesky, ops.eigh, ops.eig])
def test_square_ops_reject_non_square(fn):
    name = fn.__name__
    with pytest.raises(ValueError, match=f"{name}: expected square matrices"):
        fn(np.ones((2, 3)))
    with pytest.raises(ValueError, match=f"{name}: expected a matrix or a stack"):
        fn(np.ones(3))


def test_bad_arguments_name_the_op():
    with pytest.raises(ValueError, match="cholesky: decomposition failed"):
        ops.cholesky(np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match="qr: mode must be"):
        ops.qr(np.eye(2), mode="r")
    with pytest.raises(ValueError, match="solve: .* expected b.shape\\[-2\\] == 3"):
        ops.solve(np.eye(3), np.ones((2, 2)))
    with pytest.raises(ValueError, match="solve: b must have rank >= 1"):
        ops.solve(np.eye(3), 1.0)
    with pytest.raises(ValueError, match="lstsq: b must have shape"):
        ops.lstsq(np.ones((3, 2)), np.ones(4))
    with pytest.raises(ValueError, match="lstsq: a must be a matrix"):
        ops.lstsq(np.ones((2, 3, 2)), np.ones(3))


def test_norm_matrix_orders_and_errors():
    x = testing.randn((3, 4, 2))
    for ord_ in (None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf):
        testing.assert_close(ops.norm(x, ord_, (2, 0), True), np.linalg.norm(x, ord_, (2, 0),
                                                                             True))
        testing.check_grad(lambda a, o=ord_: ops.norm(a, o, (0, 1)), [x])
    for ord_ in (None, 0, 1, 3, 0.5, -1, np.inf):
        testing.assert_close(ops.norm(x, ord_, -1), np.linalg.norm(x, ord_, -1))
    assert ops.norm(np.arange(4)).dtype == "float32"
    with pytest.raises(ValueError, match="norm: ord 'nuc' is not a vector norm"):
        ops.norm(x, "nuc", axis=0)
    with pytest.raises(ValueError, match="norm: with ord=2 and axis=None"):
        ops.norm(x, 2)
    with pytest.raises(ValueError, match="norm: axis must be"):
        ops.norm(x, axis=(0, 0))


def test_keras_linalg_view_and_symbolic_shapes():
    assert keras.ops.linalg.svd is keras.ops.svd
    x = keras.Input((4, 4))
    u, s, vt = keras.ops.svd(x)
    assert s.shape == (None, 4) and keras.ops.inv(x).shape == (None, 4, 4)
    assert keras.ops.matrix_rank(x).dtype == "int32"
