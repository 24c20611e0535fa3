"""Linear algebra and neural-network ops: values against NumPy/PyTorch, float64 gradients,
and finiteness at extreme logits."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from numen import ops, testing
from numen.autodiff import Tensor, gradients

# -- linear algebra ---------------------------------------------------------------------------
MATMUL_SHAPES = [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                 ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (2, 4, 3))]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul(sa, sb):
    a, b = testing.randn(sa, seed=1), testing.randn(sb, seed=2)
    testing.assert_close(ops.matmul(a, b), np.matmul(a, b), rtol=1e-12)
    testing.check_grad(ops.matmul, [a, b])


def test_dot_and_errors():
    a, b = testing.randn((3, 4)), testing.randn((4, 2), seed=2)
    testing.assert_close(ops.dot(a, b), a @ b)
    testing.check_grad(ops.dot, [a, b])
    with pytest.raises(ValueError, match="matmul"):
        ops.matmul(a, a)


@pytest.mark.parametrize("xshape", [(5, 3), (2, 4, 3), (3,)])
@pytest.mark.parametrize("bias", [True, False])
def test_dense(xshape, bias):
    x, w, b = testing.randn(xshape), testing.randn((3, 2), seed=2), testing.randn((2,), seed=3)
    args = [x, w, b] if bias else [x, w]
    testing.assert_close(ops.dense(*args), x @ w + (b if bias else 0), rtol=1e-12)
    testing.check_grad(ops.dense, args)
    with pytest.raises(ValueError, match="dense"):
        ops.dense(x, testing.randn((4, 2)))


@pytest.mark.parametrize("xshape", [(5, 3), (2, 4, 3)])
def test_dense_with_fused_relu(xshape):
    x, w, b = testing.randn(xshape), testing.randn((3, 2), seed=2), testing.randn((2,), seed=3)
    testing.assert_close(ops.dense(x, w, b, relu=True), np.maximum(x @ w + b, 0), rtol=1e-12)
    testing.check_grad(lambda *a: ops.dense(*a, relu=True), [x, w, b])


EINSUMS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij->i", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("ij->", [(3, 4)]),
    ("ij->ji", [(3, 4)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ij,kj->ik", [(2, 3), (4, 3)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bi,bj->b", [(2, 3), (2, 4)]),
    ("i,j,k->ijk", [(2,), (3,), (4,)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("b...,b->...", [(2, 3, 4), (2,)]),
    ("ij,j->i", [(3, 4), (1,)]),
]


@pytest.mark.parametrize("spec,shapes", EINSUMS, ids=[e[0] for e in EINSUMS])
def test_einsum(spec, shapes):
    xs = [testing.randn(s, seed=i) for i, s in enumerate(shapes)]
    testing.assert_close(ops.einsum(spec, *xs), np.einsum(spec, *xs), rtol=1e-12)
    testing.check_grad(lambda *ts: ops.einsum(spec, *ts), xs)


def test_outer_tensordot_norm():
    a, b = testing.randn((3,)), testing.randn((2, 2), seed=2)
    testing.assert_close(ops.outer(a, b), np.outer(a, b))
    testing.check_grad(ops.outer, [a, b])
    x, y = testing.randn((2, 3, 4)), testing.randn((4, 3, 5), seed=3)
    for axes in (1, [[1, 2], [1, 0]], ([-1], [0])):
        yy = y if axes != 1 else testing.randn((4, 5), seed=4)
        testing.assert_close(ops.tensordot(x, yy, axes), np.tensordot(x, yy, axes), rtol=1e-12)
        testing.check_grad(lambda u, v, ax=axes: ops.tensordot(u, v, ax), [x, yy])
    for order, axis in [(None, None), (None, -1), (1, 0), (np.inf, 1), (-np.inf, -1), (3, 1),
                        ("fro", (0, 1))]:
        m = testing.randn((3, 4), seed=5)
        expected = np.linalg.norm(m, ord=order, axis=axis)
        testing.assert_close(ops.norm(m, ord=order, axis=axis), expected, rtol=1e-12)
        testing.check_grad(lambda t, o=order, a=axis: ops.norm(t, ord=o, axis=a), [m])
    testing.assert_close(ops.norm(m, axis=1, keepdims=True),
                         np.linalg.norm(m, axis=1, keepdims=True))


# -- softmax family and cross-entropies ----------------------------------------------------
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_log_softmax(axis):
    x = testing.randn((3, 4, 2), seed=3)
    xt = torch.tensor(x)
    testing.assert_close(ops.softmax(x, axis), torch.softmax(xt, axis).numpy(), rtol=1e-12)
    testing.assert_close(ops.log_softmax(x, axis), torch.log_softmax(xt, axis).numpy(),
                         rtol=1e-12)
    testing.check_grad(lambda t: ops.softmax(t, axis), [x])
    testing.check_grad(lambda t: ops.log_softmax(t, axis), [x])


@pytest.mark.parametrize("axis", [-1, 1])
def test_sparse_softmax_cross_entropy(axis):
    logits = testing.randn((4, 5, 3), seed=4)
    labels = np.random.default_rng(0).integers(0, logits.shape[axis], size=(4, 3) if axis == 1
                                               else (4, 5))
    ref = F.cross_entropy(torch.tensor(np.moveaxis(logits, axis, 1)), torch.tensor(labels),
                          reduction="none")
    testing.assert_close(ops.sparse_softmax_cross_entropy(labels, logits, axis=axis),
                         ref.numpy(), rtol=1e-12)
    testing.check_grad(lambda z: ops.sparse_softmax_cross_entropy(labels, z, axis=axis),
                       [logits])


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_cross_entropy(axis):
    logits = testing.randn((4, 3), seed=5)
    labels = ops.softmax(testing.randn((4, 3), seed=6), axis).data
    logp = torch.log_softmax(torch.tensor(logits), axis).numpy()
    testing.assert_close(ops.softmax_cross_entropy(labels, logits, axis=axis),
                         -(labels * logp).sum(axis), rtol=1e-12)
    testing.check_grad(lambda t, z: ops.softmax_cross_entropy(t, z, axis=axis), [labels, logits])


@pytest.mark.parametrize("label_shape", [(3, 4), (4,)])
def test_sigmoid_cross_entropy(label_shape):
    logits = testing.randn((3, 4), seed=7)
    labels = testing.randn(label_shape, low=0.0, high=1.0, seed=8)
    ref = F.binary_cross_entropy_with_logits(
        torch.tensor(logits), torch.tensor(np.broadcast_to(labels, logits.shape)),
        reduction="none")
    testing.assert_close(ops.sigmoid_cross_entropy(labels, logits), ref.numpy(), rtol=1e-12)
    testing.check_grad(ops.sigmoid_cross_entropy, [labels, logits])


@pytest.mark.parametrize("order", [2, 1, 3])
@pytest.mark.parametrize("axis", [-1, 0])
def test_normalize(order, axis):
    x = testing.randn((3, 4), seed=9)
    expected = x / np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    testing.assert_close(ops.normalize(x, axis=axis, order=order), expected, rtol=1e-12)
    testing.check_grad(lambda t: ops.normalize(t, axis=axis, order=order), [x])
    assert np.all(np.isfinite(ops.normalize(np.zeros((2, 3)), order=order).data))


def test_one_hot():
    out = ops.one_hot(np.array([[0, 2], [1, 1]]), 3)
    assert out.dtype == "float32" and out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out.data.argmax(-1), [[0, 2], [1, 1]])


# -- numerical robustness ------------------------------------------------------------------
BIG = np.array([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4]])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_extreme_logits_stay_finite(dtype):
    z = Tensor(BIG.astype(dtype), requires_grad=True)
    labels = np.array([0, 2])
    one_hot = ops.one_hot(labels, 3, dtype=dtype).data
    targets = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]], dtype)
    outputs = {
        "sigmoid": ops.sigmoid(z), "softplus": ops.softplus(z), "log_sigmoid": ops.log_sigmoid(z),
        "log_softmax": ops.log_softmax(z), "softmax": ops.softmax(z),
        "sparse_xent": ops.sparse_softmax_cross_entropy(labels, z),
        "xent": ops.softmax_cross_entropy(one_hot, z),
        "sigmoid_xent": ops.sigmoid_cross_entropy(targets, z),
        "logsumexp": ops.logsumexp(z, axis=-1), "silu": ops.silu(z), "mish": ops.mish(z),
        "elu": ops.elu(z), "gelu": ops.gelu(z), "gelu_exact": ops.gelu(z, approximate=False),
    }
    for name, out in outputs.items():
        assert np.all(np.isfinite(out.data)), name
        assert out.dtype == dtype, (name, out.dtype)
        (g,) = gradients(out, [z])
        assert np.all(np.isfinite(g)), name
    testing.assert_close(outputs["sparse_xent"], [2e4, 2e4 + np.log(2.0)], rtol=1e-6)
    testing.assert_close(outputs["sigmoid_xent"], [[1e4, np.log(2.0), 0.0], [1e4, 0.0, 0.0]],
                         rtol=1e-6, atol=1e-6)
    testing.assert_close(outputs["softplus"], np.logaddexp(BIG, 0), rtol=1e-6)


ELEMENTWISE = ["relu", "relu6", "leaky_relu", "elu", "selu", "sigmoid", "hard_sigmoid",
               "hard_silu", "hard_swish", "silu", "swish", "softplus", "softsign", "mish",
               "gelu", "exponential", "linear", "log_sigmoid", "hard_tanh", "celu", "glu",
               "hard_shrink", "soft_shrink", "tanh_shrink", "squareplus", "sparse_plus",
               "sparse_sigmoid", "sparsemax"]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_nn_activation_op_gradients(name):
    # Points stay away from the kinks at 0, +-0.5, +-1, +-3 and 6.
    x = np.array([[-4.2, -2.2, -0.8, -0.3, 0.2, 0.7, 1.6, 4.4],
                  [-5.5, -1.3, -0.6, -0.1, 0.4, 0.8, 2.4, 7.1]])
    fn = getattr(ops, name)
    testing.check_grad(fn, [x])
    if name == "gelu":
        testing.check_grad(lambda t: ops.gelu(t, approximate=False), [x])
    if name == "sparsemax":
        testing.check_grad(lambda t: ops.sparsemax(t, axis=0), [x])
        testing.assert_close(ops.sum(ops.sparsemax(x), axis=-1), [1.0, 1.0])
