"""Weights in Keras 3's HDF5 layout (`model.weights.h5`, also inside `.keras` files).

Each layer's own variables go under `<path>/vars/<i>` (trainable ones first); a model's layers
under `layers/<name>` where the name is the snake_case class name with a counter (`dense`,
`dense_1`, ...) in `model.layers` order; a layer held in an attribute (an RNN's `cell`, a
Bidirectional's `forward_layer`, MultiHeadAttention's `query_dense`) under the attribute's name.
The optimizer's state goes under `optimizer/vars/<i>` in the order of `optimizer.variables`
(Keras's order of creation). Reading validates every shape before assigning anything, so a
rejected file leaves the model as it was.
"""

from __future__ import annotations

import re
import warnings

import h5py
import numpy as np

from numen import backend
from numen.autodiff import Tensor
from numen.layers.base import Layer
from numen.layers.saving_hooks import SavingHooks
from numen.naming import to_snake_case as keras_snake

# Only plain numbers are read from a weights file: object, string, opaque, compound and
# reference dtypes are refused, so nothing in the file is ever turned into Python objects.
NUMERIC_KINDS = "biuf"


def numeric_dataset(obj, where: str, filename: str):
    """`obj` if it is an HDF5 dataset of plain numbers; ValueError naming the file otherwise."""
    if not isinstance(obj, h5py.Dataset):
        raise ValueError(f"{filename}: '{where}' should be an array of weights, found "
                         f"{type(obj).__name__}")
    dtype = obj.dtype
    if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None or dtype.hasobject:
        raise ValueError(f"{filename}: '{where}' holds {dtype} data; weights must be "
                         "numeric (object, string and opaque arrays are refused)")
    return obj

_SKIP_ATTRS = {"_inbound_nodes", "_parent", "_own_weights", "_graph", "_graph_layers"}


def _overrides(layer, hook: str) -> bool:
    """Whether `layer`'s class writes (or reads) its own state: it overrides Keras's default
    `save_own_variables` (or `load_own_variables`), which the checked path below stands for."""
    return getattr(type(layer), hook) is not getattr(SavingHooks, hook)


def _is_model(layer) -> bool:
    """Sequential and Functional models keep their layers under `layers/`; a subclassed model
    is walked by attribute like any layer."""
    from numen.models import Model, Sequential

    return isinstance(layer, Sequential) or isinstance(layer, Model) and layer._graph is not None


def _keras_class_name(layer) -> str:
    """The class Keras's layer would have: a model built from inputs and outputs by
    `keras.Model(...)` itself is a `Functional` there (so it is stored as `functional`)."""
    return type(layer).__name__


def _container_paths(items, path: str) -> list[tuple[str, Layer]]:
    used: dict[str, int] = {}
    out = []
    for item in items:
        name = keras_snake(_keras_class_name(item))
        if name in used:
            used[name] += 1
            name = f"{name}_{used[name]}"
        else:
            used[name] = 0
        out.append((f"{path}/{name}", item))
    return out


def layer_groups(layer, path: str = "", seen=None) -> list[tuple[str, Layer]]:
    """Every (group path, layer) below `layer`, itself first; each layer appears once."""
    seen = set() if seen is None else seen
    if id(layer) in seen:
        return []
    seen.add(id(layer))
    out = [(path, layer)]
    if _is_model(layer):
        children = _container_paths(layer.layers, _join(path, "layers"))
    else:
        children = []
        for key, value in vars(layer).items():
            if key in _SKIP_ATTRS:
                continue
            attr = _join(path, _child_name(layer, key, value))
            if isinstance(value, Layer) and value is not layer:
                children.append((attr, value))
            elif isinstance(value, (list, tuple, dict)):
                items = list(value.values()) if isinstance(value, dict) else list(value)
                layers = [v for v in items if isinstance(v, Layer) and v is not layer]
                if layers and len(layers) == len(items):
                    children += _container_paths(layers, attr)
    for child_path, child in children:
        out += layer_groups(child, child_path, seen)
    return out


