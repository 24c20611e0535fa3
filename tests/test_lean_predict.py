"""The lean paths: fit's data check allocates nothing as large as the data, and calling a
model on one batch (model(x), predict, predict_on_batch) skips per-call work that cannot apply
while giving the same outputs, masks and errors as the full path."""

import tracemalloc

import numpy as np
import pytest

from numen.training import data as data_module


def _peak_bytes_of(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_finite_check_allocates_no_mask_the_size_of_the_data():
    x = np.random.default_rng(0).random((16000, 256), dtype=np.float32)  # 16 MB
    peak = _peak_bytes_of(lambda: data_module.prepare(x, "x"))
    # np.isfinite(x).all() would allocate x.size bytes (a quarter of the data) at once.
    assert peak < x.size // 8


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", [0, 511, -1])
def test_finite_check_still_finds_every_non_finite_value(bad, where):
    x = np.zeros((32, 16), dtype=np.float32)
    x.reshape(-1)[where] = bad
    with pytest.raises(ValueError, match=r"x contains 1 NaN or infinite value\(s\)"):
        data_module.prepare(x, "x")


def test_finite_check_accepts_empty_and_extreme_finite_arrays():
    big = np.full((8, 4), np.finfo(np.float32).max, dtype=np.float32)
    big[0, 0] = np.finfo(np.float32).min
    assert data_module.prepare(big, "x") is big
    empty = np.zeros((0, 4), dtype=np.float32)
    assert data_module.prepare(empty, "x") is empty


# -- the lean call path ------------------------------------------------------------------------

from numen import keras  # noqa: E402
from numen.autodiff import Tensor, as_tensor  # noqa: E402
from numen.layers import base  # noqa: E402

layers = keras.layers


def _full_path(model, fn):
    """`fn()` with every layer's lean path forgotten (so each layer runs the full __call__)."""
    for layer in model._walk():
        layer._lean_key = None
    return fn()


def _count_spec_checks(monkeypatch) -> list:
    seen = []
    original = base.InputSpec.check

    def check(spec, name, shape):
        seen.append(name)
        return original(spec, name, shape)

    monkeypatch.setattr(base.InputSpec, "check", check)
    return seen


def _sequential():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="relu"),
                             layers.Dense(5, activation="tanh"), layers.Dense(3)])


def _functional_two_inputs():
    keras.utils.set_random_seed(1)
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    h = layers.Concatenate()([layers.Dense(5, activation="relu")(a), b])
    return keras.Model([a, b], layers.Dense(2)(h))


class _Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(7, activation="relu")
        self.out = layers.Dense(2)

    def call(self, x, training=None):
        return self.out(self.hidden(x))


def test_sequential_lean_path_is_taken_and_gives_the_full_path_outputs(monkeypatch):
    model = _sequential()
    x = np.random.default_rng(0).random((2, 6), dtype=np.float32)
    expected = _full_path(model, lambda: model.predict_on_batch(x))
    model.predict_on_batch(x)  # remembers the plain call
    checks = _count_spec_checks(monkeypatch)
    for got in (model.predict_on_batch(x), model(x).numpy(), model.predict(x, verbose=0),
                model(as_tensor(x), training=False).numpy()):
        np.testing.assert_array_equal(got, expected)
    assert checks == []  # every layer went the lean way
    _full_path(model, lambda: model(x))
    assert len(checks) == 3  # the full path does check each Dense's input


def test_functional_multi_input_lean_path_gives_the_full_path_outputs():
    model = _functional_two_inputs()
    rng = np.random.default_rng(1)
    xa, xb = rng.random((3, 4), dtype=np.float32), rng.random((3, 3), dtype=np.float32)
    expected = _full_path(model, lambda: model.predict_on_batch([xa, xb]))
    for _ in range(3):
        np.testing.assert_array_equal(model.predict_on_batch([xa, xb]), expected)
        np.testing.assert_array_equal(model({"a": xa, "b": xb}).numpy(), expected)
    assert any(layer._lean_key is not None for layer in model.layers)


def test_subclassed_lean_path_gives_the_full_path_outputs():
    model = _Subclassed()
    x = np.random.default_rng(2).random((4, 5), dtype=np.float32)
    expected = _full_path(model, lambda: model(x).numpy())
    for _ in range(3):
        np.testing.assert_array_equal(model(x).numpy(), expected)
        np.testing.assert_array_equal(model.predict_on_batch(x), expected)
    assert model._lean_key is not None and model.hidden._lean_key is not None


class _LaterHead(layers.Layer):
    """Calls its head from its second call on: the head is built on a later call."""

    def __init__(self):
        super().__init__()
        self.calls = 0
        self.body, self.head = layers.Dense(3), layers.Dense(2)

    def call(self, x):
        self.calls += 1
        return self.head(self.body(x)) if self.calls >= 2 else self.body(x)


