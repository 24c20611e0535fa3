"""Fuzzing the loaders: mutated `.keras`, `.weights.h5` and legacy `.h5` files either load or
raise one of the documented error types (ValueError, TypeError, OSError) naming the file,
each within a time bound, and never crash or hang the interpreter.

Mutations: random byte flips, truncations, inserted and deleted bytes, swapped/dropped/
duplicated zip members, and JSON configs with values, keys and types replaced. The default
run does ~300 cases; the slow test several thousand (`pytest -m slow -s` prints the tallies).
"""

import collections
import contextlib
import io
import json
import signal
import warnings
import zipfile

import h5py
import numpy as np
import pytest

from numen import backend, keras
from numen.keras import layers

DOCUMENTED = (ValueError, TypeError, OSError)
SECONDS_PER_CASE = 30  # one corrupt vlen-string attribute makes HDF5 itself read for ~5-8 s
X = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")


def functional_model():
    backend.set_random_seed(1)
    x = keras.Input((5,))
    h = layers.Dense(6, activation="relu")(x)
    h = layers.BatchNormalization()(h)
    y = layers.Dense(2, activation="softmax")(layers.Dropout(0.2)(h))
    model = keras.Model(x, y)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X, np.array([0, 1, 1, 0]), epochs=1, verbose=0)
    return model


LEGACY_CONFIG = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
    {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 5],
                                            "dtype": "float32", "name": "input_1"}},
    {"class_name": "Dense", "config": {"name": "dense", "units": 3, "activation": "relu",
                                       "use_bias": True}}]}}


def legacy_bytes(config=LEGACY_CONFIG) -> bytes:
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = [b"dense"]
        d = g.create_group("dense")
        d.attrs["weight_names"] = [b"dense/kernel:0", b"dense/bias:0"]
        d.create_dataset("dense/kernel:0", data=np.ones((5, 3), "float32"))
        d.create_dataset("dense/bias:0", data=np.zeros(3, "float32"))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    folder = tmp_path_factory.mktemp("originals")
    model = functional_model()
    model.save(folder / "m.keras")
    model.save_weights(str(folder / "m.weights.h5"))
    return {"keras": (folder / "m.keras").read_bytes(),
            "weights": (folder / "m.weights.h5").read_bytes(),
            "legacy": legacy_bytes()}


# -- mutations ---------------------------------------------------------------------------------
def flip(data: bytes, rng) -> bytes:
    out = bytearray(data)
    for _ in range(rng.integers(1, 8)):
        out[rng.integers(len(out))] ^= int(rng.integers(1, 256))
    return bytes(out)


def truncate(data: bytes, rng) -> bytes:
    return data[:rng.integers(0, len(data))]


def insert(data: bytes, rng) -> bytes:
    at = rng.integers(len(data))
    return data[:at] + rng.bytes(int(rng.integers(1, 64))) + data[at:]


def delete(data: bytes, rng) -> bytes:
    at = rng.integers(len(data))
    return data[:at] + data[at + rng.integers(1, 64):]


BYTE_MUTATIONS = (flip, truncate, insert, delete)


def members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(name, z.read(name)) for name in z.namelist()]


