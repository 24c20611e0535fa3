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


def _legacy_order(layer) -> list:
    """A layer's weights in the order tf.keras 2 wrote them: trainable ones, then the rest."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _file_layers(group, filepath: str) -> list:
    """(name, [datasets]) of each layer the file lists, in the file's order; only headers are
    read here, no array."""
    names = [_text(n) for n in np.ravel(group.attrs.get("layer_names", []))]
    out = []
    for name in names:
        g = group[name] if name in group else None
        if not isinstance(g, h5py.Group):
            raise ValueError(f"{filepath}: layer '{name}' is listed but its weights group is "
                             "missing")
        weight_names = [_text(n) for n in np.ravel(g.attrs.get("weight_names", []))]
        missing = [n for n in weight_names if n not in g]
        if missing:
            raise ValueError(f"{filepath}: layer '{name}' lacks weights {missing}")
        out.append((name, [numeric_dataset(g[n], f"{name}/{n}", filepath)
                           for n in weight_names]))
    return out


def _pair(layer, name: str, arrays: list, filepath: str, skip_shapes: bool,
          skip_counts: bool) -> list:
    """[(variable, dataset)] for one model layer and one file layer. Raises ValueError when
    their numbers of arrays differ (unless `skip_counts`: a warning, and nothing loads) or a
    shape differs (unless `skip_shapes`: a warning, and that one array does not load)."""
    weights = _legacy_order(layer)
    where = f"layer '{layer.name}' (file layer '{name}')"
    if len(arrays) != len(weights):
        problem = f"{where} expects {len(weights)} weight arrays, the file has {len(arrays)}"
        if not skip_counts:
            raise ValueError(f"Cannot load weights from {filepath}: {problem}")
        warnings.warn(f"Skipping {problem}", stacklevel=3)
        return []
    pairs = []
    for w, a in zip(weights, arrays):
        if a.shape == tuple(w.shape):
            pairs.append((w, a))
            continue
        problem = (f"{where}: weight '{w.name}' has shape {tuple(w.shape)}, the file's has "
                   f"{a.shape}")
        if not skip_shapes:
            raise ValueError(f"Cannot load weights from {filepath}: {problem}")
        warnings.warn(f"Skipping {problem}", stacklevel=3)
    return pairs


def read_legacy_weights(group, model, filepath: str, skip_mismatch: bool = False,
                        by_name: bool = False) -> None:
    """Assign the weights of a tf.keras 2 `.h5` file (or `model_weights` group) to `model`.

    As Keras does: by default the file's layers that hold weights are matched, in order, with
    the model's layers that hold weights, whatever their names (the published ImageNet files
    name auto-named layers as the session that wrote them did). With `by_name=True`, a file
    layer goes to the model layers of the same name, and layers on either side without a
    match are left alone. Each layer's arrays are in tf.keras 2's order (trainable weights
    first). A failed load leaves every weight unchanged.

    Raises:
        ValueError: the numbers of layers (by order) or of arrays in a layer differ, or a
            shape differs, or the file is malformed; the message names the file. With
            `skip_mismatch`, an array whose shape differs (and, by name, a layer whose number
            of arrays differs) is skipped with a warning instead.
    """
    if not isinstance(group, h5py.Group):
        raise ValueError(f"{filepath}: 'model_weights' should be a group, found "
                         f"{type(group).__name__}")
    saved = _file_layers(group, filepath)
    plan = []
    if by_name:
        index = {}
        for layer in model.layers:
            index.setdefault(layer.name, []).append(layer)
        for name, arrays in saved:
            for layer in index.get(name, []):
                plan += _pair(layer, name, arrays, filepath, skip_mismatch, skip_mismatch)
    else:
        layers = [layer for layer in model.layers if layer.weights]
        saved = [(name, arrays) for name, arrays in saved if arrays]
        if len(saved) != len(layers):
            raise ValueError(f"Cannot load weights from {filepath}: the model has "
                             f"{len(layers)} layers with weights, the file has {len(saved)}; "
                             "layers are matched in order (pass by_name=True to match them "
                             "by name)")
        for layer, (name, arrays) in zip(layers, saved):
            # As in Keras, skip_mismatch forgives shapes here, not numbers of arrays.
            plan += _pair(layer, name, arrays, filepath, skip_mismatch, False)
    values = [(w, np.asarray(a[()], dtype=w.dtype)) for w, a in plan]
    for w, value in values:
        w.assign(backend.to_device(value))
