"""`keras.saving.KerasFileEditor`: look into and edit the weights of a `.keras` or
`.weights.h5` file without building its model, then write a new `.weights.h5` file.

The weights are held as nested dicts that follow the file's groups, each object's own
variables under their names in the file (`"0"`, `"1"`, ...):
`{"layers": {"dense": {"0": kernel, "1": bias}}, "optimizer": {"0": iterations, ...}}`.
Reading goes through the same checks as loading (zip members, numeric arrays only); writing
is atomic (a crash leaves any existing file as it was).
"""

from __future__ import annotations

import collections
import io
import json
import os

import h5py
import numpy as np

from numen.saving import atomic, keras_format, weights_h5


class KerasFileEditor:
    """Inspect and edit the weights stored in a `.keras` or `.weights.h5` file.

    Args:
        filepath: the file to open (it is read once, then closed).

    Attributes:
        weights_dict: the weights as nested dicts (see the module docstring); edit it
            through the methods below or directly.
        config, metadata: a `.keras` file's `config.json` and `metadata.json` (else None).

    Raises:
        ValueError: the name does not end in `.keras` or `.weights.h5`, or the file is
            damaged or holds non-numeric arrays.

    >>> editor = keras.saving.KerasFileEditor("model.keras")
    >>> editor.delete_object("layers/dense_2")
    >>> editor.save("edited.weights.h5")
    """

    def __init__(self, filepath):
        filepath = os.fspath(filepath)
        self.filepath = filepath
        self.config = None
        self.metadata = None
        if filepath.endswith(".keras"):
            members = keras_format.read_members(filepath)
            self.config = _json(members["config.json"], filepath, "config.json")
            if "metadata.json" in members:
                self.metadata = _json(members["metadata.json"], filepath, "metadata.json")
            source = io.BytesIO(members["model.weights.h5"])
        elif filepath.endswith(".weights.h5"):
            if not os.path.exists(filepath):
                raise FileNotFoundError(f"KerasFileEditor: no such file {filepath!r}")
            source = filepath
        else:
            raise ValueError(f"KerasFileEditor: expected a .keras or .weights.h5 file, "
                             f"received filepath={filepath!r}")
        self.object_metadata: dict[str, dict] = {}
        try:
            with h5py.File(source, "r") as f:
                self.weights_dict = self._read_group(f, "")
        except OSError as exc:
            raise ValueError(f"{filepath}: not a readable HDF5 weights file: {exc}") from None
        print(self._header())

    def _read_group(self, group, path: str) -> collections.OrderedDict:
        if group.attrs:
            self.object_metadata[path or "/"] = {k: _attr(v) for k, v in group.attrs.items()}
        out = collections.OrderedDict()
        for key in group:
            link = group.get(key, getlink=True)
            if not isinstance(link, h5py.HardLink):
                raise ValueError(f"{self.filepath}: '{path}/{key}' is a link; weights files "
                                 "hold plain groups and arrays only")
            child = group[key]
            where = f"{path}/{key}".lstrip("/")
            if key == "vars" and isinstance(child, h5py.Group):
                if child.attrs:
                    self.object_metadata[where] = {k: _attr(v) for k, v in child.attrs.items()}
                for name in child:
                    data = weights_h5.numeric_dataset(child[name], f"{where}/{name}",
                                                      self.filepath)
                    out[name] = np.asarray(data[()])
            elif isinstance(child, h5py.Group):
                out[key] = self._read_group(child, where)
            else:
                out[key] = np.asarray(weights_h5.numeric_dataset(child, where,
                                                                 self.filepath)[()])
        return out

    def _header(self) -> str:
        kind = "Keras model file" if self.config is not None else "Keras weights file"
        text = f"{kind} {self.filepath!r}"
        if isinstance(self.metadata, dict):
            text += (f"\nSaved with Keras {self.metadata.get('keras_version', '?')} - date: "
                     f"{self.metadata.get('date_saved', '?')}")
        return text

    # -- looking ----------------------------------------------------------------------------

    def summary(self) -> None:
        """Print the objects and the shape and dtype of each weight, as a tree."""
        print("Weights structure")
        lines = []
        _tree_lines(self.weights_dict, "", lines)
        print("\n".join(lines))

    def compare(self, reference_model) -> dict:
        """Compare the file's weights with those `reference_model` would load: each of its
        layers' variables must be in the file under the same path with the same shape.

        Returns:
            `{"status": "success" or "error", "error_count": n, "match_count": m}`; each
            mismatch is printed.
        """
        errors, matches = [], 0
        expected = {}
        for path, layer in weights_h5.layer_groups(reference_model):
            own = layer._saved_variables()
            if own:
                expected[path] = [tuple(w.shape) for w in own]
        for path, shapes in expected.items():
            stored = self._find(path.split("/") if path else [])
            if stored is None:
                errors.append(f"'{path or '/'}' ({len(shapes)} weights) is missing in the file")
                continue
            arrays = {k: v for k, v in stored.items() if not isinstance(v, dict)}
            if len(arrays) != len(shapes):
                errors.append(f"'{path}': the model has {len(shapes)} weights, the file "
                              f"{len(arrays)}")
            for i, shape in enumerate(shapes):
                value = arrays.get(str(i))
                if value is None:
                    errors.append(f"'{path}/{i}' is missing in the file")
                elif tuple(value.shape) != shape:
                    errors.append(f"'{path}/{i}': the model has shape {shape}, the file "
                                  f"{tuple(value.shape)}")
                else:
                    matches += 1
        for path in _object_paths(self.weights_dict, ""):
            if path not in expected and not path.startswith("optimizer"):
                errors.append(f"'{path}' is in the file but not in the model")
        print("Running comparison")
        for line in errors:
            print(f"  {line}")
        print(f"{matches} weights match, {len(errors)} mismatches")
        return {"status": "error" if errors else "success", "error_count": len(errors),
                "match_count": matches}

    # -- editing ----------------------------------------------------------------------------

    def rename_object(self, object_name: str, new_name: str) -> None:
        """Rename an object, given by name (`"dense_2"`, unique in the file) or path
        (`"layers/dense_2"`); `new_name` is a name, not a path."""
        if "/" in new_name:
            raise ValueError(f"rename_object: new_name must be a name, not a path, received "
                             f"new_name={new_name!r}")
        parent, key = self._locate(object_name, "rename_object")
        if new_name in parent:
            raise ValueError(f"rename_object: {new_name!r} already exists beside "
                             f"{object_name!r}")
        # Keep the object's place among its siblings.
        items = [(new_name if k == key else k, v) for k, v in parent.items()]
        parent.clear()
        parent.update(items)

    def delete_object(self, object_name: str) -> None:
        """Remove an object (and everything under it), by name or path."""
        parent, key = self._locate(object_name, "delete_object")
        del parent[key]

    def add_object(self, object_path: str, weights: dict) -> None:
        """Add an object at `object_path` (e.g. `"layers/dense_3"`) holding `weights`,
        `{"0": kernel, "1": bias}`; the path's parent must exist."""
        weights = _check_weights(weights, "add_object")
        *parents, name = object_path.split("/")
        node = self._find(parents)
        if node is None:
            raise ValueError(f"add_object: path {'/'.join(parents)!r} not found in the file")
        if name in node:
            raise ValueError(f"add_object: {object_path!r} already exists; delete it first or "
                             "use add_weights")
        node[name] = collections.OrderedDict(weights)

    def delete_weight(self, object_name: str, weight_name: str) -> None:
        """Remove one weight (e.g. `"1"`) from an object given by name or path."""
        parent, key = self._locate(object_name, "delete_weight")
        obj = parent[key]
        if not isinstance(obj, dict) or weight_name not in obj or \
                isinstance(obj[weight_name], dict):
            found = [k for k, v in obj.items() if not isinstance(v, dict)] \
                if isinstance(obj, dict) else []
            raise ValueError(f"delete_weight: no weight {weight_name!r} in object "
                             f"{object_name!r}; weights found: {found}")
        del obj[weight_name]

    def add_weights(self, object_name: str, weights: dict) -> None:
        """Add (or replace) weights `{"2": array, ...}` of an object given by name or path."""
        weights = _check_weights(weights, "add_weights")
        parent, key = self._locate(object_name, "add_weights")
        if not isinstance(parent[key], dict):
            raise ValueError(f"add_weights: {object_name!r} is a weight, not an object")
        parent[key].update(weights)

    # -- writing ----------------------------------------------------------------------------

    def save(self, filepath) -> None:
        """Write the (edited) weights to a new `.weights.h5` file, atomically."""
        filepath = os.fspath(filepath)
        if not filepath.endswith(".weights.h5"):
            raise ValueError(f"KerasFileEditor.save: expected a .weights.h5 filepath, "
                             f"received filepath={filepath!r}")
        with atomic.atomic_path(filepath) as tmp:
            with h5py.File(tmp, "w", libver=weights_h5.LIBVER) as f:
                self._write(f, self.weights_dict, "")

    def resave_weights(self, filepath) -> None:
        """Same as `save`."""
        self.save(filepath)

    def _write(self, f, node: dict, path: str) -> None:
        arrays = {k: v for k, v in node.items() if not isinstance(v, dict)}
        if arrays:
            where = f"{path}/vars".lstrip("/")
            group = f.create_group(where)
            for k, v in self.object_metadata.get(where, {}).items():
                group.attrs[k] = v
            for name, value in arrays.items():
                group.create_dataset(name, **weights_h5._checksummed(np.asarray(value)))
        for key, child in node.items():
            if isinstance(child, dict) and child:
                self._write(f, child, f"{path}/{key}")

    # -- finding objects --------------------------------------------------------------------

    def _find(self, parts):
        node = self.weights_dict
        for part in parts:
            if not isinstance(node, dict) or not isinstance(node.get(part), dict):
                return None
            node = node[part]
        return node

    def _locate(self, object_name: str, op: str):
        """`(parent dict, key)` of an object given by path, or by a name unique in the file."""
        if not isinstance(object_name, str) or not object_name:
            raise ValueError(f"{op}: object_name must be a non-empty string, received "
                             f"{object_name!r}")
        if "/" in object_name:
            *parents, key = object_name.split("/")
            parent = self._find(parents)
            if parent is None or key not in parent:
                raise ValueError(f"{op}: path {object_name!r} not found in the file")
            return parent, key
        hits = []

        def visit(node):
            for k, v in node.items():
                if isinstance(v, dict):
                    if k == object_name:
                        hits.append((node, k))
                    visit(v)

        visit(self.weights_dict)
        if not hits:
            raise ValueError(f"{op}: no object named {object_name!r} in the file; call "
                             "summary() to list them")
        if len(hits) > 1:
            raise ValueError(f"{op}: the name {object_name!r} occurs {len(hits)} times in "
                             "the file; pass its full path (e.g. 'layers/dense')")
        return hits[0]


