"""The per-feature preprocessors `FeatureSpace` uses, all on host NumPy columns of shape (n, 1).

Each one has `adapt(column)` (a no-op when nothing is learned), `__call__(column)` and
`cardinality` (the number of distinct int outputs, for one-hot encoding; None for floats).

Where numen has Keras's preprocessing layer (Normalization, Rescaling, and once they land
StringLookup, IntegerLookup, Discretization, Hashing, HashedCrossing) the preprocessor runs
that layer, so FeatureSpace behaves as Keras's does. Until a layer exists, a small private
fallback here stands in with Keras's rules: lookups rank tokens by count (ties by the token,
larger first) after the OOV slots; discretization takes Keras's quantile summary. The fallback
hashes (Hashing, HashedCrossing) are stable BLAKE2b digests, not Keras's FarmHash buckets.
"""

from __future__ import annotations

import hashlib

import numpy as np

from numen import backend


def host(x) -> np.ndarray:
    """A layer output (Tensor or array) as a host NumPy array."""
    data = getattr(x, "data", x) if hasattr(x, "grad") else x
    return backend.to_numpy(data) if not isinstance(data, np.ndarray) else data


def numen_layer(name: str):
    """numen's preprocessing layer class `name`, or None while numen lacks it."""
    from numen import layers

    return getattr(layers, name, None)


class Identity:
    """`FeatureSpace.float`: the values as float32."""

    cardinality = None
    adaptable = False

    def adapt(self, column) -> None:
        pass

    def __call__(self, column):
        return np.asarray(column, dtype="float32")


class LayerPreprocessor:
    """A numen layer applied to a column; `adapt` calls the layer's own when it has one."""

    def __init__(self, layer, cardinality=None, adaptable=True):
        self.layer = layer
        self.cardinality = cardinality
        self.adaptable = adaptable and hasattr(layer, "adapt")

    def adapt(self, column) -> None:
        if self.adaptable:
            self.layer.adapt(column)

    def __call__(self, column):
        return host(self.layer(column))


def rescaled(scale: float, offset: float, name: str):
    from numen.layers import Rescaling

    return LayerPreprocessor(Rescaling(scale=scale, offset=offset, name=name), adaptable=False)


def normalized(name: str):
    from numen.layers import Normalization

    return LayerPreprocessor(Normalization(axis=-1, name=name))


def _stable_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(),
                          "little")


def _texts(column) -> list[str]:
    flat = np.asarray(column).reshape(-1)
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in flat.tolist()]


class Lookup:
    """StringLookup / IntegerLookup: a vocabulary learned by `adapt`; index 0 (or the first
    `num_oov_indices`) for values outside it."""

    def __init__(self, strings: bool, max_tokens=None, num_oov_indices=1, name=None):
        cls = numen_layer("StringLookup" if strings else "IntegerLookup")
        self.layer = None if cls is None else cls(max_tokens=max_tokens,
                                                  num_oov_indices=num_oov_indices, name=name)
        self.strings = strings
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.tokens: list = []
        self.adaptable = True

    def _keys(self, column) -> list:
        return _texts(column) if self.strings else np.asarray(column).reshape(-1).tolist()

    def adapt(self, column) -> None:
        if self.layer is not None:
            self.layer.adapt(column)
            return
        keys, counts = np.unique(np.asarray(self._keys(column)), return_counts=True)
        ranked = sorted(zip(counts.tolist(), keys.tolist()), reverse=True)
        if not self.strings:
            ranked = [(c, k) for c, k in ranked if k != -1]  # -1 is the OOV token
        if self.max_tokens:
            ranked = ranked[:max(0, self.max_tokens - self.num_oov_indices)]
        self.tokens = [k for _, k in ranked]

    @property
    def cardinality(self) -> int:
        if self.layer is not None:
            return int(self.layer.vocabulary_size())
        return self.num_oov_indices + len(self.tokens)

    def __call__(self, column):
        if self.layer is not None:
            return host(self.layer(column)).astype("int64")
        index = {t: i + self.num_oov_indices for i, t in enumerate(self.tokens)}
        keys = self._keys(column)
        n_oov = max(self.num_oov_indices, 1)
        ids = [index[k] if k in index else _stable_hash(str(k)) % n_oov for k in keys]
        return np.asarray(ids, dtype="int64").reshape(np.shape(column))


class Hashed:
    """Hashing: each value's text hashed into `num_bins` buckets."""

    adaptable = False

    def __init__(self, num_bins: int, name=None):
        cls = numen_layer("Hashing")
        self.layer = None if cls is None else cls(num_bins=num_bins, name=name)
        self.cardinality = int(num_bins)

    def adapt(self, column) -> None:
        pass

    def __call__(self, column):
        if self.layer is not None:
            return host(self.layer(column)).astype("int64")
        ids = [_stable_hash(t) % self.cardinality for t in _texts(column)]
        return np.asarray(ids, dtype="int64").reshape(np.shape(column))


class Crossed:
    """HashedCrossing: the combination of several int/string columns, hashed into
    `num_bins` buckets."""

    def __init__(self, num_bins: int, name=None):
        cls = numen_layer("HashedCrossing")
        self.layer = None if cls is None else cls(num_bins=num_bins, name=name)
        self.cardinality = int(num_bins)

    def __call__(self, columns):
        if self.layer is not None:
            return host(self.layer(tuple(columns))).astype("int64")
        rows = zip(*[_texts(c) for c in columns])
        ids = [_stable_hash("\x1f".join(row)) % self.cardinality for row in rows]
        return np.asarray(ids, dtype="int64").reshape(np.shape(columns[0]))


def _quantile_boundaries(values: np.ndarray, num_bins: int, epsilon: float = 0.01):
    """Keras's Discretization boundaries: a weighted summary of the sorted values, then
    `num_bins` interpolated quantiles, the last dropped."""
    values = np.sort(np.asarray(values, dtype="float32").reshape(-1))
    step = max(values.size * epsilon, 1)
    points = values[int(step - 1)::int(step)]
    summary = np.stack([points, np.full(points.shape, step, dtype=points.dtype)])
    bin_eps = 1.0 / num_bins
    if summary.shape[1] * bin_eps < 1:
        return summary[0, :-1].tolist()
    percents = bin_eps + np.arange(0.0, 1.0, bin_eps)
    cum = summary[1].cumsum()
    return np.interp(percents, cum / cum[-1], summary[0]).astype("float32")[:-1].tolist()


class Discretized:
    """Discretization: the bin index of each value (bins from `bin_boundaries`, or learned
    by `adapt` as quantiles)."""

    def __init__(self, num_bins=None, bin_boundaries=None, name=None):
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins = num_bins
        self.adaptable = self.bin_boundaries is None
        self._given = not self.adaptable
        cls = numen_layer("Discretization")
        self.layer = None
        if cls is not None:
            self.layer = cls(num_bins=None if bin_boundaries is not None else num_bins,
                             bin_boundaries=self.bin_boundaries, name=name)

    @property
    def cardinality(self) -> int:
        if self._given:
            return len(self.bin_boundaries) + 1
        return int(self.num_bins)

    def adapt(self, column) -> None:
        if not self.adaptable:
            return
        if self.layer is not None:
            self.layer.adapt(column)
        else:
            self.bin_boundaries = _quantile_boundaries(column, int(self.num_bins))

    def __call__(self, column):
        if self.layer is not None:
            return host(self.layer(column)).astype("int64")
        return np.digitize(np.asarray(column, dtype="float32"),
                           np.asarray(self.bin_boundaries, dtype="float32")).astype("int64")
