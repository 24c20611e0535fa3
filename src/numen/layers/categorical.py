"""Categorical preprocessing of numbers: CategoryEncoding (integer ids to one-hot, multi-hot
or count vectors) and Discretization (values to bucket ids, boundaries given or learned by
`adapt()` from an approximate quantile summary), with Keras 3's arguments and outputs."""

from __future__ import annotations

import numpy as np

from numen.layers import data_layer
from numen.layers.data_layer import DataLayer, encode, encoded_shape, host, to_output


class CategoryEncoding(DataLayer):
    """Encodes integer ids in [0, num_tokens) as one-hot, multi-hot or count vectors.

    Args:
        num_tokens: the number of distinct ids (the output's last axis).
        output_mode: 'multi_hot' (default; alias 'binary'), 'one_hot' or 'count'.
        sparse: must be False (numen has no sparse tensors).

    Call with `count_weights=` (same shape as the ids) in 'count' mode to sum weights instead
    of counting. Ids outside the range contribute nothing.

    >>> encode = CategoryEncoding(num_tokens=4, output_mode="one_hot")
    >>> encode(np.array([3, 0]))  # [[0, 0, 0, 1], [1, 0, 0, 0]]
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        self.output_mode = data_layer.output_mode(output_mode, ("count", "one_hot",
                                                                "multi_hot"),
                                                  "CategoryEncoding")
        if num_tokens is None:
            raise ValueError("CategoryEncoding: `num_tokens` must be set; when the number of "
                             "ids is unknown use IntegerLookup instead")
        if isinstance(num_tokens, bool) or not isinstance(num_tokens, (int, np.integer)) \
                or num_tokens < 1:
            raise ValueError(f"CategoryEncoding: `num_tokens` must be an integer >= 1, "
                             f"received {num_tokens!r}")
        self.num_tokens = int(num_tokens)
        self.sparse = data_layer.no_sparse(sparse, "CategoryEncoding")

    def call(self, inputs, count_weights=None):
        ids = host(inputs)
        if data_layer.is_text(ids):
            raise TypeError(f"Layer '{self.name}' (CategoryEncoding) expects integer ids, "
                            f"received an array of dtype {ids.dtype}")
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(f"Layer '{self.name}': `count_weights` is only used with "
                                 f"output_mode='count', not {self.output_mode!r}")
            count_weights = host(count_weights).astype(self.dtype)
        return to_output(encode(ids, self.output_mode, self.num_tokens, self.dtype,
                                count_weights))

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode, "sparse": self.sparse}


# -- Discretization: an approximate quantile summary ------------------------------------------
# A summary is a 2 x n float32 array: sorted values and the weight (number of samples) each
# stands for. Batches are summarized, merged and compressed to about 1/epsilon points; the
# bin boundaries are the summary compressed to `num_bins` equal-weight points.
def _summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    values = np.sort(values.reshape(-1))
    step = max(values.size / (1.0 / epsilon), 1)
    kept = values[int(step - 1)::int(step)]
    return np.stack([kept, np.full_like(kept, step)])


def _compress(summary: np.ndarray, epsilon: float) -> np.ndarray:
    if summary.shape[1] * epsilon < 1:
        return summary
    targets = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    fractions = cumulative / cumulative[-1]
    points = np.interp(targets, fractions, summary[0])
    weight_at = np.interp(targets, fractions, cumulative)
    weights = weight_at - np.concatenate(([0.0], weight_at[:-1]))
    return np.stack([points, weights]).astype("float32")


def _merge(a: np.ndarray, b: np.ndarray, epsilon: float) -> np.ndarray:
    both = np.concatenate([a, b], axis=1)
    return _compress(both[:, np.argsort(both[0], kind="stable")], epsilon)


class Discretization(DataLayer):
    """Buckets numbers by boundaries: ids are `i` with `bin_boundaries[i-1] <= x <
    bin_boundaries[i]` (0 below the first boundary, len(boundaries) at or above the last).

    Args:
        bin_boundaries: sorted boundaries; or
        num_bins: the number of buckets `adapt()` learns equal-population boundaries for.
        epsilon: the error tolerance of the quantile summary `adapt()` keeps (default 0.01).
        output_mode: 'int' (default; int32 ids), 'one_hot', 'multi_hot' or 'count'.
        sparse: must be False (numen has no sparse tensors).

    >>> bucket = Discretization(bin_boundaries=[0., 1., 2.])
    >>> bucket(np.array([-1.5, 1.0, 3.4, .5]))  # [0, 2, 3, 1]
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None, **kwargs):
        super().__init__(dtype=dtype, name=name, **kwargs)
        self.sparse = data_layer.no_sparse(sparse, "Discretization")
        self.output_mode = data_layer.output_mode(output_mode, data_layer.OUTPUT_MODES,
                                                  "Discretization")
        if num_bins is not None and (isinstance(num_bins, bool) or num_bins < 0):
            raise ValueError(f"Discretization: `num_bins` must be >= 0, received {num_bins!r}")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"Discretization: give `num_bins` or `bin_boundaries`, not both; "
                             f"received num_bins={num_bins} and bin_boundaries="
                             f"{bin_boundaries}")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("Discretization: give either `num_bins` (then call adapt()) or "
                             "`bin_boundaries`")
        self.bin_boundaries = None if bin_boundaries is None else [
            float(b) for b in bin_boundaries]
        self.num_bins = num_bins
        self.epsilon = float(epsilon)
        self.summary = None if self.bin_boundaries else np.zeros((2, 0), "float32")

    def adapt(self, data, steps=None) -> None:
        """Learn `num_bins` equal-population buckets from `data` (an array, or an iterable
        of batches)."""
        if self.num_bins is None:
            raise ValueError(f"Layer '{self.name}' (Discretization) was given "
                             "`bin_boundaries`; adapt() needs `num_bins` instead")
        self.reset_state()
        for batch in data_layer.adapt_batches(data, steps, self.name,
                                                   lists_are_batches=True):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data) -> None:
        values = host(data).astype("float32")
        self.summary = _merge(_summarize(values, self.epsilon), self.summary, self.epsilon)

    def finalize_state(self) -> None:
        if self.num_bins is not None:
            self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def reset_state(self) -> None:
        if self.num_bins is not None:
            self.summary = np.zeros((2, 0), "float32")

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(f"Layer '{self.name}' (Discretization) has no bin boundaries: "
                             "pass `bin_boundaries` or call adapt(data) first")
        x = host(inputs)
        if data_layer.is_text(x):
            raise TypeError(f"Layer '{self.name}' (Discretization) expects numbers, received "
                            f"an array of dtype {x.dtype}")
        ids = np.digitize(x.astype("float32"), np.asarray(self.bin_boundaries, "float32"))
        out_dtype = "int32" if self.output_mode == "int" else self.dtype
        return to_output(encode(ids, self.output_mode, len(self.bin_boundaries) + 1,
                                out_dtype))

    def compute_output_shape(self, input_shape):
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None \
            else self.num_bins
        return encoded_shape(input_shape, self.output_mode, depth)

    def get_config(self) -> dict:
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("trainable", None)
        boundaries = config.pop("bin_boundaries", None) if config.get("num_bins") is not None \
            else None
        layer = cls(**config)
        if boundaries is not None:
            layer.bin_boundaries = [float(b) for b in boundaries]
        return layer
