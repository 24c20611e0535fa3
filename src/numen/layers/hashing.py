"""Hashing preprocessing: Hashing (values to hash buckets) and HashedCrossing (crosses of two
or more features to hash buckets), giving the very bucket ids Keras 3 gives: FarmHash
fingerprints, or SipHash-2-4 when a `salt` is set, of each value's text."""

from __future__ import annotations

import numpy as np

from numen.layers import data_layer
from numen.layers.data_layer import DataLayer, encode, encoded_shape, host, to_output
from numen.layers.fingerprint import (
    CROSS_HASH_KEY,
    fingerprint64,
    fingerprint_cat64,
    siphash24,
)

_M64 = (1 << 64) - 1


def _token_bytes(value) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return str(int(value)).encode("ascii")


def _as_texts(values: np.ndarray) -> np.ndarray:
    """Values as the bytes that get hashed: strings as UTF-8, numbers (floats truncated to
    integers, as Keras casts them) as their decimal text."""
    if values.dtype.kind == "f":
        values = np.trunc(values).astype(np.int64)
    flat = [_token_bytes(v) for v in values.reshape(-1).tolist()]
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(values.shape)


def hash_buckets(values: np.ndarray, num_bins: int, salt=None) -> np.ndarray:
    """int64 bucket ids in [0, num_bins): FarmHash64 of each value's text modulo num_bins, or
    SipHash-2-4 keyed by `salt` (a pair of ints) when given."""
    texts = _as_texts(values)
    if salt is None:
        ids = [fingerprint64(t) % num_bins for t in texts.reshape(-1)]
    else:
        key = (int(salt[0]) & _M64, int(salt[1]) & _M64)
        ids = [siphash24(key, t) % num_bins for t in texts.reshape(-1)]
    return np.asarray(ids, dtype=np.int64).reshape(texts.shape)


def _int_dtype(dtype: str) -> str:
    # Keras 3 (JAX) hands 64-bit ids back as int32 (JAX's default integer width); numen's
    # results are compared with those.
    return "int32" if dtype == "int64" else dtype


def _salt(salt):
    if salt is None:
        return None
    if isinstance(salt, (tuple, list)) and len(salt) == 2 and all(
            isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in salt):
        return [int(s) for s in salt]
    if isinstance(salt, (int, np.integer)) and not isinstance(salt, bool):
        return [int(salt), int(salt)]
    raise ValueError(f"Hashing: `salt` must be an int or a pair of ints, received {salt!r}")


class Hashing(DataLayer):
    """Maps strings or integers to `num_bins` hash buckets (Keras's bucket ids exactly).

    Args:
        num_bins: the number of buckets, mask bucket included.
        mask_value: a value that goes to bucket 0 (the others then share buckets 1..).
        salt: an int or a pair of ints: hash with SipHash-2-4 keyed by it instead of the
            FarmHash fingerprint.
        output_mode: 'int' (default), 'one_hot', 'multi_hot' or 'count'.
        sparse: must be False (numen has no sparse tensors).

    >>> Hashing(num_bins=3)(np.array([["A", "B"], ["C", "D"]]))  # [[1, 0], [1, 1]]
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else None
        super().__init__(**kwargs)
        if isinstance(num_bins, bool) or not isinstance(num_bins, (int, np.integer)) \
                or num_bins <= 0:
            raise ValueError(f"Hashing: `num_bins` must be a positive integer, received "
                             f"{num_bins!r}")
        self.output_mode = data_layer.output_mode(output_mode, data_layer.OUTPUT_MODES,
                                                  "Hashing")
        if self.output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError(f"Hashing: with output_mode='int', `dtype` must be 'int32' or "
                             f"'int64', received {self.dtype!r}")
        self.sparse = data_layer.no_sparse(sparse, "Hashing")
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.salt = _salt(salt)

    def _buckets(self, values: np.ndarray) -> np.ndarray:
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = values == self.mask_value
        ids = hash_buckets(values, bins, self.salt)
        if mask is not None:
            ids = np.where(mask, 0, ids + 1)
        return ids

    def call(self, inputs):
        values = host(inputs)
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values[..., 0]
        ids = self._buckets(values)
        dtype = _int_dtype(self.dtype) if self.output_mode == "int" else self.dtype
        return to_output(encode(ids, self.output_mode, self.num_bins, dtype))

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        return tuple(input_shape)[:-1] + (self.num_bins,) if input_shape else (self.num_bins,)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt,
                "mask_value": self.mask_value, "output_mode": self.output_mode,
                "sparse": self.sparse}


class HashedCrossing(DataLayer):
    """Crosses two or more categorical features (strings or integers, each of shape (),
    (batch,) or (batch, 1)) into `num_bins` hash buckets, as Keras's feature crossing does.

    >>> HashedCrossing(num_bins=5)((np.array(["A", "B"]), np.array([101, 102])))  # [1, 1]
    """

    _takes_feature_list = True

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None,
                 **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.sparse = data_layer.no_sparse(sparse, "HashedCrossing")
        self.output_mode = data_layer.output_mode(output_mode, ("int", "one_hot"),
                                                  "HashedCrossing")
        if isinstance(num_bins, bool) or not isinstance(num_bins, (int, np.integer)) \
                or num_bins <= 0:
            raise ValueError(f"HashedCrossing: `num_bins` must be a positive integer, "
                             f"received {num_bins!r}")
        self.num_bins = int(num_bins)

    def _features(self, inputs) -> list[np.ndarray]:
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"Layer '{self.name}' (HashedCrossing) must be called on a list "
                             f"or tuple of at least two inputs, received {type(inputs)}")
        features = [host(x) for x in inputs]
        shape = features[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError(f"Layer '{self.name}': every input must have shape (), (batch,) "
                             f"or (batch, 1), received {shape}")
        if any(f.shape != shape for f in features[1:]):
            raise ValueError(f"Layer '{self.name}': the inputs must have equal shapes, "
                             f"received {[f.shape for f in features]}")
        if any(f.dtype.kind not in "iuUO" for f in features):
            raise ValueError(f"Layer '{self.name}': inputs must be integers or strings, "
                             f"received dtypes {[str(f.dtype) for f in features]}")
        return features

    def call(self, inputs):
        features = self._features(inputs)
        shape = features[0].shape
        columns = []
        for f in features:
            flat = f.reshape(-1)
            if f.dtype.kind in "iu":  # integers are crossed as themselves, strings hashed
                columns.append([int(v) & _M64 for v in flat.tolist()])
            else:
                columns.append([fingerprint64(_token_bytes(v)) for v in flat.tolist()])
        ids = []
        for row in zip(*columns):
            h = CROSS_HASH_KEY
            for value in row:
                h = fingerprint_cat64(h, value)
            ids.append(h % self.num_bins)
        ids = np.asarray(ids, dtype=np.int64).reshape(shape)
        dtype = _int_dtype(self.dtype) if self.output_mode == "int" else self.dtype
        return to_output(encode(ids, self.output_mode, self.num_bins, dtype))

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape[0])
        return encoded_shape(shape, self.output_mode, self.num_bins)

    def get_config(self) -> dict:
        return {"num_bins": self.num_bins, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}
