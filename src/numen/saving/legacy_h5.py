"""tf.keras 2.x `.h5` files: the architecture from the `model_config` attribute (JSON) and
the weights from the `model_weights` group (`layer_names` / `weight_names` attributes).
Reading only; numen writes Keras 3's `.keras` format."""

from __future__ import annotations

import json
import warnings

import h5py
import numpy as np

from numen import backend
from numen.saving.keras_format import MALFORMED, malformed
from numen.saving.serialization import deserialize_layer, safe_mode_scope
from numen.saving.weights_h5 import numeric_dataset


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def save_legacy_h5(model, filepath: str, overwrite: bool = True) -> None:
    raise ValueError(f"Saving to the legacy .h5 format is not supported ({filepath!r}); save "
                     "to a .keras file instead (loading tf.keras 2 .h5 files is supported)")


def load_legacy_h5(filepath: str, custom_objects=None, compile: bool = True,
                   safe_mode: bool = True):
    """Architecture + weights of a tf.keras 2 `.h5` model (compile settings are not read).

    Raises:
        ValueError: the file is not readable HDF5, its `model_config` is not a model's JSON
            config, or its weights are missing, misshapen or not numeric; names the file.
    """
    try:
        f = h5py.File(filepath, "r")
    except OSError as exc:
        raise ValueError(f"{filepath} is not a readable HDF5 file (truncated or corrupted): "
                         f"{exc}") from None
    with f:
        try:
            return _load_open(f, filepath, custom_objects, safe_mode)
        except FileNotFoundError:
            raise
        except MALFORMED as exc:
            raise malformed(filepath, "the model", exc) from exc


def _load_open(f, filepath: str, custom_objects, safe_mode: bool):
    if "model_config" not in f.attrs:
        raise ValueError(f"{filepath} has no `model_config`: it holds weights only; build "
                         "the model in code and call load_weights()")
    try:
        config = json.loads(_text(f.attrs["model_config"]))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(f"{filepath}: model_config is not valid JSON: {exc}") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"{filepath}: model_config does not describe a model")
    rng_state = backend.rng().bit_generator.state
    try:
        with safe_mode_scope(safe_mode):
            model = deserialize_layer(config, custom_objects=custom_objects)
    finally:
        backend.rng().bit_generator.state = rng_state
    read_legacy_weights(f["model_weights"] if "model_weights" in f else f, model, filepath)
    return model


def read_legacy_weights(group, model, filepath: str, skip_mismatch: bool = False) -> None:
    """Assign weights stored per layer name, in each layer's `weights` order."""
    if not isinstance(group, h5py.Group):
        raise ValueError(f"{filepath}: 'model_weights' should be a group, found "
                         f"{type(group).__name__}")
    names = [_text(n) for n in np.ravel(group.attrs.get("layer_names", []))]
    plan = []
    for layer in model.layers:
        weights = layer.weights
        if layer.name not in names:
            if weights:
                problem = f"layer '{layer.name}' is not in the file"
                if not skip_mismatch:
                    raise ValueError(f"Cannot load weights from {filepath}: {problem}")
                warnings.warn(f"Skipping {problem}", stacklevel=2)
            continue
        g = group[layer.name] if layer.name in group else None
        if not isinstance(g, h5py.Group):
            raise ValueError(f"{filepath}: layer '{layer.name}' is listed but its weights "
                             "group is missing")
        weight_names = [_text(n) for n in np.ravel(g.attrs.get("weight_names", []))]
        missing = [n for n in weight_names if n not in g]
        if missing:
            raise ValueError(f"{filepath}: layer '{layer.name}' lacks weights {missing}")
        # Only the headers here: shapes are compared before any array is read.
        arrays = [numeric_dataset(g[n], f"{layer.name}/{n}", filepath) for n in weight_names]
        shapes_ok = len(arrays) == len(weights) and all(
            a.shape == tuple(w.shape) for a, w in zip(arrays, weights))
        if not shapes_ok:
            problem = (f"layer '{layer.name}' expects shapes {[tuple(w.shape) for w in weights]}"
                       f", the file has {[a.shape for a in arrays]}")
            if not skip_mismatch:
                raise ValueError(f"Cannot load weights from {filepath}: {problem}")
            warnings.warn(f"Skipping {problem}", stacklevel=2)
            continue
        plan += list(zip(weights, arrays))
    values = [(w, np.asarray(a[()], dtype=w.dtype)) for w, a in plan]
    for w, value in values:
        w.assign(backend.to_device(value))