def _child_name(layer, key: str, value) -> str:
    """A sub-layer's group name, as Keras 3 picks it: a public attribute (or property) holding
    the same object wins over a private one (`MultiHeadAttention._query_dense` is saved as
    `query_dense`); a private attribute without a public alias keeps its underscore
    (`GroupedQueryAttention._query_dense`)."""
    public = key.lstrip("_")
    if public == key:
        return key
    try:
        alias = getattr(layer, public, None)
    except Exception:  # a property that cannot answer (unbuilt layer): no alias
        alias = None
    return public if alias is value else key


def _join(a: str, b: str) -> str:
    return f"{a}/{b}" if a else b


def write_weights(group, model, include_optimizer: bool = True) -> None:
    """Write `model`'s variables (and its optimizer's state) into an open h5py group."""
    for path, layer in layer_groups(model):
        vars_group = group.create_group(_join(path, "vars"))
        vars_group.attrs["name"] = layer.name
        if _overrides(layer, "save_own_variables"):  # state of its own, under its names
            store: dict = {}
            layer.save_own_variables(store)
            for key, value in store.items():
                vars_group.create_dataset(key, **_checksummed(np.asarray(value)))
            continue
        for i, w in enumerate(layer._saved_variables()):
            vars_group.create_dataset(str(i), **_checksummed(backend.to_numpy(w.data)))
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None and getattr(model, "compiled", False):
        _write_optimizer(group, "optimizer", optimizer)


def _write_optimizer(group, path: str, optimizer) -> None:
    vars_group = group.create_group(f"{path}/vars")
    vars_group.attrs["name"] = optimizer.name
    for i, value in enumerate(optimizer_arrays(optimizer)):
        vars_group.create_dataset(str(i), **_checksummed(backend.to_numpy(
            value.data if isinstance(value, Tensor) else value)))
    if hasattr(optimizer, "saved_parts"):
        # As Keras: a wrapper's inner optimizers also get their own groups (Keras reads
        # both); numen reads the wrapper's group alone.
        for sub, inner in optimizer.saved_parts()[1].items():
            _write_optimizer(group, f"{path}/{sub}", inner)


# HDF5 file format of .weights.h5 files: the 1.10 format checksums its metadata (object
# headers, chunk indexes), which with the per-array checksums below turns a damaged file into
# a read error instead of wrong values. Any HDF5 since 1.10 (2018) reads it.
LIBVER = ("v110", "v110")


def _checksummed(value: np.ndarray) -> dict:
    # A Fletcher-32 checksum per array (a standard HDF5 filter every reader, Keras included,
    # applies) makes a flipped bit in stored values fail the read instead of loading wrong
    # weights. Scalars cannot carry one (HDF5 needs chunked storage for filters).
    if value.ndim == 0 or value.size == 0:
        return {"data": value}
    return {"data": value, "fletcher32": True}


def optimizer_arrays(optimizer) -> list:
    """The optimizer's state in Keras 3's order (`optimizer.variables`, as arrays):
    iterations, learning rate (when a number), then the state in the order Keras creates it
    (`m0, v0, m1, v1, ...` for Adam). A wrapper (LossScaleOptimizer, MultiOptimizer) lists
    its own state, then each inner optimizer's."""
    return optimizer._variable_arrays()


