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


def test_device_scope_restores_the_previous_device():
    previous = backend.get_device()  # 'gpu' when the suite runs with NUMEN_DEVICE=gpu
    with numen.device("cpu"):
        assert backend.get_device() == "cpu"
        assert isinstance(backend.to_device([1.0, 2.0]), np.ndarray)
    assert backend.get_device() == previous


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
    # Variables hold floatx (float32): GPU kernels sum in another order than NumPy's and may
    # differ by a few ulps (1.2e-7 seen on an H100), so the tolerance is float32's, with the
    # absolute part scaled to the values' size (a sum of 27 products of ~100 rounds at ~1e-5).
    assert y_gpu.dtype == np.float32
    for got, want in [(y_gpu, y_cpu), *zip(g_gpu, g_cpu)]:
        scale = max(1.0, float(np.abs(want).max()))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=2e-6 * scale)


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
    # the recorded step verified itself against eager on the device and then replayed
    assert model._recorded_step.replays > 0
    assert isinstance(pred_gpu, np.ndarray)  # predict returns NumPy, as in Keras
    np.testing.assert_allclose(loss_gpu, loss_cpu, rtol=1e-4)
    np.testing.assert_allclose(pred_gpu, pred_cpu, rtol=1e-4, atol=1e-5)


# -- the Keras workflow on the GPU against the same seeded run on the CPU ----------------------
class _LogTypes(keras.callbacks.Callback):
    """Records that every value callbacks receive is a plain Python number (never a device
    array, which np.asarray in user callbacks could not read)."""

    def __init__(self):
        super().__init__()
        self.bad = []

    def _check(self, where, logs):
        self.bad += [(where, k, type(v)) for k, v in (logs or {}).items()
                     if not isinstance(v, (int, float))]

    def on_train_batch_end(self, batch, logs=None):
        self._check("batch", logs)

    def on_epoch_end(self, epoch, logs=None):
        self._check("epoch", logs)

    def on_test_end(self, logs=None):
        self._check("test", logs)


def _mlp():
    return keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dense(3, activation="softmax")])


def _convnet():
    return keras.Sequential([
        keras.Input((8, 8, 2)), keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2), keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(3, activation="softmax")])


def _lstm():
    return keras.Sequential([keras.Input((7,), dtype="int32"),
                             keras.layers.Embedding(10, 4, mask_zero=True),
                             keras.layers.LSTM(5, dropout=0.2, recurrent_dropout=0.2),
                             keras.layers.Dense(3, activation="softmax")])


def _bn_dropout():
    return keras.Sequential([keras.Input((6,)), keras.layers.Dense(12),
                             keras.layers.BatchNormalization(), keras.layers.Activation("relu"),
                             keras.layers.Dropout(0.3),
                             keras.layers.Dense(3, activation="softmax")])


_WORKFLOWS = {  # model, input shape, optimizer (a name, or a function making a fresh one)
    "mlp": (_mlp, (48, 6), "adam"),
    "convnet": (_convnet, (48, 8, 8, 2), "rmsprop"),
    "lstm": (_lstm, (48, 7), "adam"),
    "bn_dropout": (_bn_dropout, (48, 6), lambda: keras.optimizers.SGD(0.05, momentum=0.9)),
}


def _workflow(name, device, tmp_path):
    make, shape, optimizer = _WORKFLOWS[name]
    rng = np.random.default_rng(0)
    x = rng.integers(0, 10, shape) if name == "lstm" else rng.standard_normal(shape)
    x = x.astype("int32" if name == "lstm" else "float32")
    y = rng.integers(0, 3, shape[0])
    logs = _LogTypes()
    ckpt = str(tmp_path / f"{name}-{device}.weights.h5")
    with numen.device(device):
        keras.utils.set_random_seed(5)
        model = make()
        model.compile(optimizer=optimizer() if callable(optimizer) else optimizer,
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, batch_size=16, epochs=2, validation_split=0.25, verbose=0,
                            callbacks=[logs, keras.callbacks.ModelCheckpoint(
                                ckpt, save_weights_only=True, monitor="val_loss")])
        evaluated = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
        predicted = model.predict(x, batch_size=16, verbose=0)
        on_device = backend.xp_of(model.weights[0].data)
    assert not logs.bad, logs.bad[:5]
    assert isinstance(predicted, np.ndarray)  # predict returns NumPy, as in Keras
    assert all(isinstance(v, float) for v in evaluated.values())
    reloaded = make()
    reloaded.load_weights(ckpt)  # the checkpoint written from the device loads on the host
    return history.history, evaluated, predicted, on_device, reloaded.get_weights()


