"""A weights file in the layout of the published keras.applications ImageNet files (tf.keras 2
`.h5`, layers listed by name), written by real Keras 3 from an Xception whose auto-named layers
(the shortcut convolutions and their batch norms) got other numbers than numen gives them:
`Xception(weights=PATH)` in numen loads it as Keras does, layer by layer in order, and predicts
what Keras predicts. Loading by name, as numen did before, failed on such a file.

Runs where a real Keras 3 is importable (the interop environment: `make interop`)."""

import os
import sys

import numpy as np
import pytest

from numen import backend

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))
import app_weights  # noqa: E402


@pytest.fixture(scope="module")
def real_keras():
    keras = pytest.importorskip("keras")
    if not hasattr(keras, "saving") or keras.__name__ != "keras":
        pytest.skip("the installed `keras` is not Keras 3")
    return keras


def _write_keras2_weights(model, path):
    """What tf.keras 2's `model.save_weights('x.h5')` wrote (Keras 3 keeps the writer)."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


@pytest.mark.slow
def test_xception_loads_a_keras2_file_whose_names_differ(real_keras, tmp_path):
    from numen import keras as numen_keras

    keras = real_keras
    for _ in range(3):  # shift Keras's automatic names of the unnamed layers
        keras.layers.BatchNormalization()
        keras.layers.Conv2D(1, 1)
    theirs = keras.applications.Xception(weights=None, include_top=False,
                                         input_shape=(71, 71, 3))
    for i, v in enumerate(theirs.weights):
        v.assign(app_weights.value(i, v.shape, v.path.split("/")[-1]))
    path = str(tmp_path / "xception_weights_tf_dim_ordering_tf_kernels_notop.h5")
    _write_keras2_weights(theirs, path)

    ours = numen_keras.applications.Xception(weights=path, include_top=False,
                                             input_shape=(71, 71, 3))
    assert {la.name for la in ours.layers} != {la.name for la in theirs.layers}
    x = app_weights.forward_input((2, 71, 71, 3), seed=3)
    expected = np.asarray(theirs(x, training=False))
    np.testing.assert_allclose(backend.to_numpy(ours(x, training=False)), expected,
                               rtol=1e-3, atol=1e-4 * np.abs(expected).max())


def test_trainable_first_order_and_by_name_as_keras(real_keras, tmp_path):
    """A nested model with batch norm: the same legacy file gives the same weights in both
    libraries, loaded in order and by name."""
    from numen import keras as numen_keras

    def build(k):
        inner = k.Sequential([k.Input((3,)), k.layers.BatchNormalization(name="bn"),
                              k.layers.Dense(2, name="d")], name="inner")
        return k.Sequential([k.Input((3,)), inner, k.layers.Dense(1, name="head")])

    theirs = build(real_keras)
    for i, v in enumerate(theirs.weights):
        v.assign(np.full(v.shape, i + 1.0, "float32"))
    path = str(tmp_path / "nested.h5")
    _write_keras2_weights(theirs, path)
    for by_name in (False, True):
        ours = build(numen_keras)
        kwargs = {"by_name": True} if by_name else {}
        ours.load_weights(path, **kwargs)
        for a, b in zip(ours.weights, theirs.weights):
            np.testing.assert_array_equal(backend.to_numpy(a), np.asarray(b))
