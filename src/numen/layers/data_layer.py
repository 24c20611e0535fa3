"""What the categorical and text preprocessing layers share: they take strings as well as
numbers (kept in host NumPy arrays, never on the GPU), iterate `adapt()` data the way Keras
does, and encode integer indices as one-hot, multi-hot or count vectors."""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor
from numen.layers.base import Layer
from numen.layers.input_conversion import map_structure as _map_structure

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")
ALIASES = {"binary": "multi_hot", "tf-idf": "tf_idf"}


def host(x, owner: str = "A preprocessing layer") -> np.ndarray:
    """`x` (a Tensor, an array, a list or a Python scalar) as a host NumPy array; `bytes` and
    Python objects that are all strings become a unicode array.

    Raises:
        ValueError: `x` is a list of rows of different lengths (`owner` names the layer)."""
    if isinstance(x, Tensor):
        x = x.data
    arr = backend.to_numpy(x) if hasattr(x, "shape") and not isinstance(x, np.ndarray) \
        else _rectangular(x, owner)
    if arr.dtype.kind == "S":
        return np.char.decode(arr, "utf-8")
    if arr.dtype.kind == "O" and arr.size and all(isinstance(v, (str, bytes))
                                                  for v in arr.flat):
        return np.array([v.decode("utf-8") if isinstance(v, bytes) else v for v in arr.flat],
                        dtype=str).reshape(arr.shape)
    return arr


def _rectangular(x, owner: str) -> np.ndarray:
    try:
        return np.asarray(x)
    except ValueError as exc:
        if "inhomogeneous" not in str(exc):
            raise
        raise ValueError(f"{owner}: received rows of different lengths (a ragged list); numen "
                         "has no ragged tensors: pad the rows to one length, e.g. with the "
                         "mask token (a StringLookup with mask_token='' drops it from "
                         "'multi_hot' and 'count' outputs)") from None


def is_text(arr: np.ndarray) -> bool:
    return arr.dtype.kind in "UO"


def no_sparse(sparse, layer_name: str) -> bool:
    if sparse:
        raise ValueError(f"{layer_name}: `sparse=True` is not supported: numen has no sparse "
                         "tensors; use sparse=False (dense outputs)")
    return False


def output_mode(mode, allowed, layer_name: str) -> str:
    mode = ALIASES.get(mode, mode)
    if mode not in allowed:
        raise ValueError(f"{layer_name}: `output_mode` must be one of {tuple(allowed)}, "
                         f"received {mode!r}")
    return mode


def adapt_batches(data, steps, layer_name: str, lists_are_batches=False):
    """The batches `adapt()` reads, as Keras reads them: an array or a Tensor is one batch, and
    so is a list or tuple (a column of samples) unless `lists_are_batches`; any other
    iterable (a generator, a `PyDataset`, a `tf.data`-like object) yields batches, of which
    `(x, y)` pairs give x."""
    whole = (np.ndarray, Tensor, str, bytes) if lists_are_batches else (
        np.ndarray, Tensor, list, tuple, str, bytes)
    if isinstance(data, whole) or hasattr(data, "__array__"):
        yield host(data, layer_name)
        return
    if not hasattr(data, "__iter__"):
        raise TypeError(f"{layer_name}: adapt() expects an array, a list or an iterable of "
                        f"batches, received {type(data).__name__}")
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            return
        if isinstance(batch, tuple) and len(batch) in (2, 3):
            batch = batch[0]
        yield host(batch, layer_name)


def one_hot(indices: np.ndarray, depth: int, dtype) -> np.ndarray:
    """`indices` one-hot encoded on a new last axis; indices outside [0, depth) give zeros."""
    indices = np.asarray(indices).astype(np.int64)
    out = np.zeros(indices.shape + (depth,), dtype=dtype)
    valid = (indices >= 0) & (indices < depth)
    where = np.nonzero(valid)
    out[where + (indices[where],)] = 1
    return out


def encode(indices: np.ndarray, mode: str, depth: int, dtype, count_weights=None):
    """Integer `indices` as Keras's categorical encodings (a host array of `dtype`).

    one_hot: a new last axis (a trailing axis of size 1 is replaced); multi_hot: 1 where an
    index occurs along axis 1 (axis 0 for vectors), which becomes `depth` long at the end;
    count: the same with occurrence counts (weighted by `count_weights`).
    """
    if mode == "int":
        return np.asarray(indices).astype(dtype)
    x = np.asarray(indices)
    if x.ndim == 0:
        x = x[None]
    if mode == "one_hot":
        if x.ndim > 1 and x.shape[-1] == 1:
            x = x[..., 0]
        return one_hot(x, depth, dtype)
    if mode == "multi_hot":
        return one_hot(x, depth, dtype).max(axis=1 if x.ndim > 1 else 0)
    if count_weights is not None:
        weights = np.asarray(count_weights)
        hot = one_hot(x, depth, weights.dtype) * weights[..., None]
        return hot.sum(axis=1 if x.ndim > 1 else 0)
    return one_hot(x, depth, dtype).sum(axis=1 if x.ndim > 1 else 0).astype(dtype)


def encoded_shape(shape: tuple, mode: str, depth: int) -> tuple:
    shape = tuple(shape)
    if mode == "int":
        return shape
    if not shape:
        return (depth,)
    if mode == "one_hot":
        return (shape[:-1] if len(shape) > 1 and shape[-1] == 1 else shape) + (depth,)
    return ((shape[0],) + shape[2:] if len(shape) > 1 else ()) + (depth,)


def to_output(arr: np.ndarray) -> Tensor:
    """A result of host preprocessing as a Tensor: numbers go to the device, strings stay."""
    if is_text(arr):
        return as_tensor(arr)
    arr = arr if arr.flags.c_contiguous else arr.copy()  # (ascontiguousarray makes 0-d 1-d)
    return as_tensor(backend.to_device(arr))


class DataLayer(Layer):
    """A preprocessing layer: inputs of any dtype (strings included) are taken as they are,
    on the host, rather than cast to the layer's float dtype."""

    _takes_any_input = True

    def _convert_inputs(self, inputs):
        def convert(v):
            if isinstance(v, Tensor):
                return v
            if isinstance(v, (np.ndarray, list, tuple, str, bytes, int, float, np.generic)) \
                    or hasattr(v, "__array__"):
                return as_tensor(host(v, f"Layer '{self.name}'"))
            return v

        if self._takes_feature_list and isinstance(inputs, (list, tuple)):
            return type(inputs)(self._convert_inputs_one(v, convert) for v in inputs)
        return self._convert_inputs_one(inputs, convert)

    # Whether the inputs are a list of features, each one input (HashedCrossing's).
    _takes_feature_list = False

    @staticmethod
    def _convert_inputs_one(inputs, convert):
        if _scalars_only(inputs):
            # a list of scalars or strings is one column, a list of such lists one array
            # (as `[["the cat sat"]]` is a (1, 1) batch of text for Keras)
            return convert(inputs)
        return _map_structure(convert, inputs)

    def build_from_input_shape(self, input_shape):
        self.built = True


def _scalars_only(x) -> bool:
    """Whether `x` is a non-empty (nested) list or tuple of plain Python scalars or strings."""
    if not isinstance(x, (list, tuple)) or not x:
        return False
    return all(_scalars_only(v) if isinstance(v, (list, tuple)) else not (
        isinstance(v, (np.ndarray, Tensor)) or hasattr(v, "__array__")) for v in x)
