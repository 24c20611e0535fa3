"""keras.datasets loaders, fed small files in the real formats (npz, gzip'd IDX, CIFAR's pickled
python batches in a tarball, JSON word indices) from a local HTTP server: shapes, dtypes,
Keras's index rules, caching, corruption, offline errors, and refusal of pickled code."""

import gzip
import hashlib
import io
import json
import os
import pickle
import struct
import tarfile
from types import SimpleNamespace

import numpy as np
import pytest

from numen import keras
from numen.datasets import (
    _fetch,
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)
from numen.datasets._safe_load import load_npz


@pytest.fixture
def server(file_server, monkeypatch, tmp_path):
    """The local file server as the loaders' origin (NUMEN_DATASETS_ORIGIN), with the cache
    in a fresh KERAS_HOME. `serve(name, data, module, key)` publishes a file and points the
    loader's expected hash at it."""
    files = file_server.files

    def serve(name, data, module=None, attr="FILE_HASH"):
        files[name] = data
        if module is not None:
            digest = hashlib.sha256(data).hexdigest()
            if isinstance(getattr(module, attr), dict):
                monkeypatch.setitem(getattr(module, attr), name, digest)
            else:
                monkeypatch.setattr(module, attr, digest)

    monkeypatch.setenv("NUMEN_DATASETS_ORIGIN", file_server.url)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    return SimpleNamespace(files=files, hits=file_server.hits, stop=file_server.stop,
                           serve=serve, url=file_server.url, home=tmp_path / "home")


def npz_bytes(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def ragged(seqs) -> np.ndarray:
    out = np.empty(len(seqs), dtype=object)
    for i, s in enumerate(seqs):
        out[i] = list(s)
    return out


def idx_gz(array: np.ndarray) -> bytes:
    magic = 2049 if array.ndim == 1 else 2051
    header = struct.pack(">ii", magic, len(array))
    if array.ndim == 3:
        header += struct.pack(">ii", *array.shape[1:])
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def tar_gz(members: dict) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def cifar_batch(data, **labels) -> bytes:
    d = {b"batch_label": b"testing batch", b"data": data,
         b"filenames": [b"f%d.png" % i for i in range(len(data))]}
    d.update({k.encode(): list(map(int, v)) for k, v in labels.items()})
    return pickle.dumps(d, protocol=2)  # CIFAR's files are protocol-2 pickles


class Evil:
    """Unpickling this would call os.getcwd: a stand-in for arbitrary code."""

    def __reduce__(self):
        return (os.getcwd, ())


# -- origins and the keras face ---------------------------------------------------------------

def test_production_origins_are_keras_urls(monkeypatch):
    monkeypatch.delenv("NUMEN_DATASETS_ORIGIN", raising=False)
    base = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
    assert _fetch.origin(mnist.URL) == base + "mnist.npz"
    assert _fetch.origin(imdb.URL) == base + "imdb.npz"
    assert cifar10.URL == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert len(mnist.FILE_HASH) == 64 and len(imdb.WORD_INDEX_HASH) == 32
    monkeypatch.setenv("NUMEN_DATASETS_ORIGIN", "http://mirror.example/data")
    assert _fetch.origin(cifar100.URL) == "http://mirror.example/data/cifar-100-python.tar.gz"


def test_keras_datasets_namespace():
    from numen.keras.datasets import mnist as keras_mnist

    assert keras_mnist.load_data is mnist.load_data
    for name in ("mnist", "fashion_mnist", "cifar10", "cifar100", "imdb", "reuters",
                 "boston_housing", "california_housing"):
        assert callable(getattr(keras.datasets, name).load_data)
    assert callable(keras.datasets.imdb.get_word_index)
    assert len(keras.datasets.reuters.get_label_names()) == 46


# -- image datasets ------------------------------------------------------------------------

def test_mnist_download_cache_and_corruption(server):
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, (6, 28, 28), dtype=np.uint8)
    x_test = rng.integers(0, 256, (3, 28, 28), dtype=np.uint8)
    y_train, y_test = np.arange(6, dtype=np.uint8), np.array([9, 8, 7], np.uint8)
    server.serve("mnist.npz", npz_bytes(x_train=x_train, y_train=y_train, x_test=x_test,
                                        y_test=y_test), mnist)
    (a, b), (c, d) = mnist.load_data()
    np.testing.assert_array_equal(a, x_train)
    np.testing.assert_array_equal(d, y_test)
    assert a.dtype == np.uint8 and a.shape == (6, 28, 28) and b.shape == (6,)
    assert c.shape == (3, 28, 28)
    cached = server.home / "datasets" / "mnist.npz"
    assert cached.exists()

    mnist.load_data()
    assert server.hits["mnist.npz"] == 1  # cache hit: no second request

    cached.write_bytes(b"garbage")
    (a, _), _ = mnist.load_data()  # wrong hash in the cache: fetched again
    assert server.hits["mnist.npz"] == 2
    np.testing.assert_array_equal(a, x_train)


