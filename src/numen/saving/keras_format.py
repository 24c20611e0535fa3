"""The `.keras` file: an uncompressed zip of `metadata.json`, `config.json` (the model's
config plus its compile settings) and `model.weights.h5` (weights and optimizer state), as
Keras 3 writes it. Reading parses JSON and HDF5 only: nothing from the file is executed."""

from __future__ import annotations

import datetime
import io
import json
import os
import re
import struct
import tempfile
import zipfile
import zlib

import h5py

from numen import backend
from numen.saving import atomic, registry, weights_h5
from numen.saving.serialization import (
    deserialize_layer,
    safe_mode_scope,
    serialize_layer,
    serialize_values,
)

_MEMBERS = ("metadata.json", "config.json", "model.weights.h5")
KERAS_VERSION = "3.15.1"  # the Keras format version these files follow


def model_config(model) -> dict:
    """The top-level entry of config.json: the model, its build and compile settings."""
    entry = serialize_layer(model)
    compiled = model.get_compile_config() if hasattr(model, "get_compile_config") else None
    if compiled is not None:
        entry["compile_config"] = serialize_values(compiled)
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
            for name, data in _saved_assets(model).items():
                z.writestr(name, data)


def _saved_assets(model) -> dict[str, bytes]:
    """Files layers write with `save_assets(dir)` (a learned vocabulary, say), by their
    member name `assets/<layer path>/<file>`, as Keras stores them."""
    out = {}
    for path, layer in weights_h5.layer_groups(model):
        saver = getattr(layer, "save_assets", None)
        if saver is None:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            saver(tmp)
            for root, _, files in os.walk(tmp):
                for name in sorted(files):
                    full = os.path.join(root, name)
                    rel = os.path.relpath(full, tmp).replace(os.sep, "/")
                    with open(full, "rb") as f:
                        out[f"{_ASSETS}{path}/{rel}" if path else f"{_ASSETS}{rel}"] = f.read()
    return out


def _load_assets(model, members: dict[str, bytes]) -> None:
    """Give each layer with `load_assets(dir)` the files stored under its path."""
    for path, layer in weights_h5.layer_groups(model):
        loader = getattr(layer, "load_assets", None)
        prefix = f"{_ASSETS}{path}/" if path else _ASSETS
        files = {m[len(prefix):]: data for m, data in members.items()
                 if m.startswith(prefix) and "/" not in m[len(prefix):]}
        if loader is None or not files:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            for name, data in files.items():
                with open(os.path.join(tmp, name), "wb") as f:
                    f.write(data)
            loader(tmp)


# Members a `.keras` file may hold: Keras 3's three, the `numen train` extra, and layer assets.
ALLOWED_MEMBERS = ("metadata.json", "config.json", "model.weights.h5", "numen_preprocessing.json")
_ASSETS = "assets/"
_MAX_MEMBERS = 10_000
# Zip bombs: numen and Keras store members uncompressed (ratio 1), DEFLATE peaks near 1032:1.
# A member may expand at most this much over its stored bytes once it is past the floor.
_MAX_EXPANSION = 100
_EXPANSION_FLOOR = 16 << 20  # 16 MiB
_CHUNK = 1 << 20


def _refuse(filepath: str, member: str, why: str) -> ValueError:
    return ValueError(f"{filepath}: refusing zip member {member!r}: {why}")


def check_member(filepath: str, info: zipfile.ZipInfo) -> None:
    """Raise ValueError unless `info` is a member a `.keras` file may hold, of a sane size."""
    name = info.filename
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        raise _refuse(filepath, name, "absolute path or '..' (it would point outside the "
                      "archive)")
    if any(ord(c) < 32 for c in name):
        raise _refuse(filepath, name, "control characters in the name")
    if name not in ALLOWED_MEMBERS and not (name.startswith(_ASSETS) and "" not in parts[1:-1]):
        raise _refuse(filepath, name, f"unexpected member (a .keras file holds "
                      f"{list(ALLOWED_MEMBERS)} and assets/...)")
    if info.flag_bits & 0x1:
        raise _refuse(filepath, name, "the member is encrypted")
    if info.file_size > max(_EXPANSION_FLOOR, _MAX_EXPANSION * info.compress_size):
        raise _refuse(filepath, name, f"it declares {info.file_size} bytes uncompressed but "
                      f"stores only {info.compress_size} (a decompression bomb?)")


