"""keras.applications against real Keras 3's facts (tests/fixtures/keras_applications/, written
by make_keras_applications.py): parameter counts, layer names, output shapes, a forward pass
with deterministic weights, preprocess_input; and the weight loading paths (ImageNet through
get_file from a local file:// origin, a local path), decode_predictions offline, and the
argument errors.

Each fixture is replayed only when numen has the family's module, so families land one by one.
Building a model takes seconds even with weights=None: numen infers each layer's output shape
by running it on zeros (twice, at two batch sizes), so a builder at its default 224x224 or
299x299 size costs about two forward passes. Those checks are marked slow.
"""

import hashlib
import importlib
import importlib.util
import json
import os
import sys

import numpy as np
import pytest

from numen import applications, backend
from numen.applications import FAMILIES, imagenet_utils
from numen.layers.base import reset_names

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))
import app_weights  # noqa: E402

HERE = os.path.join(os.path.dirname(__file__), "fixtures", "keras_applications")


def _has_family(family):
    return importlib.util.find_spec(f"numen.applications.{family}") is not None


def _records():
    out = {}
    for file in sorted(os.listdir(HERE)) if os.path.isdir(HERE) else []:
        family = file.removesuffix(".json")
        if file.endswith(".json") and _has_family(family):
            with open(os.path.join(HERE, file)) as f:
                out[family] = json.load(f)
    return out


RECORDS = _records()
PRESENT = [f for f in FAMILIES if f != "imagenet_utils" and _has_family(f)]


def _builder_params():
    params = []
    for family, record in RECORDS.items():
        for name in record["builders"]:
            # every builder at its default size takes seconds (see the module docstring)
            params.append(pytest.param(family, name, id=f"{family}-{name}",
                                       marks=[pytest.mark.slow]))
    return params


# families whose small forward-check model builds and runs in about a second; the checks on
# the others are marked slow
_CHEAP = {"mobilenet", "mobilenet_v2", "mobilenet_v3"}


def _cheap(family):
    return [] if family in _CHEAP else [pytest.mark.slow]


def module(family):
    return importlib.import_module(f"numen.applications.{family}")


def _count(variables):
    return int(sum(np.prod(v.shape) for v in variables))


@pytest.mark.parametrize("family,name", _builder_params())
def test_builder_matches_keras(family, name):
    expected = RECORDS[family]["builders"][name]
    builder = getattr(module(family), name)
    model = builder(weights=None)
    assert model.name == expected["name"]
    names = [layer.name for layer in model.layers]
    assert sorted(names) == sorted(expected["layers"])
    assert _count(model.trainable_weights) == expected["trainable"]
    assert _count(model.non_trainable_weights) == expected["non_trainable"]
    assert list(model.input_shape) == expected["input_shape"]
    assert list(model.output_shape) == expected["top_shape"]
    pooled = builder(weights=None, include_top=False, pooling="avg")
    assert list(pooled.output_shape) == expected["avg_shape"]
    assert names == expected["layers"]  # Keras's order: weights files name layers by it


def _forward_model(family):
    info = RECORDS[family]["forward"]
    kwargs = dict(info["kwargs"])
    kwargs["input_shape"] = tuple(kwargs["input_shape"])
    return getattr(module(family), info["builder"])(**kwargs), info


def _assign_keras_weights(model, info):
    """Give `model` the deterministic weights, matched to Keras's by variable path."""
    by_path = {v.path: v for v in model.weights}
    missing = [path for path, _, _ in info["weights"] if path not in by_path]
    assert not missing, f"numen lacks Keras's variables {missing[:5]}"
    for index, (path, shape, dtype) in enumerate(info["weights"]):
        variable = by_path[path]
        assert list(variable.shape) == shape, path
        if "float" in dtype:
            variable.assign(app_weights.value(index, shape, path.split("/")[-1]))


@pytest.mark.parametrize("family", [
    pytest.param(f, marks=_cheap(f)) for f in RECORDS])
def test_forward_pass_matches_keras(family):
    model, info = _forward_model(family)
    assert len(model.weights) == len(info["weights"])
    _assign_keras_weights(model, info)
    arrays = np.load(os.path.join(HERE, f"{family}.npz"))
    y = backend.to_numpy(model(arrays["x"], training=False))
    expected = arrays["y"]
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=1e-3, atol=1e-4 * np.abs(expected).max())


