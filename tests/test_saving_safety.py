"""Loading never runs code from a file: no pickles, no bytecode, no unknown classes, and zip
members that point outside the archive, are unexpected or claim implausible sizes are refused.
"""

import ast
import json
import pathlib
import zipfile

import h5py
import numpy as np
import pytest

from numen import backend, keras
from numen.keras import layers
from numen.saving import keras_format

SAVING = pathlib.Path(keras.__file__).resolve().parents[1] / "saving"
X = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")


def double(x):
    return x * 2


def small_model(*extra):
    backend.set_random_seed(0)
    return keras.Sequential([keras.Input((3,)), layers.Dense(2), *extra])


def rewrite(path, out, replace=None, add=(), compression=zipfile.ZIP_STORED):
    """Copy the .keras zip at `path` to `out`, replacing members and adding (name, bytes)."""
    replace = replace or {}
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", compression) as dst:
        for name in src.namelist():
            dst.writestr(name, replace.get(name, src.read(name)))
        for name, data in add:
            dst.writestr(name, data)
    return out


def test_saving_code_imports_no_pickle_or_marshal():
    banned = {"pickle", "marshal", "dill", "cloudpickle", "shelve", "importlib"}
    for path in SAVING.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"eval", "exec", "__import__"}, path
                continue
            else:
                continue
            assert not banned & {n.split(".")[0] for n in names}, (path, names)


@pytest.mark.parametrize("where", ["keras", "weights_h5", "legacy_h5"])
def test_object_and_string_arrays_are_refused(tmp_path, where):
    """h5py turns object/string arrays into Python objects; weights must be plain numbers."""
    model = small_model()
    if where == "legacy_h5":
        path = tmp_path / "old.h5"
        config = json.dumps({"class_name": "Sequential", "config": {"name": "s", "layers": [
            {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3]}},
            {"class_name": "Dense", "config": {"name": "dense", "units": 2}}]}})
        with h5py.File(path, "w") as f:
            f.attrs["model_config"] = config
            g = f.create_group("model_weights")
            g.attrs["layer_names"] = [b"dense"]
            d = g.create_group("dense")
            d.attrs["weight_names"] = [b"kernel:0", b"bias:0"]
            d.create_dataset("kernel:0", data=np.zeros((3, 2), "float32"))
            d.create_dataset("bias:0", data=np.array([b"ab", b"cd"], dtype=object),
                             dtype=h5py.string_dtype())
        with pytest.raises(ValueError, match=r"old\.h5.*bias:0.*numeric"):
            keras.models.load_model(path)
        return
    weights = tmp_path / "m.weights.h5"
    model.save_weights(str(weights))
    with h5py.File(weights, "a") as f:
        key = "layers/dense/vars/1"
        del f[key]
        f.create_dataset(key, data=np.array([b"x", b"y"], dtype=object),
                         dtype=h5py.string_dtype())
    before = model.get_weights()
    if where == "weights_h5":
        with pytest.raises(ValueError, match=r"m\.weights\.h5.*vars/1.*numeric"):
            model.load_weights(str(weights))
    else:
        model.save(tmp_path / "m.keras")
        bad = rewrite(tmp_path / "m.keras", tmp_path / "bad.keras",
                      {"model.weights.h5": weights.read_bytes()})
        with pytest.raises(ValueError, match=r"bad\.keras.*vars/1.*numeric"):
            keras.models.load_model(bad)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_lambda_refused_in_safe_mode_and_loads_only_with_its_function(tmp_path):
    model = small_model(layers.Lambda(double, name="dbl"))
    path = tmp_path / "lam.keras"
    model.save(path)
    with pytest.raises(ValueError, match=r"Lambda layer 'dbl' in safe mode.*"
                                         r"safe_mode=False.*'double'"):
        keras.models.load_model(path)
    with pytest.raises(ValueError, match=r"Lambda layer 'dbl'.*by name.*custom_objects="):
        keras.models.load_model(path, safe_mode=False)
    # The objects alone are not enough: safe mode still refuses.
    with pytest.raises(ValueError, match="safe mode"):
        keras.models.load_model(path, custom_objects={"double": double})
    loaded = keras.models.load_model(path, safe_mode=False, custom_objects={"double": double})
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_lambda_bytecode_from_keras_is_never_run(tmp_path):
    """A Keras file stores a `lambda` as marshalled bytecode; numen wants the function."""
    model = small_model()
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        config = json.loads(z.read("config.json"))
    marker = tmp_path / "ran"
    config["config"]["layers"].append({
        "module": "keras.layers", "class_name": "Lambda", "registered_name": None,
        "config": {"name": "plus_one", "arguments": {}, "function": {
            "class_name": "__lambda__",
            # Not valid bytecode: if anything tried to unmarshal it, it would fail loudly.
            "config": {"code": f"open({str(marker)!r}, 'w')", "defaults": None,
                       "closure": None}}}})
    path = rewrite(tmp_path / "m.keras", tmp_path / "lam.keras",
                   {"config.json": json.dumps(config)})
    with pytest.raises(ValueError, match="safe mode"):
        keras.models.load_model(path)
    with pytest.raises(ValueError, match=r"'plus_one'.*bytecode.*never.*\{'plus_one': fn\}"):
        keras.models.load_model(path, safe_mode=False)
    loaded = keras.models.load_model(path, safe_mode=False,
                                     custom_objects={"plus_one": lambda x: x + 1})
    expected = model.predict(X, verbose=0) + 1
    np.testing.assert_allclose(loaded.predict(X, verbose=0), expected, rtol=1e-6)
    assert not marker.exists()