@pytest.mark.gpu
@gpu
@pytest.mark.parametrize("name", sorted(_WORKFLOWS))
def test_keras_workflow_matches_cpu(name, tmp_path):
    hist_cpu, eval_cpu, pred_cpu, xp_cpu, ckpt_cpu = _workflow(name, "cpu", tmp_path)
    hist_gpu, eval_gpu, pred_gpu, xp_gpu, ckpt_gpu = _workflow(name, "gpu", tmp_path)
    assert xp_cpu is np and xp_gpu is not np  # the model really ran on the GPU
    assert hist_gpu.keys() == hist_cpu.keys() and "val_loss" in hist_gpu
    for key in hist_cpu:
        np.testing.assert_allclose(hist_gpu[key], hist_cpu[key], rtol=1e-3, atol=1e-4,
                                   err_msg=key)
    for key in eval_cpu:
        np.testing.assert_allclose(eval_gpu[key], eval_cpu[key], rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(pred_gpu, pred_cpu, rtol=1e-3, atol=1e-5)
    for a, b in zip(ckpt_gpu, ckpt_cpu):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)


def _optimizer_steps(name, device):
    rng = np.random.default_rng(1)
    start = [rng.standard_normal((4, 3)), rng.standard_normal(3)]
    grads = [[rng.standard_normal(w.shape) for w in start] for _ in range(3)]
    with numen.device(device):
        opt = keras.optimizers.get(name)
        variables = [Variable(w.astype("float32"), name=f"w{i}") for i, w in enumerate(start)]
        for step in grads:  # device gradients, then host ones (Keras accepts both)
            opt.apply([backend.to_device(g) for g in step[:1]] + step[1:], variables)
        assert all(backend.xp_of(v.data) is backend.xp() for v in variables)
        return [v.numpy() for v in variables]


@pytest.mark.gpu
@gpu
@pytest.mark.parametrize("name", ["adadelta", "adafactor", "adagrad", "adam", "adamw", "adamax",
                                  "ftrl", "lion", "nadam", "rmsprop", "sgd"])
def test_each_optimizer_steps_like_on_cpu(name):
    want = _optimizer_steps(name, "cpu")
    got = _optimizer_steps(name, "gpu")
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.gpu
@gpu
def test_save_and_load_round_trip_from_gpu(tmp_path):
    x = testing.randn((32, 6), dtype="float32")
    y = np.arange(32) % 3
    with numen.device("gpu"):
        keras.utils.set_random_seed(2)
        model = _bn_dropout()
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
        want = model.predict(x, verbose=0)
        model.save(tmp_path / "m.keras")
        model.save_weights(tmp_path / "m.weights.h5")
        loaded = keras.models.load_model(tmp_path / "m.keras")
        assert backend.xp_of(loaded.weights[0].data) is not np
        np.testing.assert_allclose(loaded.predict(x, verbose=0), want, rtol=1e-6, atol=1e-7)
        loaded.fit(x, y, batch_size=8, epochs=1, verbose=0)  # optimizer state came back usable
    on_cpu = keras.models.load_model(tmp_path / "m.keras")  # a GPU-saved file loads on the host
    np.testing.assert_allclose(on_cpu.predict(x, verbose=0), want, rtol=1e-5, atol=1e-6)
    fresh = _bn_dropout()
    fresh.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_allclose(fresh.predict(x, verbose=0), want, rtol=1e-5, atol=1e-6)


def test_gpu_tests_are_marked():
    # Every GPU comparison carries the mark, so `-m "not gpu"` deselects them all.
    marked = [test_op_matches_numpy, test_layer_matches_numpy,
              test_short_fit_and_predict_match_numpy, test_keras_workflow_matches_cpu,
              test_each_optimizer_steps_like_on_cpu, test_save_and_load_round_trip_from_gpu]
    for fn in marked:
        assert any(m.name == "gpu" for m in fn.pytestmark)
    assert isinstance(Tensor(np.zeros(1)).data, np.ndarray)
