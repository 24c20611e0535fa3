"""The one module that knows NumPy from CuPy: array modules, dtypes and the random generator.

Ops never ask which device they run on: they call `xp_of(x)` on their data and use what comes
back. Everything device-specific (CuPy import, host transfers) lives here.
"""

from __future__ import annotations

import contextlib
import os

import numpy as np

try:  # CuPy is optional; without it every array is a NumPy array.
    import cupy as _cupy  # type: ignore[import-not-found]
except Exception:  # pragma: no cover - exercised only where CuPy is installed
    _cupy = None

_FLOATX = "float32"
_ALLOWED_FLOATX = ("bfloat16", "float16", "float32", "float64")
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_uids: dict[str, int] = {}
_rng = np.random.default_rng()
_seed: int | None = None
_device = "cpu"
_distribution = None  # the active numen.distribute strategy (set by set_distribution)


def xp_of(*arrays):
    """Return the array module (numpy or cupy) that owns the given arrays."""
    if _cupy is not None:
        for a in arrays:
            if isinstance(a, _cupy.ndarray):
                return _cupy
    return np


def xp():
    """The array module new arrays are created with (depends on the current device)."""
    return _cupy if (_device == "gpu" and _cupy is not None) else np


def gpu_available() -> bool:
    """True when CuPy is installed and sees at least one CUDA device."""
    if _cupy is None:
        return False
    try:
        return _cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # pragma: no cover
        return False


def set_device(name: str) -> None:
    """Place new weights and computation on 'cpu' or 'gpu'."""
    global _device
    if name not in ("cpu", "gpu"):
        raise ValueError(f"set_device: expected 'cpu' or 'gpu', received {name!r}")
    if name == "gpu" and not gpu_available():
        reason = "CuPy is not installed" if _cupy is None else "CuPy sees no CUDA device"
        raise RuntimeError(f"set_device('gpu'): {reason}; install the `gpu` extra "
                           "(pip install 'numen[gpu]', i.e. cupy-cuda12x) on a machine with an "
                           "NVIDIA GPU, or use set_device('cpu')")
    _device = name


def get_device() -> str:
    """The current device: 'cpu' or 'gpu'."""
    return _device


@contextlib.contextmanager
def device(name: str):
    """Scope in which new weights and inputs go to `name`: 'cpu' or 'gpu', also in Keras's
    spellings with an index ('cpu:0', 'gpu:0', 'cuda:0', '/device:GPU:0')."""
    previous = _device
    if isinstance(name, str):
        kind = name.lower().removeprefix("/device:").split(":")[0]
        name = {"cuda": "gpu"}.get(kind, kind)
    set_device(name)
    try:
        yield
    finally:
        set_device(previous)


def to_numpy(x) -> np.ndarray:
    """A NumPy array holding the values of `x` (copying from the GPU if needed)."""
    if _cupy is not None and isinstance(x, _cupy.ndarray):
        return _cupy.asnumpy(x)
    return np.asarray(x)


asnumpy = to_numpy


def to_device(x):
    """`x` as an array of the current device's module (no copy when already there)."""
    if _device == "gpu" and _cupy is not None:
        return _cupy.asarray(x)
    return to_numpy(x)


def asarray_like(x, like, dtype=None):
    """`x` (array, list or number) as an array of the module that owns `like`.

    Ops use it for index and mask arguments that may arrive as NumPy arrays or lists while
    the data they index lives on the GPU.
    """
    if _cupy is not None and isinstance(like, _cupy.ndarray):
        return _cupy.asarray(x, dtype=dtype)
    return np.asarray(to_numpy(x) if not isinstance(x, np.ndarray) else x, dtype=dtype)


def scatter_add(a, indices, values) -> None:
    """`a[indices] += values` in place, with repeated indices adding up (np.add.at)."""
    if _cupy is not None and isinstance(a, _cupy.ndarray):
        if hasattr(_cupy.add, "at"):  # CuPy 13+ (cupyx.scatter_add is deprecated there)
            _cupy.add.at(a, indices, values)
        else:  # pragma: no cover - older CuPy
            import cupyx  # type: ignore[import-not-found]

            cupyx.scatter_add(a, indices, values)
    else:
        np.add.at(a, indices, values)


