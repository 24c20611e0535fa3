"""The LSTM scan's lean inference path (ops/recurrent_numpy.py `lstm_inference`): the same
packed output, bit for bit, as the NumPy scan that keeps what its backward pass needs."""

import numpy as np
import pytest

from numen import keras, ops
from numen.autodiff import Tensor, no_grad
from numen.ops import recurrent_numpy


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("b, steps, u", [(1, 50, 64), (3, 7, 5), (2, 1, 3), (4, 9, 33)])
def test_lean_scan_gives_the_training_scan_bit_for_bit(dtype, b, steps, u):
    r = np.random.default_rng(b * steps + u)
    xw = r.standard_normal((b, steps, 4 * u)).astype(dtype)
    rk = (0.3 * r.standard_normal((u, 4 * u))).astype(dtype)
    h0, c0 = r.standard_normal((2, b, u)).astype(dtype)
    expected, _ = recurrent_numpy.lstm(np, xw, h0, c0, rk, None, None, False)
    got = recurrent_numpy.lstm_inference(np, xw, h0, c0, rk)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_the_op_takes_the_lean_path_only_without_gradients_or_masks(monkeypatch):
    monkeypatch.setenv("NUMEN_KERNELS", "numpy")
    calls = []
    lean = recurrent_numpy.lstm_inference
    monkeypatch.setattr(recurrent_numpy, "lstm_inference",
                        lambda *a: calls.append(1) or lean(*a))
    r = np.random.default_rng(0)
    xw, rk = r.standard_normal((2, 6, 12)).astype(np.float32), \
        r.standard_normal((3, 12)).astype(np.float32)
    with no_grad():
        plain = ops.lstm_scan(xw, None, None, rk).data
    assert calls == [1]
    trained = ops.lstm_scan(Tensor(xw, requires_grad=True), None, None, rk).data
    np.testing.assert_array_equal(plain, trained)
    mask = np.ones((2, 6), bool)
    mask[1, 4:] = False
    with no_grad():
        ops.lstm_scan(xw, None, None, rk, mask)
        ops.lstm_scan(xw.astype(np.float64), None, None, rk)  # mixed dtypes: the full scan
    assert calls == [1]


def test_lstm_model_predicts_as_it_trains_forward(monkeypatch):
    monkeypatch.setenv("NUMEN_KERNELS", "numpy")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 5)), keras.layers.LSTM(7),
                              keras.layers.Dense(3)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(1).standard_normal((1, 8, 5)).astype(np.float32)
    outs = [model.predict_on_batch(x) for _ in range(4)]
    assert model._recorded_step.inference_replays > 0
    forward = model(Tensor(x), training=True).numpy()  # recorded for gradients: full scan
    for out in outs:
        np.testing.assert_array_equal(out, forward)