def test_mnist_bad_download_is_refused(server):
    server.serve("mnist.npz", b"not the published file")  # production hash stays in force
    with pytest.raises(ValueError, match="incomplete or corrupted"):
        mnist.load_data()
    assert not (server.home / "datasets" / "mnist.npz").exists()


def test_mnist_offline_error(server):
    server.stop()
    with pytest.raises(OSError) as info:
        mnist.load_data()
    assert server.url + "mnist.npz" in str(info.value)
    assert str(server.home / "datasets" / "mnist.npz") in str(info.value)


def test_fashion_mnist_idx_files(server):
    rng = np.random.default_rng(1)
    arrays = {"train-labels-idx1-ubyte.gz": rng.integers(0, 10, 5),
              "train-images-idx3-ubyte.gz": rng.integers(0, 256, (5, 28, 28)),
              "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 2),
              "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (2, 28, 28))}
    for name, array in arrays.items():
        server.serve(name, idx_gz(array), fashion_mnist, "FILE_HASHES")
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (5, 28, 28) and x_test.shape == (2, 28, 28)
    assert x_train.dtype == y_train.dtype == np.uint8
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte.gz"])
    assert (server.home / "datasets" / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").exists()


def test_cifar10_tarball(server):
    rng = np.random.default_rng(2)
    batches = [rng.integers(0, 256, (2, 3072), dtype=np.uint8) for _ in range(6)]
    labels = [rng.integers(0, 10, 2) for _ in range(6)]
    members = {f"cifar-10-batches-py/data_batch_{i + 1}": cifar_batch(batches[i],
                                                                      labels=labels[i])
               for i in range(5)}
    members["cifar-10-batches-py/test_batch"] = cifar_batch(batches[5], labels=labels[5])
    members["cifar-10-batches-py/batches.meta"] = pickle.dumps({b"label_names": []}, 2)
    server.serve("cifar-10-python.tar.gz", tar_gz(members), cifar10)

    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and x_test.shape == (2, 32, 32, 3)
    assert y_train.shape == (10, 1) and y_test.shape == (2, 1)
    assert x_train.dtype == y_train.dtype == np.uint8
    # a row is 1024 red, 1024 green, 1024 blue values, each 32x32 row-major
    row = batches[1][0]
    assert x_train[2, 5, 7, 0] == row[5 * 32 + 7]
    assert x_train[2, 5, 7, 2] == row[2048 + 5 * 32 + 7]
    np.testing.assert_array_equal(y_train[:, 0], np.concatenate(labels[:5]))
    np.testing.assert_array_equal(y_test[:, 0], labels[5])
    cifar10.load_data()
    assert server.hits["cifar-10-python.tar.gz"] == 1


def test_cifar100_label_modes(server):
    rng = np.random.default_rng(3)
    train, test = (rng.integers(0, 256, (n, 3072), dtype=np.uint8) for n in (4, 2))
    members = {
        "cifar-100-python/train": cifar_batch(train, fine_labels=[10, 20, 30, 99],
                                              coarse_labels=[1, 2, 3, 19]),
        "cifar-100-python/test": cifar_batch(test, fine_labels=[5, 6], coarse_labels=[0, 1]),
    }
    server.serve("cifar-100-python.tar.gz", tar_gz(members), cifar100)
    (x_train, y_train), (x_test, y_test) = cifar100.load_data()
    assert x_train.shape == (4, 32, 32, 3) and y_train.shape == (4, 1)
    np.testing.assert_array_equal(y_train[:, 0], [10, 20, 30, 99])
    (_, y_coarse), (_, y_coarse_test) = cifar100.load_data(label_mode="coarse")
    np.testing.assert_array_equal(y_coarse[:, 0], [1, 2, 3, 19])
    np.testing.assert_array_equal(y_coarse_test[:, 0], [0, 1])
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium")


def test_cifar_pickle_with_code_is_refused(server):
    members = {f"cifar-10-batches-py/data_batch_{i}": pickle.dumps({b"data": Evil()}, 2)
               for i in range(1, 6)}
    members["cifar-10-batches-py/test_batch"] = pickle.dumps({b"data": Evil()}, 2)
    server.serve("cifar-10-python.tar.gz", tar_gz(members), cifar10)
    with pytest.raises(pickle.UnpicklingError, match="posix.getcwd|os.getcwd|refusing"):
        cifar10.load_data()


def test_npz_object_array_with_code_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    evil = np.empty(1, dtype=object)
    evil[0] = Evil()
    np.savez(path, x=evil)
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        load_npz(path)
    np.savez(path, x=ragged([[1, 2], [3]]), y=np.arange(2))
    loaded = load_npz(path)
    assert loaded["x"].dtype == object and loaded["x"][0] == [1, 2]
    np.testing.assert_array_equal(loaded["y"], [0, 1])


# -- text datasets -------------------------------------------------------------------------

IMDB_TRAIN = [[1, 2, 3], [4, 5], [6], [7, 8, 9, 10]]
IMDB_TEST = [[2, 2], [11], [3, 4, 5]]


def serve_imdb(server):
    server.serve("imdb.npz", npz_bytes(x_train=ragged(IMDB_TRAIN), y_train=np.array([0, 1, 0, 1]),
                                       x_test=ragged(IMDB_TEST), y_test=np.array([1, 0, 1])),
                 imdb)


def pairs(x, y):
    return sorted((tuple(s), int(label)) for s, label in zip(x, y))


def test_imdb_default_offsets(server):
    serve_imdb(server)
    (x_train, y_train), (x_test, y_test) = imdb.load_data()
    assert x_train.dtype == object and x_train.shape == (4,) and x_test.shape == (3,)
    expected = [(tuple([1] + [w + 3 for w in s]), lab)
                for s, lab in zip(IMDB_TRAIN, [0, 1, 0, 1])]
    assert pairs(x_train, y_train) == sorted(expected)
    # without num_words the bound is the largest index (11 + 3, in the test set), which
    # itself becomes oov: Keras's rule
    assert sorted(map(tuple, x_test)) == [(1, 2), (1, 5, 5), (1, 6, 7, 8)]
    assert all(isinstance(s, list) for s in x_test)
    assert len(set(map(tuple, x_train))) == 4


def test_imdb_num_words_skip_top_maxlen(server):
    serve_imdb(server)
    (x_train, y_train), (x_test, _) = imdb.load_data(num_words=7, skip_top=2, maxlen=3)
    # maxlen=3 keeps sequences shorter than 3 after the start mark: [6] -> [1, 9] in train,
    # [11] -> [1, 14] in test; the start mark 1 is below skip_top and 9, 14 are not below
    # num_words, so all become oov (2)
    assert pairs(x_train, y_train) == [((2, 2), 0)]
    assert sorted(map(tuple, x_test)) == [(2, 2)]
    (x_train, _), _ = imdb.load_data(num_words=7, skip_top=2)
    assert sorted(map(tuple, x_train)) == sorted([(2, 4, 5, 6), (2, 2, 2), (2, 2),
                                                  (2, 2, 2, 2, 2)])
    (x_train, _), _ = imdb.load_data(num_words=7, oov_char=None, start_char=None, index_from=0)
    assert sorted(map(tuple, x_train)) == sorted([(1, 2, 3), (4, 5), (6,), ()])


def test_imdb_seed_shuffles_pairs_together(server):
    serve_imdb(server)
    (a, ya), _ = imdb.load_data(seed=1)
    (b, yb), _ = imdb.load_data(seed=2)
    assert pairs(a, ya) == pairs(b, yb)
    assert server.hits["imdb.npz"] == 1
    with pytest.raises(ValueError, match="maxlen"):
        imdb.load_data(maxlen=1)


def test_imdb_word_index_md5(server, monkeypatch):
    index = {"the": 1, "and": 2}
    data = json.dumps(index).encode()
    server.serve("imdb_word_index.json", data)
    monkeypatch.setattr(imdb, "WORD_INDEX_HASH", hashlib.md5(data).hexdigest())  # md5, as Keras
    assert imdb.get_word_index() == index
    monkeypatch.setattr(imdb, "WORD_INDEX_HASH", hashlib.md5(b"other").hexdigest())
    with pytest.raises(ValueError, match="md5"):
        imdb.get_word_index()  # cached copy no longer matches; the fresh download neither


def test_reuters_split_and_labels(server):
    xs = [[i + 1] * (i % 3 + 1) for i in range(10)]
    ys = np.arange(10) % 4
    server.serve("reuters.npz", npz_bytes(x=ragged(xs), y=ys), reuters)
    (x_train, y_train), (x_test, y_test) = reuters.load_data(test_split=0.3, num_words=100)
    assert len(x_train) == 7 and len(x_test) == 3
    got = pairs(list(x_train) + list(x_test), np.concatenate([y_train, y_test]))
    assert got == sorted((tuple([1] + [w + 3 for w in s]), int(y)) for s, y in zip(xs, ys))
    (x_train, _), (x_test, _) = reuters.load_data(test_split=0.3, maxlen=3)
    assert all(len(s) < 3 for s in list(x_train) + list(x_test))
    with pytest.raises(ValueError, match="test_split"):
        reuters.load_data(test_split=1.0)
    index = {"said": 1}
    server.serve("reuters_word_index.json", json.dumps(index).encode(), reuters,
                 "WORD_INDEX_HASH")
    assert reuters.get_word_index() == index


# -- regression datasets -------------------------------------------------------------------

def test_boston_housing_split(server):
    x = np.arange(50 * 13, dtype=np.float64).reshape(50, 13)
    y = x[:, 0] / 13
    server.serve("boston_housing.npz", npz_bytes(x=x, y=y), boston_housing)
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data(test_split=0.2, seed=7)
    assert x_train.shape == (40, 13) and x_test.shape == (10, 13) and y_test.shape == (10,)
    np.testing.assert_array_equal(y_train, x_train[:, 0] / 13)  # rows stay paired
    assert sorted(np.concatenate([y_train, y_test])) == sorted(y)
    (x2, _), _ = boston_housing.load_data(test_split=0.2, seed=7)
    np.testing.assert_array_equal(x2, x_train)
    (x3, _), _ = boston_housing.load_data(test_split=0.2, seed=8)
    assert not np.array_equal(x3, x_train)
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=-0.1)


def test_california_housing_versions(server):
    x = np.random.default_rng(4).normal(size=(700, 8))
    y = np.arange(700, dtype=np.float64)
    server.serve("california_housing.npz", npz_bytes(x=x, y=y), california_housing)
    (x_train, y_train), (x_test, y_test) = california_housing.load_data()
    assert x_train.shape == (560, 8) and x_test.shape == (140, 8)
    (x_train, y_train), (x_test, y_test) = california_housing.load_data(version="small",
                                                                        test_split=0.5)
    assert x_train.shape == (300, 8) and x_test.shape == (300, 8)
    assert np.concatenate([y_train, y_test]).max() < 600  # only the first 600 rows
    with pytest.raises(ValueError, match="version"):
        california_housing.load_data(version="medium")
