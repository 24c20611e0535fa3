"""`keras.utils.get_file` caches where Keras 3 does: `$KERAS_HOME`, else `~/.keras`. Real Keras
runs in a child process (it reads KERAS_HOME once, at import) with a temporary HOME, fetching a
file:// URL; numen then finds Keras's cached copy after the source is gone, and the other way.

Runs under the interop venv (real Keras 3 next to numen); skipped where Keras 3 is absent:
    KERAS_BACKEND=jax PYTHONPATH=src .venv/interop/bin/python -m pytest \
        tests/test_interop_get_file.py
"""

import os
import subprocess
import sys

import pytest

from numen import keras

FETCH = ("import sys, keras; print(keras.utils.get_file(sys.argv[1], sys.argv[2], "
         "cache_subdir=sys.argv[3]))")


@pytest.fixture(autouse=True)
def _real_keras():
    real = pytest.importorskip("keras")
    if not hasattr(real, "saving") or real.__name__ != "keras":
        pytest.skip("the installed `keras` is not Keras 3")


def _keras_get_file(env, fname, origin, subdir) -> str:
    os.makedirs(env["HOME"], exist_ok=True)  # (Keras falls back to /tmp/.keras without one)
    child = {k: v for k, v in os.environ.items() if k != "KERAS_HOME"}
    child.update(env, KERAS_BACKEND="jax")
    done = subprocess.run([sys.executable, "-c", FETCH, fname, origin, subdir], env=child,
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout.strip().splitlines()[-1]


def _source(tmp_path, name, data):
    path = tmp_path / "origin" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("keras_home", [None, "kh"])
def test_numen_uses_the_file_keras_cached(tmp_path, monkeypatch, keras_home):
    env = {"HOME": str(tmp_path / "user")}
    if keras_home:
        env["KERAS_HOME"] = str(tmp_path / keras_home)
    source = _source(tmp_path, "w.h5", b"keras fetched this")
    theirs = _keras_get_file(env, "w.h5", source.as_uri(), "models")
    source.unlink()  # numen can only find it in the cache now
    monkeypatch.delenv("KERAS_HOME", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    ours = keras.utils.get_file("w.h5", source.as_uri(), cache_subdir="models")
    assert ours == theirs
    expected = tmp_path / keras_home if keras_home else tmp_path / "user" / ".keras"
    assert ours == str(expected / "models" / "w.h5")


def test_keras_uses_the_file_numen_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    source = _source(tmp_path, "d.txt", b"numen fetched this")
    ours = keras.utils.get_file("d.txt", source.as_uri())
    source.unlink()
    theirs = _keras_get_file({"HOME": str(tmp_path / "user"), "KERAS_HOME": str(tmp_path / "kh")},
                             "d.txt", source.as_uri(), "datasets")
    assert theirs == ours == str(tmp_path / "kh" / "datasets" / "d.txt")