@pytest.mark.parametrize("family", [
    pytest.param(f, marks=_cheap(f)) for f in RECORDS])
def test_weights_in_keras_order(family):
    """The same variables in the same order as Keras's `model.weights`: what a
    `.weights.h5` file written by Keras relies on."""
    model, info = _forward_model(family)
    paths = [v.path for v in model.weights]
    expected = [p for p, _, _ in info["weights"]]
    assert sorted(paths) == sorted(expected)
    assert paths == expected


@pytest.mark.parametrize("family", list(RECORDS))
def test_preprocess_input_matches_keras(family):
    arrays = np.load(os.path.join(HERE, f"{family}.npz"))
    y = module(family).preprocess_input(arrays["pre_x"].copy())
    np.testing.assert_allclose(backend.to_numpy(y), arrays["pre_y"], rtol=1e-5, atol=1e-4)


# --- the Keras face and import cost -------------------------------------------------------

def test_keras_face_spellings():
    if "resnet" not in PRESENT:
        pytest.skip("numen has no applications.resnet yet")
    from numen import keras
    from numen.keras.applications import ResNet50
    from numen.keras.applications.resnet import ResNet50 as resnet_resnet50

    assert keras.applications.ResNet50 is ResNet50 is resnet_resnet50
    assert keras.applications.resnet.preprocess_input is module("resnet").preprocess_input
    assert keras.applications.resnet50.ResNet50 is ResNet50
    assert applications.ResNet50 is ResNet50


def test_absent_name_is_an_attribute_error():
    from numen import keras

    assert not hasattr(keras.applications, "NoSuchNet")
    with pytest.raises(AttributeError, match="NoSuchNet"):
        applications.NoSuchNet  # noqa: B018


def test_importing_numen_builds_no_family():
    import subprocess

    code = ("import sys, numen; from numen import keras; keras.applications; "
            "print(sorted(m for m in sys.modules if m.startswith('numen.applications.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.stdout.strip() == "[]"


# --- decode_predictions with an offline class index ----------------------------------------

def _md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(imagenet_utils, "_class_index", None)
    return tmp_path / "home"


@pytest.fixture
def class_index(tmp_path):
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    path = tmp_path / "origin" / "imagenet_class_index.json"
    path.parent.mkdir()
    path.write_text(json.dumps(index))
    return path


def test_decode_predictions_offline(home, class_index, monkeypatch):
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_URL", class_index.as_uri())
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", _md5(class_index))
    preds = np.zeros((2, 1000), "float32")
    preds[0, [7, 3, 500]] = [0.5, 0.3, 0.2]
    preds[1, 999] = 1.0
    decoded = imagenet_utils.decode_predictions(preds, top=3)
    assert [c[1] for c in decoded[0]] == ["class_7", "class_3", "class_500"]
    assert decoded[0][0][0] == "n00000007"
    assert decoded[1][0][:2] == ("n00000999", "class_999")
    assert (home / "models" / "imagenet_class_index.json").exists()
    for family in PRESENT:
        assert module(family).decode_predictions(preds, top=1)[1][0][1] == "class_999"
    with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))


def test_class_index_with_wrong_hash_is_rejected(home, class_index, monkeypatch):
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_URL", class_index.as_uri())
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", "0" * 32)
    with pytest.raises(ValueError, match="hash"):
        imagenet_utils.decode_predictions(np.zeros((1, 1000)))
    cache = home / "models"
    assert not cache.exists() or os.listdir(cache) == []


def test_corrupt_cached_class_index_is_fetched_again(home, class_index, monkeypatch):
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_URL", class_index.as_uri())
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", _md5(class_index))
    cached = home / "models" / "imagenet_class_index.json"
    cached.parent.mkdir(parents=True)
    cached.write_text('{"0": ["n0", "trunc')  # a download cut short
    decoded = imagenet_utils.decode_predictions(np.eye(1000, dtype="float32")[:1], top=1)
    assert decoded[0][0][1] == "class_0"
    assert _md5(cached) == _md5(class_index)


# --- weights: ImageNet offline, a local path ------------------------------------------------

