"""Random tensors (`keras.random`): normal, uniform, randint, truncated_normal, dropout,
shuffle, categorical, and SeedGenerator.

A `seed` may be None (numen's global generator, seeded by `keras.utils.set_random_seed`), an
int (a fresh generator with that seed: the same numbers on every call, as in Keras), or a
`SeedGenerator` (its own stream, advancing with each call).
"""

from __future__ import annotations

import numpy as np

from numen import backend
from numen.autodiff import Tensor, as_tensor


class SeedGenerator:
    """A random stream of its own: `SeedGenerator(1337)`, passed as `seed=` to these functions."""

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise TypeError(f"SeedGenerator: seed must be an int or None, received {seed!r}")
        self.name = name or "seed_generator"
        self.seed = seed
        self.generator = np.random.default_rng(seed) if seed is not None else \
            np.random.default_rng(backend.rng().integers(2**63))

    def next(self, ordered=True):
        return int(self.generator.integers(2**63))

    def get_config(self) -> dict:
        return {"seed": self.seed}


def _generator(seed) -> np.random.Generator:
    if seed is None:
        return backend.rng()
    if isinstance(seed, SeedGenerator):
        return seed.generator
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    raise TypeError(f"seed must be None, an int or a keras.random.SeedGenerator, received "
                    f"{seed!r}")


def _out(values, dtype) -> Tensor:
    return Tensor(backend.to_device(np.asarray(values, dtype=backend.standardize_dtype(dtype))))


def _shape(shape) -> tuple:
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    return _out(_generator(seed).normal(mean, stddev, size=_shape(shape)), dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None) -> Tensor:
    if maxval <= minval:
        raise ValueError(f"uniform: maxval ({maxval}) must be greater than minval ({minval})")
    return _out(_generator(seed).uniform(minval, maxval, size=_shape(shape)), dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None) -> Tensor:
    if maxval <= minval:
        raise ValueError(f"randint: maxval ({maxval}) must be greater than minval ({minval})")
    return _out(_generator(seed).integers(minval, maxval, size=_shape(shape)), dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> Tensor:
    """Normal samples redrawn until all lie within two standard deviations of the mean."""
    r = _generator(seed)
    x = r.standard_normal(size=_shape(shape))
    bad = np.abs(x) > 2
    while bad.any():
        x[bad] = r.standard_normal(size=int(bad.sum()))
        bad = np.abs(x) > 2
    return _out(mean + stddev * x, dtype)


def dropout(inputs, rate, noise_shape=None, seed=None) -> Tensor:
    """Zero a fraction `rate` of `inputs` and scale the rest by 1 / (1 - rate)."""
    from numen import ops

    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), received {rate!r}")
    x = as_tensor(inputs)
    shape = x.shape if noise_shape is None else tuple(
        s if n is None else n for s, n in zip(x.shape, noise_shape))
    keep = _generator(seed).random(shape) >= rate
    scale = (keep / (1.0 - rate)).astype(x.data.dtype)
    return ops.multiply(x, Tensor(backend.to_device(scale)))


def shuffle(x, axis=0, seed=None) -> Tensor:
    """`x` with its entries along `axis` in a random order."""
    from numen import ops

    x = as_tensor(x)
    order = _generator(seed).permutation(x.shape[axis])
    return ops.take(x, order, axis=axis)


def categorical(logits, num_samples, dtype="int32", seed=None) -> Tensor:
    """`num_samples` class indices per row of `logits` (unnormalized log-probabilities)."""
    z = backend.to_numpy(as_tensor(logits).data).astype(np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=-1, keepdims=True)
    r = _generator(seed)
    out = np.stack([r.choice(p.shape[-1], size=num_samples, p=row) for row in p])
    return _out(out, dtype)


def _parameter(value, name, op):
    a = np.asarray(backend.to_numpy(value.data) if isinstance(value, Tensor) else value,
                   dtype="float64")
    if not np.all(a > 0) and name != "probabilities":
        raise ValueError(f"{op}: `{name}` must be positive, received {value!r}")
    return a


def gamma(shape, alpha, dtype=None, seed=None) -> Tensor:
    """Samples of the Gamma distribution with concentration `alpha` (scale 1).

    >>> gamma((2, 3), alpha=2.0, seed=1).shape
    (2, 3)
    """
    alpha = _parameter(alpha, "alpha", "gamma")
    return _out(_generator(seed).gamma(alpha, 1.0, size=_shape(shape)), dtype)


def beta(shape, alpha, beta, dtype=None, seed=None) -> Tensor:
    """Samples of the Beta(`alpha`, `beta`) distribution, in [0, 1].

    >>> beta((4,), alpha=2.0, beta=5.0, seed=1).shape
    (4,)
    """
    a = _parameter(alpha, "alpha", "beta")
    b = _parameter(beta, "beta", "beta")
    return _out(_generator(seed).beta(a, b, size=_shape(shape)), dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None) -> Tensor:
    """Counts of successes in `counts` trials of probability `probabilities` (as floats, the
    default dtype floatx, as Keras returns them).

    >>> binomial((3,), counts=10, probabilities=0.5, seed=1).shape
    (3,)
    """
    n = np.asarray(counts)
    p = _parameter(probabilities, "probabilities", "binomial")
    if np.any(n < 0) or np.any(n != np.round(n)):
        raise ValueError(f"binomial: `counts` must be whole numbers >= 0, received {counts!r}")
    if np.any((p < 0) | (p > 1)):
        raise ValueError(f"binomial: `probabilities` must be in [0, 1], received "
                         f"{probabilities!r}")
    return _out(_generator(seed).binomial(n.astype("int64"), p, size=_shape(shape)), dtype)