def zipped(items, compression=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are one of the mutations
        with zipfile.ZipFile(buffer, "w", compression) as z:
            for name, data in items:
                z.writestr(name, data)
    return buffer.getvalue()


def shuffle_members(data: bytes, rng) -> bytes:
    items = members(data)
    kind = rng.integers(4)
    names = [n for n, _ in items]
    if kind == 0:  # two members swap contents
        i, j = rng.choice(len(items), 2, replace=False)
        contents = [d for _, d in items]
        contents[i], contents[j] = contents[j], contents[i]
        items = list(zip(names, contents))
    elif kind == 1:  # one member dropped
        del items[rng.integers(len(items))]
    elif kind == 2:  # one member twice, the second copy mutated
        name, body = items[rng.integers(len(items))]
        items.append((name, flip(body, rng) if body else b"x"))
    else:  # a member's bytes mutated, the zip rewritten (valid CRCs) and maybe deflated
        i = rng.integers(len(items))
        items[i] = (items[i][0], BYTE_MUTATIONS[rng.integers(4)](items[i][1], rng))
        return zipped(items, zipfile.ZIP_DEFLATED if rng.integers(2) else zipfile.ZIP_STORED)
    return zipped(items)


def random_value(rng):
    pool = [None, True, False, 0, 1, -1, 3, 2**31, 10**12, -10**9, 0.5, float("nan"),
            float("inf"), "", "relu", "float16", "Dense", "__keras_tensor__", "unknown",
            [], [None], [1, 2], [None, 5], [[1, 2, 3]], {}, {"class_name": "Dense"},
            {"class_name": "Lambda", "config": {}}, {"a": [1]}]
    return pool[rng.integers(len(pool))]


def mutate_json(value, rng, depth=0):
    """`value` with one randomly chosen element replaced, renamed or deleted."""
    children = (list(value.items()) if isinstance(value, dict)
                else list(enumerate(value)) if isinstance(value, list) else [])
    if not children or (depth > 0 and rng.random() < 0.25):
        return random_value(rng)
    key, child = children[rng.integers(len(children))]
    if isinstance(value, dict):
        out = dict(value)
        action = rng.random()
        if action < 0.1:
            del out[key]
        elif action < 0.2:
            out[f"{key}_x" if rng.integers(2) else "units"] = out.pop(key)
        else:
            out[key] = mutate_json(child, rng, depth + 1)
        return out
    out = list(value)
    out[key] = mutate_json(child, rng, depth + 1)
    return out


def mutate_keras_config(data: bytes, rng) -> bytes:
    items = members(data)
    config = json.loads(dict(items)["config.json"])
    for _ in range(rng.integers(1, 4)):
        config = mutate_json(config, rng)
    text = json.dumps(config).encode()
    return zipped([(n, text if n == "config.json" else d) for n, d in items])


def mutate_legacy_config(rng) -> bytes:
    config = LEGACY_CONFIG
    for _ in range(rng.integers(1, 4)):
        config = mutate_json(config, rng)
    return legacy_bytes(config)


# -- running the cases -------------------------------------------------------------------------
class Hang(Exception):
    pass


@contextlib.contextmanager
def time_bound(seconds):
    def alarm(signum, frame):
        raise Hang(f"a load took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def make_case(kind: str, originals, rng) -> bytes:
    if kind == "keras":
        choice = rng.integers(6)
        if choice < 4:
            return BYTE_MUTATIONS[choice](originals["keras"], rng)
        if choice == 4:
            return shuffle_members(originals["keras"], rng)
        return mutate_keras_config(originals["keras"], rng)
    if kind == "legacy" and rng.integers(3) == 0:
        return mutate_legacy_config(rng)
    return BYTE_MUTATIONS[rng.integers(4)](originals[kind], rng)


def load(kind: str, path, target):
    if kind == "weights":
        target.load_weights(str(path))
    else:
        keras.models.load_model(path)


def run_fuzz(tmp_path, originals, count: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    target = functional_model()
    saved = target.get_weights()
    tally = collections.Counter()
    names = {"keras": "case.keras", "weights": "case.weights.h5", "legacy": "case.h5"}
    for i in range(count):
        kind = ("keras", "weights", "legacy")[i % 3]
        data = make_case(kind, originals, rng)
        path = tmp_path / names[kind]
        path.write_bytes(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                with time_bound(SECONDS_PER_CASE):
                    load(kind, path, target)
                tally[kind, "loaded"] += 1
            except DOCUMENTED as exc:
                assert names[kind] in str(exc), f"case {i} ({kind}): {exc!r}"
                tally[kind, type(exc).__name__] += 1
            except Hang:
                pytest.fail(f"case {i} ({kind}, seed {seed}) hung")
            except Exception as exc:
                (tmp_path / f"failed_{i}_{names[kind]}").write_bytes(data)
                pytest.fail(f"case {i} ({kind}, seed {seed}) raised an undocumented "
                            f"{type(exc).__name__}: {exc}")
        if kind == "weights":
            # Loaded or refused, the model holds either the saved values or what it had.
            for a, b in zip(target.get_weights(), saved):
                np.testing.assert_array_equal(a, b)
    print(dict(sorted(tally.items())))
    return tally


def test_fuzz_loaders(tmp_path, originals):
    tally = run_fuzz(tmp_path, originals, 300, seed=0)
    assert sum(tally.values()) == 300
    # The mutations must mostly be caught, yet some damage (unused bytes) loads intact.
    refused = sum(n for (_, outcome), n in tally.items() if outcome != "loaded")
    assert refused > 150
    assert tally["keras", "loaded"] + tally["weights", "loaded"] > 0


@pytest.mark.slow
def test_fuzz_loaders_thousands(tmp_path, originals):
    tally = run_fuzz(tmp_path, originals, 5000, seed=1)
    assert sum(tally.values()) == 5000