def _read_bounded(z: zipfile.ZipFile, info: zipfile.ZipInfo, filepath: str) -> bytes:
    # The header's size is checked above; this makes sure the stream keeps to it.
    limit, parts, total = info.file_size, [], 0
    with z.open(info, "r") as f:
        while True:
            chunk = f.read(min(_CHUNK, limit - total + 1))
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise _refuse(filepath, info.filename, f"it holds more than the {limit} bytes "
                              "its header declares")
            parts.append(chunk)
    return b"".join(parts)


def read_members(filepath: str) -> dict[str, bytes]:
    """The members of a `.keras` file that loading uses, checked.

    Every member is checked before anything is read: no absolute paths or `..`, only the
    names a `.keras` file holds, no duplicates, no encryption, and no member that claims to
    expand far beyond its stored size; reading stops at each member's declared size.

    Raises:
        ValueError: the file is not a readable `.keras` zip (truncated, corrupted, missing
            members) or a member is refused; the message names the file and the member.
        FileNotFoundError: no such file.
    """
    try:
        with zipfile.ZipFile(filepath, "r") as z:
            infos = z.infolist()
            if len(infos) > _MAX_MEMBERS:
                raise ValueError(f"{filepath}: {len(infos)} zip members, more than a .keras "
                                 f"file holds (at most {_MAX_MEMBERS})")
            seen: set[str] = set()
            for info in infos:
                check_member(filepath, info)
                if info.filename in seen:
                    raise _refuse(filepath, info.filename, "it appears twice in the archive")
                seen.add(info.filename)
            missing = [m for m in _MEMBERS[1:] if m not in seen]
            if missing:
                raise ValueError(f"{filepath} is not a Keras model file: it lacks {missing} "
                                 f"(found {sorted(seen)})")
            wanted = [m for m in _MEMBERS if m in seen] + sorted(
                m for m in seen if m.startswith(_ASSETS) and not m.endswith("/"))
            return {m: _read_bounded(z, z.getinfo(m), filepath) for m in wanted}
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, zlib.error, RuntimeError,
            NotImplementedError, UnicodeDecodeError, struct.error) as exc:
        # RuntimeError: encrypted; NotImplementedError: an unknown compression method.
        raise ValueError(f"{filepath} is not a valid .keras file (truncated or corrupted "
                         f"zip): {type(exc).__name__}: {exc}") from None
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"Cannot read {filepath} as a .keras file: {exc}") from None


# What a malformed config or weights file makes the rebuilding code raise. Each becomes a
# ValueError naming the file (chained to the original), so callers catch one documented type.
# NameError and the like are left alone: they would be numen bugs, not bad files.
MALFORMED = (KeyError, IndexError, AttributeError, TypeError, ValueError, ArithmeticError,
             RecursionError, MemoryError, NotImplementedError, UnicodeError, RuntimeError,
             OSError)


def malformed(filepath: str, part: str, exc: BaseException) -> ValueError:
    """The ValueError for a file whose `part` could not be used."""
    if isinstance(exc, ValueError) and filepath in str(exc):
        return exc
    return ValueError(f"{filepath}: {part} cannot be loaded: {type(exc).__name__}: {exc}")


def load_model(filepath: str, custom_objects=None, compile: bool = True,
               safe_mode: bool = True):
    """Rebuild a model from a `.keras` file: architecture, weights, compile settings and
    optimizer state. numen's RNG is left as it was before loading (building the layers
    draws initial values that are then overwritten).

    Raises:
        ValueError: the file is damaged, a member is refused, or the config is malformed or
            names a class that is unknown or unsafe; the message names the file.
    """
    members = read_members(filepath)
    try:
        config = json.loads(members["config.json"].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"{filepath}: config.json is not valid JSON: {exc}") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"{filepath}: config.json does not describe a model")
    rng_state = backend.rng().bit_generator.state
    try:
        with safe_mode_scope(safe_mode), registry.CustomObjectScope(custom_objects):
            model = deserialize_layer(config, custom_objects=custom_objects)
            if compile and config.get("compile_config"):
                model.compile_from_config(config["compile_config"])
    except FileNotFoundError:
        raise
    except MALFORMED as exc:
        raise malformed(filepath, "config.json", exc) from exc
    finally:
        backend.rng().bit_generator.state = rng_state
    try:
        with h5py.File(io.BytesIO(members["model.weights.h5"]), "r") as f:
            weights_h5.read_weights(f, model, filepath)
    except OSError as exc:
        raise ValueError(f"{filepath}: model.weights.h5 is not a readable HDF5 file: "
                         f"{exc}") from None
    except MALFORMED as exc:
        raise malformed(filepath, "model.weights.h5", exc) from exc
    try:
        _load_assets(model, members)
    except MALFORMED as exc:
        raise malformed(filepath, "assets", exc) from exc
    return model