def sliding_window_view(x, window_shape, axis=None):
    """A read-only view of the sliding windows of `x` (NumPy's sliding_window_view)."""
    if _cupy is not None and isinstance(x, _cupy.ndarray):
        return _cupy.lib.stride_tricks.sliding_window_view(x, window_shape, axis=axis)
    return np.lib.stride_tricks.sliding_window_view(x, window_shape, axis=axis)


def strided_view(x, shape, strides):
    """A view of `x` with the given shape and byte strides, to be read only (NumPy's as_strided
    without its checks: ~0.4 us against ~3 us for a C-contiguous NumPy array)."""
    if type(x) is np.ndarray and x.flags.c_contiguous:
        return np.ndarray(shape, x.dtype, x, 0, strides)
    xp = _cupy if _cupy is not None and isinstance(x, _cupy.ndarray) else np
    return xp.lib.stride_tricks.as_strided(x, shape, strides)


def floatx() -> str:
    """The default float type as a string, 'float32' unless changed with `set_floatx`."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float type ('float16', 'float32' or 'float64')."""
    global _FLOATX
    if value == "bfloat16":
        bfloat16()  # says which package is missing
    if value not in _ALLOWED_FLOATX:
        raise ValueError(f"set_floatx: expected one of {_ALLOWED_FLOATX}, received {value!r}")
    _FLOATX = str(value)


def epsilon() -> float:
    """The fuzz factor used to keep logs and divisions finite (1e-7 unless set)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor of `epsilon()` (Keras's `keras.config.set_epsilon`)."""
    global _EPSILON
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"set_epsilon: expected a positive number, received {value!r}")
    _EPSILON = float(value)


def image_data_format() -> str:
    """Where image channels go when a layer or op is given `data_format=None`."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str) -> None:
    """Set the default `data_format`: 'channels_last' (the default) or 'channels_first'."""
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("set_image_data_format: expected 'channels_last' or 'channels_first', "
                         f"received {data_format!r}")
    _IMAGE_DATA_FORMAT = data_format


def get_uid(prefix: str = "") -> int:
    """1, 2, 3, ... on successive calls with the same `prefix` (layer names use it)."""
    _uids[prefix] = _uids.get(prefix, 0) + 1
    return _uids[prefix]


def reset_uids() -> None:
    _uids.clear()


def bfloat16():
    """NumPy's bfloat16 scalar type, from the `ml_dtypes` package (as JAX uses).

    Raises:
        TypeError: when `ml_dtypes` is not installed (the `numen[bfloat16]` extra).

    >>> np.dtype(bfloat16()).name
    'bfloat16'
    """
    try:
        import ml_dtypes
    except ImportError:
        raise TypeError("dtype bfloat16 needs the `ml_dtypes` package, which NumPy's bfloat16 "
                        "arrays come from: pip install 'numen[bfloat16]'") from None
    return ml_dtypes.bfloat16


def np_dtype(dtype) -> np.dtype:
    """A NumPy dtype from a name or type; "bfloat16" maps to ml_dtypes' bfloat16.

    >>> np_dtype("bfloat16").itemsize
    2
    """
    if str(dtype) == "bfloat16":
        return np.dtype(bfloat16())
    return np.dtype(dtype)


def astype(a, dtype: str):
    """`a` converted to the dtype named `dtype`; bfloat16 exists for host (NumPy) arrays only.

    Raises:
        TypeError: bfloat16 asked of a CuPy array (CuPy has no bfloat16 type).
    """
    if dtype == "bfloat16" and _cupy is not None and isinstance(a, _cupy.ndarray):
        raise TypeError("bfloat16 runs on the CPU only (its arrays come from ml_dtypes, which "
                        "CuPy cannot hold); use 'mixed_float16' on a GPU")
    return a.astype(np_dtype(dtype))


def standardize_dtype(dtype) -> str:
    """A dtype given as None, a string, a NumPy type or dtype, as a canonical string."""
    if dtype is None:
        return _FLOATX
    # Python's types, and the name "int", are 32-bit in Keras (NumPy makes them 64-bit).
    if dtype is int or (isinstance(dtype, str) and dtype == "int"):
        return "int32"
    if dtype is float or dtype is complex:
        return "float32" if dtype is float else "complex64"
    if dtype in ("string", "str") or dtype is str:
        return "string"  # Keras's name for text inputs (host NumPy unicode arrays)
    if str(dtype) == "bfloat16" or getattr(dtype, "__name__", None) == "bfloat16":
        bfloat16()  # says which package is missing
        return "bfloat16"
    try:
        return np.dtype(dtype).name
    except TypeError as exc:
        raise TypeError(f"unknown dtype {dtype!r}") from exc


def is_float_dtype(dtype) -> bool:
    """Whether `dtype` is a float type, bfloat16 included (NumPy files it under kind 'V')."""
    return str(dtype) == "bfloat16" or np.dtype(dtype).kind == "f"


def set_random_seed(seed: int) -> None:
    """Seed numen's generator (and Python's and NumPy's global ones) for repeatable runs."""
    global _rng, _seed
    import random

    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"set_random_seed: seed must be an int, received {seed!r}")
    _seed = int(seed)
    random.seed(_seed)
    np.random.seed(_seed % (2**32))
    _rng = np.random.default_rng(_seed)


