"""`np.array(variable)` is a snapshot, as in Keras: NumPy asks `__array__` for a copy of its own
(copy=True), and a view of the variable's storage would follow every later `assign`. Copying
only when needed (np.asarray) and refusing to copy (copy=False) keep NumPy's meaning."""

import numpy as np
import pytest

from numen import keras


def _snapshot_then_assign(k):
    v = k.Variable(np.zeros(3, "float32"))
    snapshot = np.array(v)
    v.assign(np.ones(3, "float32"))
    return snapshot


def test_np_array_of_a_variable_is_a_snapshot():
    np.testing.assert_array_equal(_snapshot_then_assign(keras), np.zeros(3))


def test_a_layer_weight_snapshot_survives_training():
    layer = keras.layers.BatchNormalization()
    layer.build((None, 2))
    before = np.array(layer.moving_mean)
    layer(np.full((4, 2), 5.0, "float32"), training=True)
    assert np.all(before == 0) and np.all(np.asarray(layer.moving_mean) > 0)


def test_asarray_and_copy_false_keep_numpy_meaning():
    v = keras.Variable(np.arange(3, dtype="float32"))
    view = np.asarray(v, copy=False)
    v.assign(np.full(3, 7.0, "float32"))
    np.testing.assert_array_equal(view, [7, 7, 7])  # no copy asked, none made (CPU)
    with pytest.raises(ValueError, match="copy=False"):
        np.asarray(v, dtype="int32", copy=False)
    assert np.asarray(v, dtype="int32").dtype == np.int32


def test_keras_agrees():
    k = pytest.importorskip("keras")
    if not hasattr(k, "Variable") or k.__name__ != "keras":
        pytest.skip("the installed `keras` is not Keras 3")
    np.testing.assert_array_equal(_snapshot_then_assign(k), np.zeros(3))
