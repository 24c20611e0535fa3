"""Preprocessing layers in `.keras` files, both ways with real Keras 3.

Keras wrote tests/fixtures/keras3/textpre_*.keras (tests/fixtures/make_keras_textpre.py): an
adapted StringLookup and TextVectorization keep their vocabulary as `assets/.../vocabulary.txt`,
TF-IDF weights as the variable `idf_weights`, Discretization its boundaries in the config. numen
must predict what Keras predicted. The other way (numen writes, Keras reads) runs only where
Keras and TensorFlow are importable, on Keras's TensorFlow backend (the one that feeds strings
through a model): `KERAS_BACKEND=tensorflow PYTHONPATH=src python -m pytest
tests/test_interop_textpre.py` in an environment with both.
"""

import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from numen import keras

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "keras3")
NAMES = ["structured", "text", "tf_idf"]


def _io(name):
    with np.load(os.path.join(FIXTURES, f"textpre_{name}_io.npz")) as data:
        arrays = dict(data)
    y = arrays.pop("y")
    x = arrays["x"] if "x" in arrays else {k[2:]: v for k, v in arrays.items()}
    return x, y


@pytest.mark.parametrize("name", NAMES)
def test_keras_file_predicts_the_same_in_numen(name):
    model = keras.models.load_model(os.path.join(FIXTURES, f"textpre_{name}.keras"))
    x, y = _io(name)
    np.testing.assert_allclose(model.predict(x, verbose=0), y, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_numen_round_trip_keeps_assets(name, tmp_path):
    model = keras.models.load_model(os.path.join(FIXTURES, f"textpre_{name}.keras"))
    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    with zipfile.ZipFile(path) as z:
        assets = sorted(n for n in z.namelist() if n.startswith("assets/"))
    with zipfile.ZipFile(os.path.join(FIXTURES, f"textpre_{name}.keras")) as z:
        assert assets == sorted(n for n in z.namelist() if n.startswith("assets/"))
    x, y = _io(name)
    again = keras.models.load_model(path)
    np.testing.assert_allclose(again.predict(x, verbose=0), y, rtol=1e-5, atol=1e-5)


_KERAS_READS = r"""
import sys, numpy as np, keras
model = keras.models.load_model(sys.argv[1])
data = dict(np.load(sys.argv[2]))
y = data.pop("y")
x = data["x"] if "x" in data else {k[2:]: v for k, v in data.items()}
np.testing.assert_allclose(np.asarray(model(x)), y, rtol=1e-5, atol=1e-5)
print("ok")
"""


def _keras_python():
    """A Python with Keras 3 and TensorFlow, or None."""
    for python in (os.environ.get("NUMEN_KERAS_TF_PYTHON"), sys.executable):
        if not python:
            continue
        probe = subprocess.run([python, "-c", "import keras, tensorflow"], capture_output=True)
        if probe.returncode == 0:
            return python
    return None


@pytest.mark.parametrize("name", NAMES)
def test_numen_file_loads_in_keras(name, tmp_path):
    python = _keras_python()
    if python is None:
        pytest.skip("needs Keras 3 with TensorFlow (set NUMEN_KERAS_TF_PYTHON)")
    model = keras.models.load_model(os.path.join(FIXTURES, f"textpre_{name}.keras"))
    x, _ = _io(name)
    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    io = str(tmp_path / "io.npz")
    y = model.predict(x, verbose=0)
    arrays = {f"x_{k}": v for k, v in x.items()} if isinstance(x, dict) else {"x": x}
    np.savez(io, y=y, **arrays)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["KERAS_BACKEND"] = "tensorflow"
    run = subprocess.run([python, "-c", _KERAS_READS, path, io], capture_output=True,
                         text=True, env=env, timeout=600)
    assert run.returncode == 0 and "ok" in run.stdout, run.stderr[-3000:]


def test_numen_numeric_preprocessing_loads_in_keras3(tmp_path):
    """Layers Keras runs without TensorFlow (Pipeline, Discretization, CategoryEncoding),
    checked in-process where the installed `keras` is Keras 3 (the interop environment)."""
    real_keras = pytest.importorskip("keras")
    if not hasattr(real_keras, "saving") or real_keras.__name__ != "keras":
        pytest.skip("the installed `keras` is not Keras 3")
    layers = keras.layers
    bucket = layers.Discretization(num_bins=4)
    data = np.random.default_rng(0).normal(size=(50, 1)).astype("float32")
    bucket.adapt(data)
    inputs = keras.Input(shape=(1,))
    pipe = layers.Pipeline([bucket, layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")])
    model = keras.Model(inputs, layers.Dense(2)(pipe(inputs)))
    path = str(tmp_path / "pipeline.keras")
    model.save(path)
    loaded = real_keras.models.load_model(path)
    np.testing.assert_allclose(np.asarray(loaded.predict(data, verbose=0)),
                               model.predict(data, verbose=0), rtol=1e-5, atol=1e-6)
    assert loaded.layers[1].layers[0].bin_boundaries == bucket.bin_boundaries