def rng() -> np.random.Generator:
    """numen's one random generator: weights, dropout masks and shuffling all draw from it."""
    return _rng


@contextlib.contextmanager
def using_rng(generator: np.random.Generator):
    """Scope in which `rng()` returns `generator` (data-parallel steps draw dropout masks from
    a per-process stream while the shared one, used for shuffling, stays the same everywhere).
    """
    global _rng
    previous = _rng
    _rng = generator
    try:
        yield generator
    finally:
        _rng = previous


def distribution():
    """The active distribution strategy (see `numen.distribute`), or None."""
    return _distribution


def set_distribution(value) -> None:
    """Make `value` (a `numen.distribute` strategy, or None) the active distribution."""
    global _distribution
    _distribution = value


def _device_from_environment() -> None:
    # NUMEN_DEVICE=gpu puts everything on the GPU from the start, as set_device('gpu') would.
    name = os.environ.get("NUMEN_DEVICE", "").strip().lower()
    if not name:
        return
    if name not in ("cpu", "gpu"):
        raise ValueError(f"NUMEN_DEVICE: expected 'cpu' or 'gpu', received {name!r}")
    set_device(name)


_device_from_environment()


# glibc's malloc hands every block above its mmap threshold (128 KiB at first) straight to the
# kernel and unmaps it on free, so each training step's mid-size temporaries (activations,
# gradients, LSTM gate arrays) come back as fresh pages: hundreds of thousands of page faults
# per epoch, measured to double the LSTM benchmark's epoch time. Keeping blocks up to 32 MiB in
# the heap, and trimming the heap only past 64 MiB of free space, lets freed memory be reused
# as is. glibc raises its threshold itself after freeing a large block; setting it up front
# makes the speed not depend on that accident. Process-wide, Linux/glibc only; opt out with
# NUMEN_MALLOC_TUNING=0, and variables a user set (MALLOC_MMAP_THRESHOLD_, ...) take precedence.
_MMAP_THRESHOLD_BYTES = 32 * 2**20
_TRIM_THRESHOLD_BYTES = 64 * 2**20


def _tune_allocator() -> bool:
    """Raise glibc's mmap and trim thresholds (see above); True when they were set."""
    if os.environ.get("NUMEN_MALLOC_TUNING", "1").strip() == "0" or not _is_glibc():
        return False
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") or os.environ.get("MALLOC_TRIM_THRESHOLD_"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    return bool(libc.mallopt(m_mmap_threshold, _MMAP_THRESHOLD_BYTES)
                and libc.mallopt(m_trim_threshold, _TRIM_THRESHOLD_BYTES))


def _is_glibc() -> bool:
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (AttributeError, ValueError, OSError):  # not a glibc system
        return False


_tune_allocator()
