"""The `.keras` file: an uncompressed zip of `metadata.json`, `config.json` (the model's
config plus its compile settings) and `model.weights.h5` (weights and optimizer state), as
Keras 3 writes it. Reading parses JSON and HDF5 only: nothing from the file is executed."""

from __future__ import annotations

import datetime
import io
import json
import zipfile

import h5py

from numen import backend
from numen.saving import atomic, compile_config, weights_h5
from numen.saving.serialization import deserialize_layer, serialize_layer

_MEMBERS = ("metadata.json", "config.json", "model.weights.h5")
KERAS_VERSION = "3.15.1"  # the Keras format version these files follow


def model_config(model) -> dict:
    """The top-level entry of config.json: the model, its build and compile settings."""
    entry = serialize_layer(model)
    shapes = model._expected_input_shapes() if hasattr(model, "_expected_input_shapes") else None
    entry["build_config"] = {"input_shape": list(shapes[0]) if shapes and len(shapes) == 1
                             else None}
    if getattr(model, "compiled", False):
        entry["compile_config"] = compile_config.serialize(model)
    return entry


def save_model(model, filepath: str, overwrite: bool = True, include_optimizer=True) -> None:
    """Write `model` to a `.keras` file atomically."""
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    config = json.dumps(model_config(model))
    weights = io.BytesIO()
    with h5py.File(weights, "w") as f:
        weights_h5.write_weights(f, model, include_optimizer=include_optimizer)
    with atomic.atomic_path(filepath, overwrite) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as z:
            z.writestr("metadata.json", json.dumps(metadata))
            z.writestr("config.json", config)
            z.writestr("model.weights.h5", weights.getvalue())


def read_members(filepath: str) -> dict[str, bytes]:
    """The three members of a `.keras` file, checked.

    Raises:
        ValueError: the file is not a readable `.keras` zip (truncated, corrupted, missing
            members), naming the file.
    """
    try:
        with zipfile.ZipFile(filepath, "r") as z:
            names = set(z.namelist())
            missing = [m for m in _MEMBERS[1:] if m not in names]
            if missing:
                raise ValueError(f"{filepath} is not a Keras model file: it lacks {missing} "
                                 f"(found {sorted(names)})")
            return {m: z.read(m) for m in _MEMBERS if m in names}
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
        raise ValueError(f"{filepath} is not a valid .keras file (truncated or corrupted "
                         f"zip): {exc}") from None
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"Cannot read {filepath} as a .keras file: {exc}") from None


def load_model(filepath: str, custom_objects=None, compile: bool = True):
    """Rebuild a model from a `.keras` file: architecture, weights, compile settings and
    optimizer state. numen's RNG is left as it was before loading (building the layers
    draws initial values that are then overwritten)."""
    members = read_members(filepath)
    try:
        config = json.loads(members["config.json"].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{filepath}: config.json is not valid JSON: {exc}") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"{filepath}: config.json does not describe a model")
    rng_state = backend.rng().bit_generator.state
    try:
        model = deserialize_layer(config, custom_objects=custom_objects)
        _ensure_built(model, config)
        if compile and config.get("compile_config"):
            compile_config.apply(model, config["compile_config"], custom_objects)
    finally:
        backend.rng().bit_generator.state = rng_state
    try:
        with h5py.File(io.BytesIO(members["model.weights.h5"]), "r") as f:
            weights_h5.read_weights(f, model, filepath)
    except OSError as exc:
        raise ValueError(f"{filepath}: model.weights.h5 is not a readable HDF5 file: "
                         f"{exc}") from None
    return model


def _ensure_built(model, config: dict) -> None:
    if getattr(model, "built", False):
        return
    shape = (config.get("build_config") or {}).get("input_shape")
    if shape is not None:
        model.build(tuple(shape))
