"""Weight initializers with Keras's names and defaults; all draw from numen's one RNG."""

from __future__ import annotations

import math

import numpy as np

from numen import backend


def _fans(shape) -> tuple[float, float]:
    """(fan_in, fan_out) the way Keras computes them, receptive field included."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = float(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: `init(shape, dtype)` returns a NumPy array of that shape."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _rng(self):
        seed = getattr(self, "seed", None)
        return np.random.default_rng(seed) if seed is not None else backend.rng()


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, dtype=backend.standardize_dtype(dtype))

    def get_config(self):
        return {"value": self.value}


class Zeros(Constant):
    def __init__(self):
        super().__init__(0.0)

    def get_config(self):
        return {}


class Ones(Constant):
    def __init__(self):
        super().__init__(1.0)

    def get_config(self):
        return {}


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        x = self._rng().normal(self.mean, self.stddev, size=shape)
        return x.astype(backend.standardize_dtype(dtype))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None):
        x = self._rng().uniform(self.minval, self.maxval, size=shape)
        return x.astype(backend.standardize_dtype(dtype))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        return _truncated(self._rng(), shape, self.stddev, dtype) + self.mean

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


def _truncated(r, shape, stddev, dtype):
    """Normal samples redrawn until all lie within two standard deviations."""
    x = r.standard_normal(size=shape)
    bad = np.abs(x) > 2
    while bad.any():
        x[bad] = r.standard_normal(size=int(bad.sum()))
        bad = np.abs(x) > 2
    return (x * stddev).astype(backend.standardize_dtype(dtype))


class VarianceScaling(Initializer):
    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if scale <= 0:
            raise ValueError(f"VarianceScaling: scale must be positive, received {scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: mode must be fan_in/fan_out/fan_avg, got {mode!r}")
        allowed = ("truncated_normal", "untruncated_normal", "uniform")
        if distribution not in allowed:
            raise ValueError(
                f"VarianceScaling: distribution must be one of {allowed}, got {distribution!r}"
            )
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        r = self._rng()
        dtype = backend.standardize_dtype(dtype)
        if self.distribution == "uniform":
            limit = math.sqrt(3 * variance)
            return r.uniform(-limit, limit, size=shape).astype(dtype)
        if self.distribution == "untruncated_normal":
            return (r.standard_normal(size=shape) * math.sqrt(variance)).astype(dtype)
        # 0.8796... is the std of a unit normal truncated at two standard deviations.
        return _truncated(r, shape, math.sqrt(variance) / 0.87962566103423978, dtype)

    def get_config(self):
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "seed": self.seed,
        }


def _scaling(name, scale, mode, distribution):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config})


GlorotUniform = _scaling("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _scaling("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _scaling("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _scaling("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _scaling("LecunNormal", 1.0, "fan_in", "truncated_normal")


class Orthogonal(Initializer):
    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype=None):
        rows = int(np.prod(shape[:-1]))
        cols = shape[-1]
        a = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q[:rows, :cols].reshape(shape)).astype(backend.standardize_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a 2D shape, received {shape}")
        return (self.gain * np.eye(*shape)).astype(backend.standardize_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


_WINDOWS = {"hann": np.hanning, "hamming": np.hamming, "blackman": np.blackman,
            "bartlett": np.bartlett}


class STFT(Initializer):
    """Kernel of a Conv1D that computes a short-time Fourier transform (`STFTSpectrogram`).

    For a shape (frame_length, channels, bins) it returns (frame_length, 1, bins), as Keras
    does; column k holds the real (cos) or imaginary (-sin)
    part of the DFT basis of length 2 * (bins - 1) at frequency k, times the window.

    Args:
        side: "real" or "imag".
        window: "hann", "hamming", "blackman", "bartlett", an array of frame_length values,
            or None (no window).
        scaling: "density" (the window divided by its L2 norm), "spectrum" (by its sum) or
            None.
        periodic: use the periodic form of a named window (the first N of N + 1 points).

    >>> STFT("real", "hann")((8, 1, 5)).shape
    (8, 1, 5)
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"STFT: side must be 'real' or 'imag', received {side!r}")
        if isinstance(window, str) and window not in _WINDOWS:
            raise ValueError(f"STFT: unknown window {window!r}; expected one of "
                             f"{sorted(_WINDOWS)}, an array or None")
        if scaling not in ("density", "spectrum", None):
            raise ValueError("STFT: scaling must be 'density', 'spectrum' or None, received "
                             f"{scaling!r}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def _window(self, n: int) -> np.ndarray:
        if self.window is None:
            return np.ones(n)
        if isinstance(self.window, str):
            return _WINDOWS[self.window](n + 1)[:n] if self.periodic else _WINDOWS[self.window](n)
        w = np.asarray(self.window, dtype="float64")
        if w.shape != (n,):
            raise ValueError(f"STFT: the window has shape {w.shape}, expected ({n},) for a "
                             f"kernel of frame length {n}")
        return w

    def __call__(self, shape, dtype=None):
        if len(shape) != 3 or shape[-1] < 2:
            raise ValueError("STFT: expected a shape (frame_length, channels, bins) with "
                             f"bins >= 2, received {tuple(shape)}")
        frame, bins = shape[0], shape[-1]
        angle = 2 * np.pi * np.outer(np.arange(frame), np.arange(bins)) / (2 * (bins - 1))
        basis = np.cos(angle) if self.side == "real" else -np.sin(angle)
        w = self._window(frame)
        if self.scaling == "density":
            w = w / np.sqrt(np.sum(w**2))
        elif self.scaling == "spectrum":
            w = w / np.sum(w)
        # (frame_length, 1, bins) whatever the middle axis asked for, as Keras returns it.
        return (basis * w[:, None])[:, None, :].astype(backend.standardize_dtype(dtype))

    def get_config(self):
        window = self.window if self.window is None or isinstance(self.window, str) \
            else np.asarray(self.window).tolist()
        return {"side": self.side, "window": window, "scaling": self.scaling,
                "periodic": self.periodic}


# Keras's other names for the same classes: `keras.initializers.glorot_uniform(seed=1)`.
constant, zeros, ones = Constant, Zeros, Ones
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform, glorot_normal, he_uniform, he_normal = (GlorotUniform, GlorotNormal,
                                                        HeUniform, HeNormal)
lecun_uniform, lecun_normal = LecunUniform, LecunNormal
orthogonal, identity = Orthogonal, Identity
OrthogonalInitializer, IdentityInitializer = Orthogonal, Identity
STFTInitializer = stft = STFT

_BY_NAME = {
    "zeros": Zeros,
    "ones": Ones,
    "constant": Constant,
    "random_normal": RandomNormal,
    "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform,
    "he_normal": HeNormal,
    "lecun_uniform": LecunUniform,
    "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal,
    "identity": Identity,
    "stft": STFT,
    # Keras's short aliases
    "zero": Zeros,
    "one": Ones,
    "uniform": RandomUniform,
    "normal": RandomNormal,
}
_BY_CLASS = {cls.__name__: cls for cls in _BY_NAME.values()}


def get(identifier) -> Initializer:
    """An initializer from a name ('glorot_uniform'), a config dict, an instance or a callable."""
    if isinstance(identifier, Initializer) or callable(identifier) and not isinstance(
        identifier, type
    ):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier) or _BY_CLASS.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown initializer {identifier!r}; expected one of "
                             f"{sorted(_BY_NAME)}")
        return cls()
    if isinstance(identifier, dict):
        cls = _BY_CLASS.get(identifier["class_name"]) or _BY_NAME.get(identifier["class_name"])
        if cls is None:
            raise ValueError(f"Unknown initializer class {identifier['class_name']!r}")
        return cls.from_config(identifier.get("config", {}))
    raise TypeError(f"initializer must be a string, dict or Initializer, received {identifier!r}")


def serialize(init) -> dict:
    return {"module": "keras.initializers", "class_name": type(init).__name__,
            "config": init.get_config(), "registered_name": None}
