"""The public saving functions: `keras.saving.save_model`/`load_model`, weights files,
JSON configs and `clone_model`."""

from __future__ import annotations

import json
import os

import h5py

from numen import config
from numen.saving import atomic, keras_format, weights_h5
from numen.saving.serialization import deserialize_layer, serialize_layer


def _path(filepath) -> str:
    if not isinstance(filepath, (str, os.PathLike)):
        raise TypeError(f"filepath must be a str or path, received {type(filepath).__name__}")
    return os.fspath(filepath)


def save_model(model, filepath, overwrite: bool = True, zipped=None, **kwargs) -> None:
    """Save architecture, weights, compile settings and optimizer state to a `.keras` file.

    Args:
        model: the model to save.
        filepath: a path ending in `.keras` (`.h5` writes the legacy tf.keras 2 format).
        overwrite: when False, refuse to replace an existing file (FileExistsError).

    >>> model.save("model.keras")
    """
    filepath = _path(filepath)
    if filepath.endswith((".h5", ".hdf5")):
        from numen.saving import legacy_h5

        return legacy_h5.save_legacy_h5(model, filepath, overwrite=overwrite)
    if not filepath.endswith(".keras"):
        raise ValueError(f"save_model: the filepath must end in .keras (or .h5 for the legacy "
                         f"format), received {filepath!r}; use save_weights() for "
                         ".weights.h5 files")
    keras_format.save_model(model, filepath, overwrite=overwrite,
                            include_optimizer=kwargs.get("include_optimizer", True))


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    """Load a model saved by `save_model` or by Keras 3 (`.keras`), or a tf.keras 2 `.h5`.

    Loading parses JSON, zip headers and numeric HDF5 arrays only: nothing in the file is
    executed, unpickled or unmarshalled, and classes come only from numen's table, the
    registered ones and `custom_objects`.

    Args:
        filepath: a `.keras` or legacy `.h5` file.
        custom_objects: `{name: class or function}` for custom layers, losses and the like.
        compile: whether to compile the model with the saved compile settings.
        safe_mode: when True (the default), Lambda layers are refused. With False, a
            Lambda loads only when its function is passed in `custom_objects` under its
            name (or the layer's name for a saved `lambda`): Python bytecode stored in a
            Keras file is never run.

    Raises:
        ValueError: the file is truncated or corrupted; a zip member has an absolute or `..`
            path, an unexpected name or an implausible size; an HDF5 array is not numeric;
            the config is malformed or names an unknown or unsafe class. The message names
            the file (and the member when there is one).
        TypeError: `filepath` is not a str or path.
        FileNotFoundError: no such file (an OSError).

    >>> model = keras.saving.load_model("model.keras")
    """
    filepath = _path(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"load_model: no such file {filepath!r}")
    safe_mode = safe_mode and not config.unsafe_deserialization_enabled()
    if filepath.endswith((".h5", ".hdf5")) or h5py.is_hdf5(filepath):
        from numen.saving import legacy_h5

        return legacy_h5.load_legacy_h5(filepath, custom_objects=custom_objects,
                                        compile=compile, safe_mode=safe_mode)
    return keras_format.load_model(filepath, custom_objects=custom_objects, compile=compile,
                                   safe_mode=safe_mode)


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """Write the model's weights to a `.weights.h5` file (Keras 3 layout), atomically."""
    filepath = _path(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError(f"save_weights: the filename must end in .weights.h5, received "
                         f"{filepath!r}")
    with atomic.atomic_path(filepath, overwrite) as tmp:
        with h5py.File(tmp, "w", libver=weights_h5.LIBVER) as f:
            weights_h5.write_weights(f, model, include_optimizer=True)


def load_weights(model, filepath, skip_mismatch: bool = False, **kwargs) -> None:
    """Load weights from a `.weights.h5` file, or the weights inside a `.keras` file.

    With `skip_mismatch=True`, layers whose variable count or shapes differ are skipped with a
    warning instead of raising ValueError. A tf.keras 2 `.h5` file (such as the published
    ImageNet weights) is matched layer by layer in order, as Keras does, or by layer name with
    `by_name=True` (for those files only).

    Raises:
        ValueError: the file is damaged, holds non-numeric arrays, or does not match the
            model; the message names the file. A failed load leaves the weights unchanged.
        FileNotFoundError: no such file (an OSError).
    """
    by_name = kwargs.pop("by_name", None)
    if kwargs.pop("objects_to_skip", None) is not None:
        raise NotImplementedError("load_weights: `objects_to_skip` is not implemented in numen")
    if kwargs:
        raise ValueError(f"load_weights: unknown keyword arguments {sorted(kwargs)}; expected "
                         "skip_mismatch or (for legacy .h5 files) by_name")
    filepath = _path(filepath)
    if by_name is not None and (filepath.endswith((".keras", ".weights.h5"))
                                or not filepath.endswith((".h5", ".hdf5"))):
        raise ValueError(f"load_weights: `by_name` applies to legacy .h5 / .hdf5 files only; "
                         f"received by_name={by_name!r} with {filepath!r}")
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"load_weights: no such file {filepath!r}")
    if filepath.endswith(".keras"):
        import io

        data = keras_format.read_members(filepath)["model.weights.h5"]
        try:
            with h5py.File(io.BytesIO(data), "r") as f:
                weights_h5.read_weights(f, model, filepath, skip_mismatch)
        except keras_format.MALFORMED as exc:
            raise keras_format.malformed(filepath, "model.weights.h5", exc) from exc
        return
    if not filepath.endswith((".h5", ".hdf5")):
        raise ValueError(f"load_weights: expected a .weights.h5 or .keras file, received "
                         f"{filepath!r}")
    try:
        f = h5py.File(filepath, "r")
    except OSError as exc:
        raise ValueError(f"{filepath} is not a readable HDF5 weights file (truncated or "
                         f"corrupted): {exc}") from None
    with f:
        try:
            if "model_weights" in f or "layer_names" in f.attrs:
                from numen.saving import legacy_h5

                group = f["model_weights"] if "model_weights" in f else f
                return legacy_h5.read_legacy_weights(group, model, filepath, skip_mismatch,
                                                   by_name=bool(by_name))
            weights_h5.read_weights(f, model, filepath, skip_mismatch)
        except (KeyError, RuntimeError, OSError, TypeError, IndexError, AttributeError,
                MemoryError, OverflowError) as exc:
            # What h5py raises for damaged object headers or a failed checksum.
            raise ValueError(f"{filepath} is a damaged weights file (corrupted HDF5 data): "
                             f"{type(exc).__name__}: {exc}") from None


def model_from_json(json_string: str, custom_objects=None):
    """A new (untrained) model from `model.to_json()` output."""
    try:
        config = json.loads(json_string)
    except json.JSONDecodeError as exc:
        raise ValueError(f"model_from_json: not valid JSON: {exc}") from None
    return deserialize_layer(config, custom_objects=custom_objects)


def model_from_config(config: dict, custom_objects=None):
    return deserialize_layer(config, custom_objects=custom_objects)


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model with the same architecture and freshly initialized weights."""
    if clone_function is not None or call_function is not None or input_tensors is not None:
        raise NotImplementedError("clone_model: clone_function, call_function and "
                                  "input_tensors are not supported yet")
    # Lambda functions are in memory here, not read from a file: hand them over by layer name.
    from numen.layers import Lambda
    from numen.saving.serialization import safe_mode_scope

    functions = {layer.name: layer.function for _, layer in weights_h5.layer_groups(model)
                 if isinstance(layer, Lambda)}
    with safe_mode_scope(not functions):
        return deserialize_layer(serialize_layer(model), custom_objects=functions or None)
