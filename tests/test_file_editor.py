"""keras.saving.KerasFileEditor on a file written by real Keras 3 (tests/fixtures/keras3)."""

import os

import h5py
import numpy as np
import pytest

from fixtures import custom_objects
from numen import keras

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "keras3")
PATH = os.path.join(FIXTURES, "custom.keras")


def _loaded():
    _, shift = custom_objects.define(keras)
    return keras.models.load_model(PATH, custom_objects={"Shift": shift})


def test_reads_weights_config_and_metadata(capsys):
    editor = keras.saving.KerasFileEditor(PATH)
    assert list(editor.weights_dict) == ["layers", "optimizer"]
    assert list(editor.weights_dict["layers"]) == ["dense", "scaled_dense", "shift"]
    assert editor.weights_dict["layers"]["scaled_dense"]["0"].shape == (4, 3)
    assert editor.metadata["keras_version"] and editor.config["class_name"] == "Sequential"
    editor.summary()
    out = capsys.readouterr().out
    assert "Keras model file" in out and "0: shape=(4, 3), dtype=float32" in out
    model = _loaded()
    np.testing.assert_array_equal(editor.weights_dict["layers"]["shift"]["0"],
                                  model.layers[1].get_weights()[0])
    assert editor.compare(model) == {"status": "success", "error_count": 0, "match_count": 5}


def test_edit_and_save_loads_into_a_changed_model(tmp_path):
    editor = keras.saving.KerasFileEditor(PATH)
    original = _loaded()
    editor.delete_object("shift")  # a unique name finds the object
    out = tmp_path / "edited.weights.h5"
    editor.save(out)
    scaled_dense, _ = custom_objects.define(keras)
    smaller = keras.Sequential([keras.Input((4,)), scaled_dense(3, scale=0.5,
                                                                activation="tanh"),
                                keras.layers.Dense(2)])
    assert editor.compare(smaller)["status"] == "success"
    smaller.load_weights(str(out))
    for a, b in zip(smaller.get_weights(), original.layers[0].get_weights()
                    + original.layers[2].get_weights()):
        np.testing.assert_array_equal(a, b)
    assert editor.compare(original)["error_count"] == 1


def test_rename_add_and_delete_weights(tmp_path):
    editor = keras.saving.KerasFileEditor(PATH)
    editor.rename_object("layers/dense", "head")
    assert list(editor.weights_dict["layers"]) == ["head", "scaled_dense", "shift"]
    editor.add_object("layers/extra", {"0": np.ones((2, 2), "float32")})
    editor.add_weights("extra", {"1": np.zeros(2, "float32")})
    editor.delete_weight("layers/extra", "0")
    assert list(editor.weights_dict["layers"]["extra"]) == ["1"]
    editor.resave_weights(tmp_path / "e.weights.h5")
    with h5py.File(tmp_path / "e.weights.h5", "r") as f:
        assert sorted(f["layers"]) == ["extra", "head", "scaled_dense", "shift"]
        assert f["layers/extra/vars/1"].shape == (2,)
        assert dict(f["layers/shift/vars"].attrs) == dict(editor.object_metadata.get(
            "layers/shift/vars", {}))  # group attributes are kept
    again = keras.saving.KerasFileEditor(str(tmp_path / "e.weights.h5"))
    assert again.config is None and "head" in again.weights_dict["layers"]


def test_errors_name_the_method_and_the_object(tmp_path):
    editor = keras.saving.KerasFileEditor(PATH)
    editor.add_object("layers/scaled_dense/inner", {"0": np.ones(1)})
    editor.add_object("layers/shift/inner", {"0": np.ones(1)})
    with pytest.raises(ValueError, match="delete_object: the name 'inner' occurs 2 times"):
        editor.delete_object("inner")
    with pytest.raises(ValueError, match="rename_object: path 'layers/nope' not found"):
        editor.rename_object("layers/nope", "x")
    with pytest.raises(ValueError, match="new_name must be a name"):
        editor.rename_object("shift", "a/b")
    with pytest.raises(ValueError, match="delete_weight: no weight '7'"):
        editor.delete_weight("layers/shift", "7")
    with pytest.raises(ValueError, match="add_weights: weight '0' must be a numeric array"):
        editor.add_weights("layers/shift", {"0": np.array(["a"])})
    with pytest.raises(ValueError, match="add_object: weights must be a dict"):
        editor.add_object("layers/x", [np.ones(1)])
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        editor.save(tmp_path / "model.keras")
    with pytest.raises(ValueError, match=r"\.keras or \.weights\.h5"):
        keras.saving.KerasFileEditor(str(tmp_path / "model.h5"))


def test_save_is_atomic(tmp_path, monkeypatch):
    editor = keras.saving.KerasFileEditor(PATH)
    target = tmp_path / "w.weights.h5"
    editor.save(target)
    before = target.read_bytes()
    editor.delete_object("shift")

    def failing(*args, **kwargs):
        raise OSError("disk full (injected)")

    monkeypatch.setattr(h5py.Group, "create_dataset", failing)
    with pytest.raises(OSError, match="injected"):
        editor.save(target)
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["w.weights.h5"]