def _small_kwargs(family):
    info = RECORDS.get(family, {}).get("forward")
    if info is None:
        return None, {}
    kwargs = dict(info["kwargs"])
    kwargs["input_shape"] = tuple(kwargs["input_shape"])
    return info["builder"], kwargs


def _weights_equal(a, b):
    # position by position: a second build's unnamed layers get new automatic names
    assert len(a.weights) == len(b.weights)
    for x, y in zip(a.weights, b.weights):
        np.testing.assert_array_equal(backend.to_numpy(x), backend.to_numpy(y))


@pytest.mark.filterwarnings("ignore:.*no ImageNet weights for input_shape")
@pytest.mark.parametrize("family", [pytest.param(f, marks=_cheap(f)) for f in RECORDS])
def test_imagenet_weights_from_a_local_origin(family, home, tmp_path, monkeypatch):
    """weights='imagenet' goes through get_file (hash checked, cached); the family's URL is
    pointed at a folder holding a file numen saved, under every name the family asks for."""
    name, kwargs = _small_kwargs(family)
    # the module that defines the builder holds its URL and hashes (resnet50 -> resnet)
    mod = importlib.import_module(getattr(module(family), name).__module__)
    saved = getattr(mod, name)(**kwargs)
    path = tmp_path / "saved.weights.h5"
    saved.save_weights(str(path))
    origin = tmp_path / "origin"
    origin.mkdir()
    for file_name in mod.WEIGHT_HASHES:
        os.symlink(path, origin / file_name)
        monkeypatch.setitem(mod.WEIGHT_HASHES, file_name, _md5(path))
    monkeypatch.setattr(mod, "BASE_WEIGHTS_URL", origin.as_uri() + "/")
    kwargs["weights"] = "imagenet"
    reset_names()  # unnamed layers and weights get the same auto-names as in `saved`
    loaded = getattr(mod, name)(**kwargs)
    _weights_equal(saved, loaded)
    assert os.listdir(home / "models")
    # a damaged download is refused, and nothing is left in the cache
    for file_name in mod.WEIGHT_HASHES:
        monkeypatch.setitem(mod.WEIGHT_HASHES, file_name, "0" * 32)
    for cached in os.listdir(home / "models"):
        os.remove(home / "models" / cached)
    with pytest.raises(ValueError, match="hash"):
        getattr(mod, name)(**kwargs)
    assert os.listdir(home / "models") == []


@pytest.mark.parametrize("family", [pytest.param(f, marks=_cheap(f)) for f in RECORDS])
def test_weights_from_a_path(family, tmp_path):
    name, kwargs = _small_kwargs(family)
    builder = getattr(module(family), name)
    saved = builder(**kwargs)
    path = str(tmp_path / "mine.weights.h5")
    saved.save_weights(path)
    kwargs["weights"] = path
    reset_names()  # unnamed layers and weights get the same auto-names as in `saved`
    _weights_equal(saved, builder(**kwargs))


# --- argument errors ------------------------------------------------------------------------

def _first(family):
    return getattr(module(family), FAMILIES[family][0])


@pytest.mark.parametrize("family", PRESENT)
def test_argument_errors(family, tmp_path):
    builder = _first(family)
    with pytest.raises(ValueError, match="classes"):
        builder(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="weights"):
        builder(weights=str(tmp_path / "missing.weights.h5"))
    with pytest.raises(ValueError, match="weights"):
        builder(weights="cifar10")
    with pytest.raises(ValueError, match="input_shape"):
        builder(weights=None, include_top=False, input_shape=(8, 8))
    with pytest.raises(ValueError, match="input_shape"):
        builder(weights=None, include_top=False, input_shape=(8, 8, 3))
    with pytest.raises(ValueError, match="pooling"):
        builder(weights=None, include_top=False, input_shape=(224, 224, 3), pooling="mean")
    with pytest.raises(ValueError, match="classifier activation"):
        builder(weights="imagenet", classifier_activation="relu")


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_preprocess_input_on_a_symbolic_input(mode):
    """`preprocess_input(keras.Input(...))` becomes a step of the model, as in Keras."""
    from numen import keras

    inputs = keras.Input((4, 4, 3))
    model = keras.Model(inputs, imagenet_utils.preprocess_input(inputs, mode=mode))
    x = np.random.default_rng(0).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    expected = imagenet_utils.preprocess_input(x.copy(), mode=mode)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-4)
