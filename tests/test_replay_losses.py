"""The common losses as replay kernels (losses/kernels.py): fits with them replay whole and
bit for bit like eager fits, their gradients pass numerical checks and agree with PyTorch in
float32 and float64, and the cases they do not cover keep working eagerly."""

import numpy as np
import pytest

from numen import backend, keras, losses, testing

torch = pytest.importorskip("torch")
F = torch.nn.functional

EPS = 1e-7


def _data(kind, n=160, d=6, k=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, d)).astype(backend.floatx())
    labels = rng.integers(0, k, n)
    y = {"sparse": labels, "onehot": np.eye(k, dtype=backend.floatx())[labels],
         "binary": rng.integers(0, 2, (n, k)).astype(backend.floatx()),
         "binary_int": rng.integers(0, 2, (n, k)),
         "binary_column": rng.integers(0, 2, n).astype(backend.floatx()),
         "real": rng.standard_normal((n, k)).astype(backend.floatx())}[kind]
    return x, y


CASES = [  # (loss, output activation, targets)
    ("mse", None, "real"),
    ("mae", None, "real"),
    (keras.losses.MeanSquaredError(), None, "binary_column"),  # (n,) targets, (n, 1) outputs
    ("binary_crossentropy", "sigmoid", "binary"),
    ("binary_crossentropy", "sigmoid", "binary_int"),  # cast inside the kernel
    (keras.losses.BinaryCrossentropy(label_smoothing=0.1), "sigmoid", "binary"),
    (keras.losses.BinaryCrossentropy(from_logits=True), None, "binary"),
    ("categorical_crossentropy", "softmax", "onehot"),
    (keras.losses.CategoricalCrossentropy(label_smoothing=0.2), "softmax", "onehot"),
    ("sparse_categorical_crossentropy", "softmax", "sparse"),
]


def _fit(loss, activation, kind, jit_compile):
    keras.utils.set_random_seed(4)
    x, y = _data(kind)
    units = 1 if kind == "binary_column" else 3
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(units, activation=activation)])
    model.compile(optimizer="adam", loss=loss, jit_compile=jit_compile)
    history = model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    return model, history.history


@pytest.mark.parametrize("floatx", ["float32", "float64"])
@pytest.mark.parametrize("loss, activation, kind", CASES)
def test_fits_with_the_common_losses_replay_whole_and_bit_for_bit(loss, activation, kind,
                                                                  floatx):
    backend.set_floatx(floatx)
    replayed, h1 = _fit(loss, activation, kind, "auto")
    eager, h2 = _fit(loss, activation, kind, False)
    step = replayed._recorded_step
    assert step.replays > 0
    assert all(with_loss for _, with_loss, _ in step.entries.values())
    assert h1 == h2
    for p, q in zip(replayed.get_weights(), eager.get_weights()):
        np.testing.assert_array_equal(p, q)


def _probs(shape, seed):
    p = np.random.default_rng(seed).random(shape) + 0.05
    return p / p.sum(-1, keepdims=True)


@pytest.mark.parametrize("fn, targets, preds", [
    (losses.mean_squared_error, "real", "real"),
    (losses.mean_absolute_error, "real", "real"),
    (lambda t, p: losses.binary_crossentropy(t, p, label_smoothing=0.1), "prob", "prob"),
    (lambda t, p: losses.binary_crossentropy(t, p, from_logits=True), "prob", "real"),
    (lambda t, p: losses.categorical_crossentropy(t, p, label_smoothing=0.1), "prob", "prob"),
    (lambda t, p: losses.categorical_crossentropy(t, p, axis=0), "prob", "prob"),
])
def test_loss_kernel_gradients_reach_both_sides(fn, targets, preds):
    rng = np.random.default_rng(0)
    make = {"real": lambda: rng.standard_normal((4, 3)), "prob": lambda: _probs((4, 3), 1)}
    t, p = make[targets](), make[preds]()
    if fn is losses.mean_absolute_error:
        p = t + np.where(rng.random(t.shape) < 0.5, -0.5, 0.5)  # away from the kink
    testing.check_grad(fn, [t, p])


def test_sparse_loss_kernel_gradient():
    labels = np.array([0, 2, 1, 2])
    testing.check_grad(lambda p: losses.sparse_categorical_crossentropy(labels, p),
                       [_probs((4, 3), 2)])


def _torch_losses(t, p):
    """Per-sample losses in PyTorch (probabilities kept inside the clip range)."""
    return {
        "mse": F.mse_loss(p, t, reduction="none").mean(-1),
        "mae": F.l1_loss(p, t, reduction="none").mean(-1),
        "bce": F.binary_cross_entropy(p, t, reduction="none").mean(-1),
        "bce_logits": F.binary_cross_entropy_with_logits(p, t, reduction="none").mean(-1),
        "cce": -(t * torch.log(p / p.sum(-1, keepdim=True))).sum(-1),
        "sparse": F.nll_loss(torch.log(p / p.sum(-1, keepdim=True)), t.argmax(-1),
                             reduction="none"),
    }


NUMEN = {
    "mse": losses.mean_squared_error, "mae": losses.mean_absolute_error,
    "bce": losses.binary_crossentropy,
    "bce_logits": lambda t, p: losses.binary_crossentropy(t, p, from_logits=True),
    "cce": losses.categorical_crossentropy,
    "sparse": lambda t, p: losses.sparse_categorical_crossentropy(t.data.argmax(-1), p),
}


@pytest.mark.parametrize("dtype, tol", [("float32", 1e-5), ("float64", 1e-12)])
@pytest.mark.parametrize("name", list(NUMEN))
def test_loss_kernels_match_torch(name, dtype, tol):
    from numen.autodiff import Tensor, gradients

    t = np.eye(3)[[0, 2, 1, 1, 0]].astype(dtype)
    p = _probs((5, 3), 3).astype(dtype)
    seed = np.random.default_rng(4).standard_normal(5).astype(dtype)
    tp = torch.tensor(p, requires_grad=True)
    expected = _torch_losses(torch.tensor(t), tp)[name]
    expected.backward(torch.tensor(seed))
    pn = Tensor(p, requires_grad=True)
    got = NUMEN[name](Tensor(t), pn)
    (grad,) = gradients(got, [pn], output_gradient=seed)
    assert got.data.dtype == np.dtype(dtype) and grad.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got.data, expected.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(grad, tp.grad.numpy(), rtol=tol * 10, atol=tol * 10)


def test_clipped_probabilities_get_no_gradient():
    from numen.autodiff import Tensor, gradients

    p = Tensor(np.array([[0.0, 1.0, 0.5]]), requires_grad=True)
    out = losses.binary_crossentropy(np.array([[1.0, 0.0, 1.0]]), p)
    (g,) = gradients(out, [p])
    assert g[0, 0] == 0 and g[0, 1] == 0 and g[0, 2] != 0
    assert np.isfinite(out.data).all()


@pytest.mark.parametrize("loss", [
    keras.losses.SparseCategoricalCrossentropy(ignore_class=1),
    keras.losses.Huber(),
])
def test_losses_without_a_kernel_replay_the_model_and_keep_an_eager_loss(loss):
    replayed, h1 = _fit(loss, "softmax", "sparse" if "Sparse" in type(loss).__name__
                        else "onehot", "auto")
    eager, h2 = _fit(loss, "softmax", "sparse" if "Sparse" in type(loss).__name__
                     else "onehot", False)
    assert replayed._recorded_step.replays > 0
    assert not any(w for _, w, _ in replayed._recorded_step.entries.values())
    assert h1 == h2