def _json(data: bytes, filepath: str, member: str):
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"{filepath}: {member} is not valid JSON: {exc}") from None


def _attr(value):
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _check_weights(weights, op: str) -> dict:
    if not isinstance(weights, dict):
        raise ValueError(f"{op}: weights must be a dict of {{name: array}} (names usually "
                         f"'0', '1', ...), received {type(weights).__name__}")
    out = {}
    for name, value in weights.items():
        array = np.asarray(value)
        if array.dtype.kind not in weights_h5.NUMERIC_KINDS:
            raise ValueError(f"{op}: weight {name!r} must be a numeric array, received "
                             f"dtype {array.dtype}")
        out[str(name)] = array
    return out


def _object_paths(node: dict, path: str):
    """Paths of the objects holding weights directly."""
    if any(not isinstance(v, dict) for v in node.values()):
        yield path
    for key, child in node.items():
        if isinstance(child, dict):
            yield from _object_paths(child, f"{path}/{key}".lstrip("/"))


def _tree_lines(node: dict, indent: str, lines: list) -> None:
    items = list(node.items())
    for i, (key, value) in enumerate(items):
        last = i == len(items) - 1
        branch = "└─ " if last else "├─ "
        if isinstance(value, dict):
            lines.append(f"{indent}{branch}{key}")
            _tree_lines(value, indent + ("   " if last else "│  "), lines)
        else:
            lines.append(f"{indent}{branch}{key}: shape={tuple(value.shape)}, "
                         f"dtype={value.dtype}")