def test_a_layer_leaves_the_lean_path_while_a_layer_below_it_is_unbuilt():
    """Its calls open its name scope until the head is built (so the head's weights are under
    its name); then, and for a layer with nothing below it from the first call, calls are lean."""
    model = _LaterHead()
    x = np.ones((2, 4), "float32")
    model(x)
    assert model._lean_key is None and model.body._lean_key is not None
    model(x)
    assert model._lean_key is not None
    assert [v.path for v in model.head.weights] == [f"{model.name}/{model.head.name}/kernel",
                                                    f"{model.name}/{model.head.name}/bias"]


class _Doubles(layers.Layer):
    """Doubles its input in training: shows which `training` value reached `call`."""

    def call(self, x, training=None):
        return x * 2.0 if training else x


def test_lean_path_passes_the_training_flag():
    layer = _Doubles()
    x = np.ones((1, 3), dtype=np.float32)
    for _ in range(2):  # the second round takes the lean path
        np.testing.assert_array_equal(layer(x).numpy(), x)
        np.testing.assert_array_equal(layer(x, training=True).numpy(), 2 * x)
        np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    assert layer._lean_key is not None


def _message(fn) -> str:
    with pytest.raises(ValueError) as info:
        fn()
    return str(info.value)


def test_wrong_shapes_raise_the_same_errors_after_the_lean_path():
    model = _sequential()
    good = np.zeros((2, 6), dtype=np.float32)
    wrong = np.zeros((2, 7), dtype=np.float32)
    dense = model.layers[1]
    before = [_message(lambda: model.predict_on_batch(wrong)), _message(lambda: model(wrong)),
              _message(lambda: dense(np.zeros((2, 9), dtype=np.float32)))]
    for _ in range(3):
        model.predict_on_batch(good)
        model(good)
        dense(np.zeros((2, 8), dtype=np.float32))
    after = [_message(lambda: model.predict_on_batch(wrong)), _message(lambda: model(wrong)),
             _message(lambda: dense(np.zeros((2, 9), dtype=np.float32)))]
    assert after == before
    assert "expects shape (None, 6)" in after[0]
    assert "expected axis -1 of its input to have size 8" in after[2]
    # A NaN is found on every call, lean or not.
    bad = good.copy()
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        model.predict_on_batch(bad)


def test_masks_still_propagate_after_the_lean_path():
    dense = layers.Dense(3)
    x = np.ones((2, 4, 5), dtype=np.float32)
    for _ in range(2):
        assert dense(x)._keras_mask is None  # plain calls: the lean path is remembered
    assert dense._lean_key is not None
    t = as_tensor(x)
    t._keras_mask = np.array([[True, True, False, False], [True, False, False, False]])
    out = dense(t)
    np.testing.assert_array_equal(out._keras_mask, t._keras_mask)  # Dense passes it on

    model = keras.Sequential([keras.Input((4, 5)), layers.Masking(0.0), layers.Dense(2)])
    data = np.ones((2, 4, 5), dtype=np.float32)
    data[0, 2:] = 0.0
    for _ in range(3):
        out = model(data)
        np.testing.assert_array_equal(out._keras_mask, [[True, True, False, False]] + [[True] * 4])


def test_symbolic_calls_and_new_dtypes_still_go_the_full_way():
    dense = layers.Dense(3)
    x = np.ones((2, 4), dtype=np.float32)
    dense(x)
    dense(x)
    symbolic = dense(keras.Input((4,)))
    assert not isinstance(symbolic, Tensor) and symbolic.shape == (None, 3)
    out = dense(x.astype(np.float64))  # converted to the layer's float32 as before
    assert out.dtype == "float32"
    np.testing.assert_array_equal(out.numpy(), dense(x).numpy())


def test_losses_and_rebuilds_still_apply_after_the_lean_path():
    class AddsLoss(layers.Layer):
        def call(self, x):
            self.add_loss(x.sum() * 0.0 + 1.0)
            return x

    layer = AddsLoss()
    x = np.ones((1, 2), dtype=np.float32)
    for _ in range(4):
        layer(x)
    assert len(layer.losses) == 1  # each outermost call drops the last one's losses

    dense = layers.Dense(2)
    dense(x)
    dense(x)
    dense.activity_regularizer = keras.regularizers.L2(1.0)
    dense(x)
    assert len(dense.losses) == 1

    model = keras.Sequential([keras.Input((2,)), layers.Dense(4)])
    model(x)
    model(x)
    model.add(layers.Dense(3))
    assert model(x).shape == (1, 3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_quick_finite_check_never_passes_a_non_finite_value(dtype):
    x = np.random.default_rng(3).standard_normal((2, 5), dtype=dtype)
    assert data_module.surely_finite(x) and data_module.surely_finite(x[:, ::2])
    for bad in (np.nan, np.inf, -np.inf):
        y = x.copy()
        y[1, 3] = bad
        assert not data_module.surely_finite(y)
    # finite values whose squares overflow: not "surely finite", so the exact check runs
    huge = np.full((1, 3), np.finfo(dtype).max, dtype=dtype)
    assert not data_module.surely_finite(huge) and data_module.all_finite(huge)
    assert data_module.surely_finite(np.zeros((0, 3), dtype=dtype))
