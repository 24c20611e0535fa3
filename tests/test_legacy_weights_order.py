"""Weights-only tf.keras 2 `.h5` files (the layout of the published ImageNet weights of
keras.applications) load as Keras 3 loads them: the file's layers with weights go, in order, to
the model's layers with weights, whatever the names (auto-named layers are named by the session
that wrote the file); `by_name=True` matches names instead and leaves the others alone; each
layer's arrays are in tf.keras 2's order, trainable weights first. Real Keras's behaviour on the
same files is checked in tests/test_interop_legacy_weights.py."""

import h5py
import numpy as np
import pytest

from numen import keras
from numen.keras import layers


def _write_legacy(path, named_arrays):
    """A weights-only legacy file: root attribute `layer_names`, one group per layer with its
    `weight_names` attribute, as tf.keras 2's `save_weights('x.h5')` wrote it."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [name.encode() for name, _ in named_arrays]
        for name, arrays in named_arrays:
            g = f.create_group(name)
            names = [f"{name}/w{i}:0" for i in range(len(arrays))]
            g.attrs["weight_names"] = [n.encode() for n in names]
            for n, a in zip(names, arrays):
                g.create_dataset(n, data=a)


def _model():
    return keras.Sequential([keras.Input((3,)), layers.Dense(4, name="first"),
                             layers.Dropout(0.1), layers.Dense(2, name="second")])


def _arrays(seed):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=(4,)).astype("float32")], \
        [rng.normal(size=(4, 2)).astype("float32"), rng.normal(size=(2,)).astype("float32")]


def test_layers_are_matched_in_order_whatever_their_names(tmp_path):
    one, two = _arrays(0)
    path = str(tmp_path / "old_notop.h5")
    # Names as another session gave them; an empty group (a layer without weights) is skipped.
    _write_legacy(path, [("dense_7", one), ("dropout_3", []), ("dense_8", two)])
    model = _model()
    model.load_weights(path)
    for got, want in zip(model.get_weights(), one + two):
        np.testing.assert_array_equal(got, want)


def test_by_name_matches_names_and_leaves_the_rest(tmp_path):
    one, two = _arrays(1)
    path = str(tmp_path / "old.h5")
    _write_legacy(path, [("second", two), ("elsewhere", one)])
    model = _model()
    before = model.get_weights()
    model.load_weights(path, by_name=True)
    after = model.get_weights()
    np.testing.assert_array_equal(after[0], before[0])  # 'first' is not in the file
    np.testing.assert_array_equal(after[2], two[0])
    np.testing.assert_array_equal(after[3], two[1])


def test_a_count_mismatch_raises_and_changes_nothing(tmp_path):
    one, two = _arrays(2)
    path = str(tmp_path / "old.h5")
    _write_legacy(path, [("dense", one)])
    model = _model()
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"2 layers with weights, the file has 1.*by_name"):
        model.load_weights(path)
    with pytest.raises(ValueError, match="layers are matched in order"):
        model.load_weights(path, skip_mismatch=True)  # Keras forgives shapes, not counts
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_a_shape_mismatch_raises_or_is_skipped_array_by_array(tmp_path):
    one, two = _arrays(3)
    path = str(tmp_path / "old.h5")
    _write_legacy(path, [("a", one), ("b", [two[0], np.zeros(5, "float32")])])
    model = _model()
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"weight 'bias' has shape \(2,\), the file's has \(5,\)"):
        model.load_weights(path)
    np.testing.assert_array_equal(model.get_weights()[0], before[0])
    with pytest.warns(UserWarning, match="Skipping"):
        model.load_weights(path, skip_mismatch=True)
    after = model.get_weights()
    np.testing.assert_array_equal(after[0], one[0])
    np.testing.assert_array_equal(after[2], two[0])
    np.testing.assert_array_equal(after[3], before[3])


def test_arrays_are_in_trainable_first_order(tmp_path):
    """A nested model's arrays are written trainable first: its Dense, then BN's gamma and
    beta, then BN's moving statistics (tf.keras 2's order, not `weights` order)."""
    inner = keras.Sequential([keras.Input((3,)), layers.BatchNormalization(),
                              layers.Dense(2)], name="inner")
    model = keras.Sequential([keras.Input((3,)), inner])
    values = [np.full(w.shape, i + 1.0, "float32") for i, w in
              enumerate(inner.trainable_weights + inner.non_trainable_weights)]
    path = str(tmp_path / "nested.h5")
    _write_legacy(path, [("whatever", values)])
    model.load_weights(path)
    bn = inner.layers[0]
    assert float(np.asarray(bn.gamma)[0]) == 1.0 and float(np.asarray(bn.moving_mean)[0]) == 5.0
    assert float(np.asarray(inner.layers[1].kernel)[0, 0]) == 3.0


def test_load_weights_keyword_errors(tmp_path):
    model = _model()
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    with pytest.raises(ValueError, match="by_name.*legacy"):
        model.load_weights(path, by_name=True)
    with pytest.raises(ValueError, match=r"unknown keyword arguments \['bogus'\]"):
        model.load_weights(path, bogus=1)