def read_weights(group, model, filename: str, skip_mismatch: bool = False,
                 load_optimizer: bool = True) -> None:
    """Load variables written by `write_weights` (or by Keras 3) from an open h5py group.

    Raises:
        ValueError: a layer's variables are missing or have other counts/shapes (unless
            `skip_mismatch`, which skips those layers with a warning).
    """
    plan, custom = [], []
    for path, layer in layer_groups(model):
        own = layer._saved_variables()
        key = _join(path, "vars")
        if key not in group:  # numen's files before nested Functional models were 'functional'
            older = re.sub(r"(^|/)functional(_\d+)?(?=/)", r"\1model\2", key)
            key = older if older in group else key
        stored = group[key] if key in group else None
        if stored is not None and not isinstance(stored, h5py.Group):
            raise ValueError(f"{filename}: '{key}' should be a group of weights, found "
                             f"{type(stored).__name__}")
        if _overrides(layer, "load_own_variables"):  # it reads its own (see write_weights)
            names = sorted(stored) if stored is not None else []
            custom.append((layer.load_own_variables, {n: np.asarray(numeric_dataset(
                stored[n], f"{key}/{n}", filename)[()]) for n in names}))
            continue
        count = 0 if stored is None else len(stored)
        problem = None
        if count != len(own):
            problem = (f"layer '{layer.name}' ({type(layer).__name__}) has {len(own)} "
                       f"variables, the file has {count} at '{key}'")
        else:
            arrays = [_member(stored, key, i, filename) for i in range(count)]
            for w, arr in zip(own, arrays):
                if tuple(arr.shape) != tuple(w.shape):
                    problem = (f"layer '{layer.name}': variable '{w.name}' has shape "
                               f"{tuple(w.shape)}, the file has shape {tuple(arr.shape)} at "
                               f"'{key}'")
                    break
        if problem:
            if not skip_mismatch:
                raise ValueError(f"Cannot load weights from {filename}: {problem}")
            warnings.warn(f"Skipping {problem} (skip_mismatch=True)", stacklevel=3)
            continue
        plan += [(w, arr) for w, arr in zip(own, arrays)]
    values = [(w, np.asarray(arr[()], dtype=w.dtype)) for w, arr in plan]
    for w, value in values:
        w.assign(backend.to_device(value))
    for loader, store in custom:
        loader(store)
    if load_optimizer and "optimizer/vars" in group:
        _read_optimizer(group["optimizer/vars"], model, filename)


def _member(stored, key: str, i: int, filename: str):
    if str(i) not in stored:
        raise ValueError(f"{filename}: '{key}' lacks variable '{i}' (found "
                         f"{sorted(stored)[:10]})")
    return numeric_dataset(stored[str(i)], f"{key}/{i}", filename)


def _read_optimizer(stored, model, filename: str) -> None:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(model, "compiled", False):
        return
    if not isinstance(stored, h5py.Group):
        raise ValueError(f"{filename}: 'optimizer/vars' should be a group, found "
                         f"{type(stored).__name__}")
    count = len(stored)
    n_head = 2 if not callable(optimizer._learning_rate) else 1
    if count > n_head and not optimizer.built:
        optimizer.build(model.trainable_weights)
    arrays = optimizer_arrays(optimizer)
    if count != len(arrays):
        warnings.warn(f"{filename}: skipping the optimizer state: the file has {count} "
                      f"optimizer variables, this optimizer has {len(arrays)}", stacklevel=3)
        return
    datasets = [_member(stored, "optimizer/vars", i, filename) for i in range(count)]
    for i, (arr, data) in enumerate(zip(arrays, datasets)):
        # Shapes are checked from the headers before any array is read into memory.
        if i >= n_head and tuple(np.shape(arr)) != tuple(data.shape) or \
                i < n_head and data.size != 1:
            warnings.warn(f"{filename}: skipping the optimizer state: variable {i} has shape "
                          f"{np.shape(arr)}, the file has {data.shape}", stacklevel=3)
            return
    values = [np.asarray(d[()]) for d in datasets]
    for i, (arr, value) in enumerate(zip(arrays[n_head:], values[n_head:]), start=n_head):
        if arr.shape != value.shape:
            warnings.warn(f"{filename}: skipping the optimizer state: variable {i} has shape "
                          f"{arr.shape}, the file has {value.shape}", stacklevel=3)
            return
    _assign_optimizer(optimizer, values)


def _assign_optimizer(optimizer, values: list) -> None:
    """Write saved `values` (checked against `optimizer_arrays`) into the optimizer."""
    if hasattr(optimizer, "saved_parts"):
        own, inners = optimizer.saved_parts()
        optimizer.load_own_arrays(values[:len(own)])
        start = len(own)
        for inner in inners.values():
            count = len(optimizer_arrays(inner))
            _assign_optimizer(inner, values[start:start + count])
            start += count
        return
    arrays = optimizer_arrays(optimizer)
    n_head = 2 if not callable(optimizer._learning_rate) else 1
    optimizer._steps_taken = int(values[0].reshape(()))  # calls, as Keras counts them
    if n_head == 2 and np.asarray(optimizer._learning_rate, dtype=values[1].dtype) != values[1]:
        optimizer._set_learning_rate(float(values[1].reshape(())))
    for arr, value in zip(arrays[n_head:], values[n_head:]):
        arr[...] = backend.to_device(value.astype(arr.dtype))
