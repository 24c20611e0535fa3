""".keras interoperability of the image augmentation layers, both ways: a model saved by numen
loads in Keras 3 and one saved by Keras 3 loads in numen, with the same layer configs and the
same predictions (augmentation is off in predict; AutoContrast and CLAHE act there as well).

Runs where a real Keras 3 is importable (the interop environment:
`PYTHONPATH=src /work/main/.venv/interop/bin/python -m pytest tests/test_interop_augment.py`);
skipped elsewhere.
"""

import json

import numpy as np
import pytest

from numen import keras as numen_keras

# (class name, kwargs): every augmentation layer that sits in a Sequential image model.
# Two are only checked through their configs (CONFIG_ONLY): Keras 3.15.1 leaves images
# uncropped by RandomCrop at inference (numen crops as documented), so such models cannot
# predict there, and its Equalization returns its input as its symbolic output, which makes
# a Keras model containing it a cycle.
LAYERS = [
    ("RandomRotation", {"factor": 0.2, "fill_mode": "constant", "seed": 1}),
    ("RandomZoom", {"height_factor": (-0.2, 0.3), "width_factor": 0.1, "seed": 2}),
    ("RandomTranslation", {"height_factor": 0.1, "width_factor": (0.0, 0.2)}),
    ("RandomShear", {"x_factor": (0.1, 0.3), "y_factor": (0.0, 0.2), "fill_mode": "wrap"}),
    ("RandomPerspective", {"factor": 0.5, "scale": 0.3}),
    ("RandomElasticTransform", {"factor": 0.7, "scale": 0.4}),
    ("RandomErasing", {"factor": 0.5, "fill_value": 3.0}),
    ("RandomGaussianBlur", {"kernel_size": 5, "sigma": 0.8}),
    ("RandomGrayscale", {"factor": 0.3}),
    ("RandomHue", {"factor": 0.4}),
    ("RandomSaturation", {"factor": (0.3, 0.6)}),
    ("RandomSharpness", {"factor": 0.7}),
    ("RandomColorJitter", {"brightness_factor": 0.2, "hue_factor": 0.1}),
    ("RandomColorDegeneration", {"factor": 0.5}),
    ("RandomInvert", {"factor": 0.5}),
    ("RandomPosterization", {"factor": (2, 5)}),
    ("Solarization", {"addition_factor": 0.2, "threshold_factor": 0.6}),
    # CLAHE first: its integer lookups would magnify float rounding in AutoContrast's output
    ("ContrastLimitedAdaptiveHistogramEqualization", {"tile_grid_size": (2, 2)}),
    ("AutoContrast", {}),
    ("AugMix", {"num_chains": 2}),
    ("CutMix", {"factor": 0.5}),
    ("MixUp", {"alpha": 0.3}),
    ("RandAugment", {"num_ops": 1}),
    ("MaxNumBoundingBoxes", {"max_number": 4}),
]

CONFIG_ONLY = [
    ("RandomCrop", {"height": 5, "width": 6, "seed": 3, "data_format": "channels_first"}),
    ("Equalization", {"bins": 128, "value_range": (0, 1)}),
]


@pytest.fixture(scope="module")
def real_keras():
    keras = pytest.importorskip("keras")
    if not hasattr(keras, "saving") or keras.__name__ != "keras" or not hasattr(
            keras.layers, "RandAugment"):
        pytest.skip("the installed `keras` is not Keras 3 with the augmentation layers")
    return keras


def _model(keras):
    layers = [getattr(keras.layers, name)(**kwargs) for name, kwargs in LAYERS]
    model = keras.Sequential([keras.Input((8, 8, 3)), *layers, keras.layers.Flatten(),
                              keras.layers.Dense(2)])
    model.layers[-1].set_weights([np.linspace(-1, 1, 384).reshape(192, 2).astype("float32"),
                                  np.array([0.5, -0.5], "float32")])
    return model


def _configs(model_or_layers):
    layers = getattr(model_or_layers, "layers", model_or_layers)
    return [json.loads(json.dumps({k: v for k, v in layer.get_config().items()
                                   if k not in ("name", "dtype")})) for layer in layers]


def _x():
    return np.random.default_rng(0).uniform(0, 255, (3, 8, 8, 3)).astype("float32")


def test_numen_model_loads_in_keras3(real_keras, tmp_path):
    model = _model(numen_keras)
    path = str(tmp_path / "numen_augment.keras")
    model.save(path)
    loaded = real_keras.models.load_model(path)
    assert [type(a).__name__ for a in loaded.layers] == [type(a).__name__ for a in model.layers]
    np.testing.assert_allclose(np.asarray(loaded.predict(_x(), verbose=0)),
                               model.predict(_x(), verbose=0), rtol=1e-4, atol=1e-2)


def test_keras3_model_loads_in_numen(real_keras, tmp_path):
    model = _model(real_keras)
    path = str(tmp_path / "keras_augment.keras")
    model.save(path)
    loaded = numen_keras.models.load_model(path)
    assert [type(a).__name__ for a in loaded.layers] == [type(a).__name__ for a in model.layers]
    n = len(LAYERS)  # the augmentation layers (Flatten and Dense are checked elsewhere)
    assert _configs(loaded.layers[:n]) == _configs(model.layers[:n])
    np.testing.assert_allclose(loaded.predict(_x(), verbose=0),
                               np.asarray(model.predict(_x(), verbose=0)), rtol=1e-4,
                               atol=1e-2)


@pytest.mark.parametrize("name, kwargs", LAYERS + CONFIG_ONLY, ids=lambda v: str(v)[:24])
def test_configs_cross_both_ways(real_keras, name, kwargs):
    ours = getattr(numen_keras.layers, name)(**kwargs)
    theirs = getattr(real_keras.layers, name).from_config(ours.get_config())
    back = getattr(numen_keras.layers, name).from_config(theirs.get_config())
    assert _configs([back]) == _configs([theirs]) == _configs([ours])