class MyDense(layers.Dense):
    pass


def test_unknown_classes_need_the_objects(tmp_path):
    backend.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), MyDense(2)])
    path = tmp_path / "custom.keras"
    model.save(path)
    for safe_mode in (True, False):
        with pytest.raises(ValueError, match=r"custom\.keras.*Unknown layer class 'MyDense'"):
            keras.models.load_model(path, safe_mode=safe_mode)
    loaded = keras.models.load_model(path, custom_objects={"MyDense": MyDense})
    assert type(loaded.layers[0]) is MyDense
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


@pytest.mark.parametrize("member, why", [
    ("/etc/passwd", "absolute path"),
    ("../../outside.json", r"'\.\.'"),
    ("assets/../../x", r"'\.\.'"),
    ("C:/windows/x", "absolute path"),
    ("payload.pkl", "unexpected member"),
    ("model.weights.npz", "unexpected member"),
])
def test_bad_member_names_are_refused(tmp_path, member, why):
    small_model().save(tmp_path / "m.keras")
    bad = rewrite(tmp_path / "m.keras", tmp_path / "bad.keras", add=[(member, b"{}")])
    with pytest.raises(ValueError, match=rf"bad\.keras: refusing zip member .*{why}"):
        keras.models.load_model(bad)
    with pytest.raises(ValueError, match=r"bad\.keras"):
        small_model().load_weights(str(bad))


def test_known_extra_members_still_load(tmp_path):
    model = small_model()
    model.save(tmp_path / "m.keras")
    ok = rewrite(tmp_path / "m.keras", tmp_path / "ok.keras", compression=zipfile.ZIP_DEFLATED,
                 add=[("numen_preprocessing.json", b"{}"), ("assets/vocab.txt", b"a\nb")])
    loaded = keras.models.load_model(ok)
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])


def test_duplicate_members_are_refused(tmp_path):
    small_model().save(tmp_path / "m.keras")
    with pytest.warns(UserWarning, match="Duplicate name"):
        bad = rewrite(tmp_path / "m.keras", tmp_path / "dup.keras",
                      add=[("config.json", b"{}")])
    with pytest.raises(ValueError, match=r"dup\.keras.*'config\.json'.*twice"):
        keras.models.load_model(bad)


def test_zip_bomb_is_refused_from_its_header(tmp_path):
    small_model().save(tmp_path / "m.keras")
    # 64 MiB of zeros deflates to ~64 KiB: a 1000:1 member, far past any real model file.
    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(tmp_path / "m.keras") as src, \
            zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "model.weights.h5":
                info = zipfile.ZipInfo(name)
                info.compress_type = zipfile.ZIP_DEFLATED
                with dst.open(info, "w", force_zip64=True) as f:
                    f.write(data)
                    for _ in range(64):
                        f.write(bytes(1 << 20))
            else:
                dst.writestr(name, data)
    assert bomb.stat().st_size < 2 << 20
    with pytest.raises(ValueError, match=r"bomb\.keras: refusing zip member "
                                         r"'model\.weights\.h5'.*decompression bomb"):
        keras.models.load_model(bomb)


def test_member_longer_than_its_header_is_refused(tmp_path):
    """The header's size is trusted only as a bound: reading stops there."""
    small_model().save(tmp_path / "m.keras")
    path = tmp_path / "m.keras"
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("config.json")
    data = bytearray(path.read_bytes())
    # Lower the declared uncompressed size in both headers (stored members: the reader
    # copies compress_size bytes, then finds more than the header allowed).
    lie = info.file_size - 10
    local = info.header_offset
    data[local + 22:local + 26] = lie.to_bytes(4, "little")
    central = data.find(b"PK\x01\x02" + bytes(data[local + 4:local + 42]))
    while bytes(data[central + 46:central + 57]) != b"config.json":
        central = data.find(b"PK\x01\x02", central + 4)
    data[central + 24:central + 28] = lie.to_bytes(4, "little")
    bad = tmp_path / "lies.keras"
    bad.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"lies\.keras.*config\.json"):
        keras.models.load_model(bad)


def test_keras_format_documents_its_members():
    assert set(keras_format.ALLOWED_MEMBERS) >= {"metadata.json", "config.json",
                                                 "model.weights.h5"}


def test_clone_model_keeps_lambda_functions():
    model = small_model(layers.Lambda(lambda x: x * 3, name="triple"),
                        layers.Lambda(double, name="dbl"))
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(X, verbose=0), model.predict(X, verbose=0))
