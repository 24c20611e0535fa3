"""Convolution and pooling as replay kernels: convnet fits replay bit for bit like eager ones,
the replayed kernels agree with PyTorch, buffers are reused across steps, and the variants
replay cannot cover keep the eager path."""

import numpy as np
import pytest

from numen import backend, keras, ops
from numen.autodiff import Tensor, Variable, enable_grad
from numen.autodiff.replay import Recorder
from numen.ops import scratch

torch = pytest.importorskip("torch")
F = torch.nn.functional
layers = keras.layers


def _images(shape, n=96, k=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, *shape)).astype(backend.floatx()), rng.integers(0, k, n)


def _convnet(side=12, **conv):
    return keras.Sequential([
        keras.Input((side, side, 1)), layers.Conv2D(4, 3, activation="relu", **conv),
        layers.MaxPooling2D(2), layers.Conv2D(6, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dropout(0.5), layers.Dense(5)])


def _fit(make, jit_compile, x, y, epochs=3):
    keras.utils.set_random_seed(1)
    model = make()
    model.compile(optimizer="adam", jit_compile=jit_compile, metrics=["accuracy"],
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, batch_size=32, epochs=epochs, verbose=0)
    return model, history.history


def _replays_like_eager(make, x, y):
    replayed, h1 = _fit(make, "auto", x, y)
    eager, h2 = _fit(make, False, x, y)
    assert h1 == h2
    for p, q in zip(replayed.get_weights(), eager.get_weights()):
        np.testing.assert_array_equal(p, q)
    return replayed._recorded_step


@pytest.mark.parametrize("floatx", ["float32", "float64"])
def test_the_convnet_step_replays_whole_and_bit_for_bit(floatx):
    backend.set_floatx(floatx)
    x, y = _images((12, 12, 1))
    step = _replays_like_eager(_convnet, x, y)
    assert step.replays > 0
    assert all(with_loss for _, with_loss, _ in step.entries.values())


@pytest.mark.parametrize("make, shape", [
    (lambda: keras.Sequential([
        keras.Input((16, 3)), layers.Conv1D(4, 3, padding="causal", dilation_rate=2),
        layers.AveragePooling1D(3, strides=1, padding="same"),
        layers.Conv1D(4, 2, strides=2, padding="same", activation="tanh"),
        layers.MaxPooling1D(2, padding="same"), layers.Flatten(), layers.Dense(5)]), (16, 3)),
    (lambda: keras.Sequential([
        keras.Input((13, 13, 4)), layers.Conv2D(6, (3, 2), strides=(2, 1), padding="same",
                                              groups=2, activation="relu"),
        layers.AveragePooling2D(2), layers.MaxPooling2D(2, strides=1, padding="same"),
        layers.Conv2D(4, 2, dilation_rate=2, use_bias=False, activation="sigmoid"),
        layers.Flatten(), layers.Dense(5, activation="softmax")]), (13, 13, 4)),
    (lambda: keras.Sequential([
        keras.Input((5, 5, 5, 2)), layers.Conv3D(3, 2, padding="same", activation="relu"),
        layers.MaxPooling3D(2), layers.AveragePooling3D(2, padding="same"), layers.Flatten(),
        layers.Dense(5)]), (5, 5, 5, 2)),
])
def test_padding_stride_dilation_and_group_variants_replay_bit_for_bit(make, shape):
    x, y = _images(shape)
    assert _replays_like_eager(make, x, y).replays > 0


@pytest.mark.parametrize("make", [
    # channels_first moves axes with an op that is not a kernel
    lambda: keras.Sequential([keras.Input((1, 12, 12)),
                              layers.Conv2D(4, 3, data_format="channels_first"),
                              layers.Flatten(), layers.Dense(5)]),
    lambda: keras.Sequential([keras.Input((1, 12, 12)),
                              layers.MaxPooling2D(2, data_format="channels_first"),
                              layers.Flatten(), layers.Dense(5)]),
    # an activation that is not a kernel
    lambda: keras.Sequential([keras.Input((12, 12, 1)), layers.Conv2D(4, 3, activation="elu"),
                              layers.Flatten(), layers.Dense(5)]),
])
def test_variants_without_kernels_keep_the_eager_path(make):
    x, y = _images((12, 12, 1))
    if make().input_shape[1] == 1:
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    step = _replays_like_eager(make, x, y)
    assert step.replays == 0


def test_the_window_buffers_are_reused_from_step_to_step():
    x, y = _images((28, 28, 1), n=128)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(8, 3, activation="relu"),
                              layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(5)])
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=64, epochs=1, verbose=0)

    def pooled():
        return {key: [id(a) for a in bufs] for key, bufs in scratch._scratch.items()}

    before = pooled()
    model.fit(x, y, batch_size=64, epochs=1, verbose=0)
    assert model._recorded_step.replays > 0
    assert pooled() == before


def _torch_graph(x, w1, b1, w2):
    """Conv(relu, same) -> max pool -> conv (valid, stride 2) -> average pool, channels last."""
    h = F.conv2d(x.movedim(-1, 1), w1.permute(3, 2, 0, 1), b1, padding=1).relu()
    h = F.conv2d(F.max_pool2d(h, 2), w2.permute(3, 2, 0, 1), stride=2)
    return F.avg_pool2d(h, 2).movedim(1, -1)


@pytest.mark.parametrize("dtype, tol", [("float32", 2e-5), ("float64", 1e-12)])
def test_replayed_kernels_match_torch_forward_and_gradients(dtype, tol):
    rng = np.random.default_rng(3)
    # 2 input channels take the few-channel gather, 6 the one-copy window matrix.
    w1 = Variable(rng.standard_normal((3, 3, 2, 6)), dtype=dtype)
    b1 = Variable(rng.standard_normal(6), dtype=dtype)
    w2 = Variable(rng.standard_normal((3, 3, 6, 3)), dtype=dtype)
    x1, x2 = (rng.standard_normal((2, 12, 12, 2)).astype(dtype) for _ in range(2))

    def f(x):
        h = ops.conv(Tensor(x), w1, 1, "same", bias=b1, relu=True)
        h = ops.conv(ops.max_pool(h, 2), w2, 2, "valid")
        return ops.average_pool(h, 2)

    with enable_grad(), Recorder([x1]) as recorder:
        f(x1)
    program = recorder.program([recorder._alive[-1]])
    assert program is not None and len(program.nodes) == 4
    (out,), backwards = program.forward([x2])
    seed = rng.standard_normal(out.shape).astype(dtype)
    grads = dict(zip(map(id, program.variables), program.backward(backwards, [seed])))

    tw = [torch.tensor(v.data, requires_grad=True) for v in (w1, b1, w2)]
    expected = _torch_graph(torch.tensor(x2), *tw)
    expected.backward(torch.tensor(seed))
    np.testing.assert_allclose(out, expected.detach().numpy(), rtol=tol, atol=tol)
    assert out.dtype == np.dtype(dtype)
    for v, t in zip((w1, b1, w2), tw):
        np.testing.assert_allclose(grads[id(v)], t.grad.numpy(), rtol=tol, atol=tol * 10)
