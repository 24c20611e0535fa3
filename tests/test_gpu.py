"""The GPU path (CuPy): results on the GPU match NumPy's; the device switch rules on any machine.

GPU tests carry the `gpu` mark and are skipped (not failed) where CuPy or a CUDA device is
missing. Run them with `pytest -m gpu tests/test_gpu.py` on a machine with `numen[gpu]`.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

import numen
from numen import backend, keras, ops, testing
from numen.autodiff import Tensor, Variable, gradients

gpu = pytest.mark.skipif(not backend.gpu_available(),
                         reason="needs CuPy and a CUDA device (pip install 'numen[gpu]')")


# -- device switch: runs everywhere ------------------------------------------------------------
def _import_with(device: str):
    code = "import numen; print(numen.backend.get_device())"
    env = {**os.environ, "NUMEN_DEVICE": device}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=60)


def test_numen_device_environment_variable_cpu():
    proc = _import_with("cpu")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "cpu"


def test_numen_device_environment_variable_rejects_unknown_names():
    proc = _import_with("tpu")
    assert proc.returncode != 0
    assert "NUMEN_DEVICE" in proc.stderr and "'tpu'" in proc.stderr


@pytest.mark.skipif(backend.gpu_available(), reason="checks the error without a GPU")
def test_gpu_without_cupy_fails_clearly():
    with pytest.raises(RuntimeError, match=r"set_device\('gpu'\).*numen\[gpu\]"):
        keras.config.set_device("gpu")
    assert backend.get_device() == "cpu"
    with pytest.raises(RuntimeError, match="gpu"), numen.device("gpu"):
        pass
    assert backend.get_device() == "cpu"
    proc = _import_with("gpu")
    assert proc.returncode != 0 and "set_device('gpu')" in proc.stderr


def test_set_device_rejects_unknown_names():
    with pytest.raises(ValueError, match="'cpu' or 'gpu'"):
        backend.set_device("cuda:0")


def test_device_scope_restores_cpu():
    with numen.device("cpu"):
        assert backend.get_device() == "cpu"
        assert isinstance(backend.to_device([1.0, 2.0]), np.ndarray)
    assert backend.get_device() == "cpu"


def test_backend_helpers_on_numpy():
    a = np.zeros(4)
    backend.scatter_add(a, np.array([1, 1, 3]), np.array([1.0, 2.0, 5.0]))
    np.testing.assert_array_equal(a, [0, 3, 0, 5])
    like = backend.asarray_like([1, 2], np.zeros(1), dtype=np.int64)
    assert isinstance(like, np.ndarray) and like.dtype == np.int64
    windows = backend.sliding_window_view(np.arange(5), 3)
    np.testing.assert_array_equal(windows[1], [1, 2, 3])
    assert backend.asnumpy is backend.to_numpy


# -- GPU against NumPy ------------------------------------------------------------------------
def _on_gpu(fn):
    with numen.device("gpu"):
        return fn()


OP_CASES = {
    "matmul": (lambda a, b: ops.matmul(a, b), [(3, 4), (4, 5)]),
    "add_broadcast": (lambda a, b: ops.add(a, b), [(3, 4), (4,)]),
    "softmax": (lambda a: ops.softmax(a), [(3, 6)]),
    "tanh_sum": (lambda a: ops.sum(ops.tanh(a), axis=1), [(3, 6)]),
    "take": (lambda a: ops.take(a, np.array([0, 2, 2]), axis=0), [(4, 3)]),
    "getitem_repeat": (lambda a: a[np.array([1, 1, 0])], [(3, 2)]),
    "where": (lambda a, b: ops.where(np.array([True, False, True]), a, b), [(3,), (3,)]),
    "conv2d": (lambda a, k: ops.conv(a, k, padding="same"), [(2, 5, 5, 3), (3, 3, 3, 4)]),
}


@pytest.mark.gpu
@gpu
@pytest.mark.parametrize("name", sorted(OP_CASES))
def test_op_matches_numpy(name):
    fn, shapes = OP_CASES[name]
    arrays = [testing.randn(s, dtype="float64") for s in shapes]

    def run(to):
        inputs = [Variable(to(a)) for a in arrays]
        y = fn(*inputs)
        grads = gradients(ops.sum(ops.multiply(y, y)), inputs)
        return backend.to_numpy(y.data), [backend.to_numpy(g) for g in grads]

    y_cpu, g_cpu = run(np.asarray)
    y_gpu, g_gpu = _on_gpu(lambda: run(backend.to_device))
    np.testing.assert_allclose(y_gpu, y_cpu, rtol=1e-10, atol=1e-12)
    for a, b in zip(g_gpu, g_cpu):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def _layer_cases():
    return {
        "dense": (lambda: keras.layers.Dense(4, activation="relu"), (2, 5)),
        "conv2d": (lambda: keras.layers.Conv2D(3, 3, padding="same"), (2, 6, 6, 2)),
        "maxpool": (lambda: keras.layers.MaxPooling2D(2), (2, 4, 4, 3)),
        "lstm": (lambda: keras.layers.LSTM(4), (2, 5, 3)),
        "embedding": (lambda: keras.layers.Embedding(7, 3), None),
        "batchnorm": (lambda: keras.layers.BatchNormalization(), (4, 3)),
        "attention": (lambda: keras.layers.MultiHeadAttention(2, 3), (2, 4, 6)),
    }


@pytest.mark.gpu
@gpu
@pytest.mark.parametrize("name", sorted(_layer_cases()))
def test_layer_matches_numpy(name):
    make, shape = _layer_cases()[name]
    x = np.array([[1, 6, 0], [2, 2, 5]]) if shape is None else testing.randn(shape, "float64")
    keras.utils.set_random_seed(0)
    cpu_layer = make()
    args = (x, x) if name == "attention" else (x,)
    want = backend.to_numpy(cpu_layer(*args, training=True).data)
    with numen.device("gpu"):
        gpu_layer = make()
        gpu_layer(*args)  # build
        gpu_layer.set_weights(cpu_layer.get_weights())
        got = gpu_layer(*[backend.to_device(a) for a in args], training=True)
        assert backend.xp_of(got.data) is not np
    np.testing.assert_allclose(backend.to_numpy(got.data), want, rtol=1e-5, atol=1e-6)


@pytest.mark.gpu
@gpu
def test_short_fit_and_predict_match_numpy():
    x = testing.randn((64, 6), dtype="float32")
    y = (x[:, :1] > 0).astype("float32")

    def train():
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
        return model, history.history["loss"], model.predict(x, verbose=0)

    _, loss_cpu, pred_cpu = train()
    model, loss_gpu, pred_gpu = _on_gpu(train)
    assert backend.xp_of(model.weights[0].data) is not np  # the weights live on the GPU
    assert isinstance(pred_gpu, np.ndarray)  # predict returns NumPy, as in Keras
    np.testing.assert_allclose(loss_gpu, loss_cpu, rtol=1e-4)
    np.testing.assert_allclose(pred_gpu, pred_cpu, rtol=1e-4, atol=1e-5)


def test_gpu_tests_are_marked():
    # Every GPU comparison carries the mark, so `-m "not gpu"` deselects them all.
    marked = [test_op_matches_numpy, test_layer_matches_numpy,
              test_short_fit_and_predict_match_numpy]
    for fn in marked:
        assert any(m.name == "gpu" for m in fn.pytestmark)
    assert isinstance(Tensor(np.zeros(1)).data, np.ndarray)
