"""`keras.ops` calls inside Functional models (`x * 2`, `x[:, 1:3]`, `ops.sum(x, axis=1)`, ...)
move between numen and Keras 3 in `.keras` files, both ways: the ops are written in Keras's
Operation layout and read back through numen's table, with the same predictions, the same
`model.layers` (which leaves the ops out) and the same operations.

Runs under the interop venv (real Keras 3 next to numen); skipped where Keras 3 is absent:
    KERAS_BACKEND=jax PYTHONPATH=src .venv/interop/bin/python -m pytest \
        tests/test_interop_graph_ops.py
"""

import numpy as np
import pytest

from numen import keras

CONST = np.arange(12, dtype="float32").reshape(4, 3) / 10


def _real_keras():
    real = pytest.importorskip("keras")
    if not hasattr(real, "saving") or real.__name__ != "keras":
        pytest.skip("the installed `keras` is not Keras 3")
    return real


def arithmetic(k):
    x = k.Input((4,))
    h = k.layers.Dense(4)(x)
    y = (h * 2 + 1.5 - x) / 4
    y = 3.0 - y ** 2 + abs(-h) // 2 + h % 1.5
    return k.Model(x, y)


def slicing(k):
    x = k.Input((5, 4))
    h = k.layers.Dense(4)(x)
    a = h[:, 1:3]
    b = h[..., -1]
    c = h[:, ::2, 0]
    return k.Model(x, [a, b, c])


def reductions(k):
    x = k.Input((3, 4))
    h = k.layers.Dense(4)(x)
    s = k.ops.sum(h, axis=1)
    m = k.ops.mean(h, axis=-1, keepdims=True)
    mx = k.ops.max(h, axis=(1, 2))
    return k.Model(x, [s, m, mx])


def joining(k):
    a = k.Input((3,))
    b = k.Input((2,))
    h = k.layers.Dense(3)(a)
    c = k.ops.concatenate([h, b, a], axis=-1)
    s = k.ops.stack([h, a], axis=1)
    return k.Model([a, b], [c, s])


def activations(k):
    x = k.Input((6,))
    h = k.layers.Dense(6)(x)
    y = k.ops.relu(h) + k.ops.sigmoid(h) * k.ops.tanh(h)
    y = k.ops.softmax(y, axis=-1) + k.ops.exp(-k.ops.abs(h))
    y = k.ops.where(h > 0, y, 0.1 * y)
    return k.Model(x, y)


def shapes(k):
    x = k.Input((6,))
    h = k.layers.Dense(6)(x)
    r = k.ops.reshape(h, (-1, 2, 3))
    t = k.ops.transpose(r, (0, 2, 1))
    e = k.ops.expand_dims(t, axis=1)
    return k.Model(x, k.ops.squeeze(e, axis=1))


def matmul(k):
    a = k.Input((2, 4))
    b = k.Input((4, 3))
    h = k.layers.Dense(4)(a)
    y = h @ b + k.ops.matmul(a, CONST)
    return k.Model([a, b], k.ops.cast(y, "float32"))


def einsum(k):
    a = k.Input((3,))
    b = k.Input((3, 2))
    return k.Model([a, b], k.ops.einsum("bi,bij->bj", a, b) * k.ops.einsum("bi->b", a)[:, None])


def nested_and_keywords(k):
    x = k.Input((4,))
    inner_in = k.Input((4,))
    inner = k.Model(inner_in, k.layers.Dense(4)(inner_in) * 2, name="inner")
    h = inner(x) + 1
    w = k.ops.average(h, axis=1, weights=k.ops.abs(x) + 0.5)
    p = k.ops.pad(h, ((0, 0), (1, 2)))
    c = k.ops.clip(p, -1.0, 1.0)
    o = k.ops.one_hot(k.ops.argmax(h, axis=-1), 4)
    return k.Model(x, [w, c, o])


def activation_functions(k):
    # keras.activations called on symbolic tensors record the keras.ops function of their
    # name with every argument spelled out (gelu keeps approximate=False)
    x = k.Input((6,))
    h = k.layers.Dense(6)(x)
    a = k.activations.gelu(h) + k.activations.elu(h, alpha=0.5) + k.activations.silu(h)
    b = k.activations.leaky_relu(h) * k.activations.hard_sigmoid(h)
    c = k.activations.softmax(k.activations.exponential(h * 0.1), axis=-1)
    return k.Model(x, [a, b, k.activations.linear(c)])


def comparisons(k):
    a = k.Input((4,))
    b = k.Input((4,))
    h = k.layers.Dense(4)(a)
    changed = k.ops.cast(h != b, "float32") + k.ops.cast(0.0 != a, "float32")
    ordered = k.ops.cast(h < b, "float32") - k.ops.cast(h >= 0.5, "float32")
    return k.Model([a, b], [changed, ordered, k.ops.cast(b <= a, "float32")])


def relu_options(k):
    # keras.activations.relu records Keras's ReLU Operation (keras.src.activations), which
    # keeps negative_slope, max_value and threshold; keras.ops.relu records nn's Relu
    x = k.Input((6,))
    h = k.layers.Dense(6)(x) * 3.0
    relu = k.activations.relu
    a = relu(h, max_value=6.0) + relu(h, negative_slope=0.1)
    b = relu(h, threshold=0.5) * relu(h, negative_slope=0.2, max_value=1.0, threshold=-0.5)
    return k.Model(x, [a, b, relu(h) - k.ops.relu(h)])


def tensor_methods(k):
    # round(), .reshape() and .squeeze() on KerasTensors record Round, Reshape and Squeeze
    x = k.Input((2, 3))
    h = k.layers.Dense(3)(x)
    return k.Model(x, [round(h * 10.0), round(h, 1), h.reshape((-1, 6)),
                       h[:, :1].squeeze(axis=1)])


BUILDERS = [arithmetic, slicing, reductions, joining, activations, shapes, matmul, einsum,
            nested_and_keywords, activation_functions, comparisons, relu_options,
            tensor_methods]


def _data(model):
    rng = np.random.default_rng(0)
    shapes = [tuple(t.shape) for t in model.inputs]
    data = [rng.standard_normal((3,) + s[1:]).astype("float32") for s in shapes]
    return data[0] if len(data) == 1 else data


def _check(loaded, source):
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in source.layers]
    assert [op.name for op in loaded.operations] == [op.name for op in source.operations]
    data = _data(source)
    want = source.predict(data, verbose=0)
    got = loaded.predict(data, verbose=0)
    want = want if isinstance(want, list) else [want]
    got = got if isinstance(got, list) else [got]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_keras3_model_with_ops_loads_in_numen(tmp_path, build):
    real = _real_keras()
    model = build(real)
    path = str(tmp_path / "keras.keras")
    model.save(path)
    _check(keras.models.load_model(path), model)


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_numen_model_with_ops_loads_in_keras3(tmp_path, build):
    real = _real_keras()
    model = build(keras)
    path = str(tmp_path / "numen.keras")
    model.save(path)
    _check(real.models.load_model(path), model)


def test_same_layers_operations_and_summary_classes_as_keras3():
    from numen.models.summary import _kind

    real = _real_keras()
    for build in BUILDERS:
        real.backend.clear_session()
        keras.backend.clear_session()
        ours, theirs = build(keras), build(real)
        assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]
        assert [(op.name, _kind(op)) for op in ours.operations] == \
            [(op.name, type(op).__name__) for op in theirs.operations], build.__name__
