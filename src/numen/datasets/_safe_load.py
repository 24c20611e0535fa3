"""Reading pickled arrays without running pickled code.

Two Keras dataset formats contain pickles: CIFAR's python batches (a pickled dict holding a
NumPy array) and the npz files of IMDB and Reuters (ragged sequences stored as object arrays,
which `.npy` keeps as a pickle). `pickle.load` on a downloaded file would run whatever callable
the file names, so these loaders use an Unpickler whose `find_class` allows only what rebuilding
an array needs (`ndarray`, `dtype`, NumPy's array/scalar reconstructors, and the latin-1
`_codecs.encode` that Python 3 protocol-2 pickles use for bytes) and refuses every other
global. Plain (non-object) arrays are read with `allow_pickle=False`.
"""

from __future__ import annotations

import codecs
import io
import pickle
import zipfile

import numpy as np

# Take the reconstructors from NumPy itself, so the table is right on NumPy 1 and 2 alike
# (their module is `numpy.core.multiarray` in pickles from NumPy 1, `numpy._core...` in 2).
_RECONSTRUCT = np.ndarray.__reduce__(np.zeros(1))[0]
_SCALAR = np.float64(0).__reduce__()[0]


def _latin1_encode(text, encoding="utf-8"):
    """What protocol-2 pickles written by Python 3 call to rebuild `bytes`
    (`_codecs.encode(text, 'latin1')`); other codecs are refused."""
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise pickle.UnpicklingError(f"refusing _codecs.encode with encoding {encoding!r}")
    return codecs.encode(text, encoding)


_ALLOWED = {
    ("_codecs", "encode"): _latin1_encode,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy.core.multiarray", "scalar"): _SCALAR,
    ("numpy._core.multiarray", "scalar"): _SCALAR,
}


class RestrictedUnpickler(pickle.Unpickler):
    """An Unpickler that rebuilds NumPy arrays, dicts, lists, strings and numbers only."""

    def find_class(self, module: str, name: str):
        allowed = _ALLOWED.get((module, name))
        if allowed is None:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data file: "
                                         "only NumPy arrays and plain containers are allowed")
        return allowed


def restricted_load(f, encoding: str = "ASCII"):
    """`pickle.load(f)` limited to NumPy arrays and plain Python data."""
    return RestrictedUnpickler(f, encoding=encoding).load()


def _read_npy(raw: bytes) -> np.ndarray:
    f = io.BytesIO(raw)
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        _, _, dtype = np.lib.format.read_array_header_1_0(f)
    else:
        _, _, dtype = np.lib.format.read_array_header_2_0(f)
    if not dtype.hasobject:
        f.seek(0)
        return np.lib.format.read_array(f, allow_pickle=False)
    array = restricted_load(f, encoding="latin1")
    if not isinstance(array, np.ndarray):
        raise ValueError(f"expected a pickled NumPy array, found {type(array).__name__}")
    return array


def load_npz(path) -> dict[str, np.ndarray]:
    """Every array of an `.npz` file, object arrays included, without arbitrary unpickling."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith(".npy"):
                out[name[:-4]] = _read_npy(archive.read(name))
    return out
