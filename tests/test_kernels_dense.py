"""The compiled ReLU gradient and bias sum of the dense kernel (numen.kernels.dense): the same
gradients as the NumPy path, non-finite upstream gradients included. Skipped without Numba."""

import numpy as np
import pytest

from numen import ops
from numen.autodiff import Tensor, Variable, enable_grad, gradients
from numen.kernels import dense as compiled

pytest.importorskip("numba")


def _grads(monkeypatch, path, x, w, b, gy):
    monkeypatch.setenv("NUMEN_KERNELS", path)
    xt = Tensor(x, requires_grad=True)
    with enable_grad():
        y = ops.dense(xt, w, b, relu=True)
        return y.data, gradients(y, [xt, w, b], gy)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(32, 12, 9), (1, 5, 3), (2, 3, 4, 6)])
def test_compiled_relu_backward_matches_numpy(monkeypatch, dtype, shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape[:-2] + (shape[-2],)).astype(dtype)
    w = Variable(rng.standard_normal(shape[-2:]), dtype=np.dtype(dtype).name)
    b = Variable(rng.standard_normal(shape[-1]), dtype=np.dtype(dtype).name)
    gy = rng.standard_normal(shape[:-2] + (shape[-1],)).astype(dtype)
    gy.reshape(-1)[:3] = [np.nan, np.inf, -np.inf]  # pass as gy * 1 or gy * 0 does
    calls = []
    real = compiled.relu_grad_and_bias_sum
    monkeypatch.setattr(compiled, "relu_grad_and_bias_sum",
                        lambda *a: calls.append(1) or real(*a))
    y, got = _grads(monkeypatch, "numba", x, w, b, gy)
    assert calls, "the compiled kernel did not run"
    y_np, want = _grads(monkeypatch, "numpy", x, w, b, gy)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    # one row: the compiled forward (dense_row), within rounding of the BLAS's
    np.testing.assert_allclose(y, y_np, rtol=tol, atol=tol)
    for g, h in zip(got, want):
        assert g.dtype == h.dtype == dtype
        np.testing.assert_allclose(g, h, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k, m", [(784, 256), (7, 3), (4, 1), (1, 5), (0, 2)])
@pytest.mark.parametrize("relu, bias", [(True, True), (False, True), (True, False)])
def test_one_row_kernel_matches_numpy(dtype, k, m, relu, bias):
    rng = np.random.default_rng(k + m)
    x = rng.standard_normal((1, k)).astype(dtype)
    w = rng.standard_normal((k, m)).astype(dtype)
    b = rng.standard_normal(m).astype(dtype) if bias else np.empty(0, dtype)
    y = np.empty((1, m), dtype)
    compiled.dense_row(x, w, b, relu, y)
    want = x @ w + (b if bias else 0)
    want = np.maximum(want, 0) if relu else want
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y, want, rtol=tol, atol=tol * np.sqrt(k + 1))


def test_one_row_kernel_passes_nan_and_signed_zero_as_numpy_maximum():
    x = np.array([[1.0, 0.0]], np.float32)
    w = np.array([[np.nan, -0.0, -1.0, 2.0], [0.0, 0.0, 0.0, 0.0]], np.float32)
    y = np.empty((1, 4), np.float32)
    compiled.dense_row(x, w, np.empty(0, np.float32), True, y)
    want = np.maximum(x @ w, 0)
    np.testing.assert_array_equal(y, want)
    assert np.signbit(y[0, 1]) == np.signbit(want[0, 1])


def test_one_sample_dense_runs_the_row_kernel_in_eager_and_replayed_calls(monkeypatch):
    from numen import keras

    monkeypatch.setenv("NUMEN_KERNELS", "numba")
    from numen.ops import linalg

    calls = []
    real = compiled.dense_row
    monkeypatch.setattr(linalg, "_row_kernel", lambda *a: calls.append(1) or real(*a))
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).random((1, 6), dtype=np.float32)
    outs = [model.predict_on_batch(x) for _ in range(4)]
    assert model._recorded_step.inference_replays >= 2 and len(calls) >= 8
    eager = model(x).numpy()
    for out in outs:  # the replay agrees with the eager call bit for bit
        np.testing.assert_array_equal(out, eager)
    monkeypatch.setenv("NUMEN_KERNELS", "numpy")
    keras.utils.set_random_seed(0)
    blas = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                             keras.layers.Dense(3)])
    np.testing.assert_allclose(blas(x).numpy(), eager, rtol=1e-5, atol=1e-6)
