"""keras.utils.get_file against a local HTTP server: download, cache hit, hash checks,
re-download of a corrupt cache entry, archives, atomic writes and offline errors."""

import hashlib
import io
import os
import tarfile
import zipfile

import pytest

from numen import keras
from numen.utils import file_utils
from numen.utils.file_utils import get_file


@pytest.fixture
def server(file_server):
    return file_server


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_downloads_into_keras_home_then_uses_the_cache(server, home):
    server.files["a.txt"] = b"hello numen"
    path = get_file("a.txt", origin=server.url + "a.txt", file_hash=sha256(b"hello numen"))
    assert path == str(home / "datasets" / "a.txt")
    assert open(path, "rb").read() == b"hello numen"
    again = get_file("a.txt", origin=server.url + "a.txt", file_hash=sha256(b"hello numen"))
    assert again == path
    assert server.hits["a.txt"] == 1  # the second call never asked the server


def test_keras_face_and_default_home(server, monkeypatch, tmp_path):
    # Keras 3's cache: ~/.keras unless KERAS_HOME says otherwise (numen's old NUMEN_HOME and
    # ~/.numen are not read)
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("NUMEN_HOME", str(tmp_path / "old"))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert file_utils.keras_home() == str(tmp_path / ".keras")
    assert keras.utils.get_file is get_file
    server.files["b.bin"] = b"\x00\x01"
    path = keras.utils.get_file(origin=server.url + "b.bin")  # fname from the URL
    assert path == str(tmp_path / ".keras" / "datasets" / "b.bin")
    assert not (tmp_path / "old").exists() and not (tmp_path / ".numen").exists()


def test_keras_home_is_read_at_each_call_and_a_placed_file_is_used(monkeypatch, tmp_path):
    # a file already in $KERAS_HOME/models (where Keras caches weights) is used without a
    # download: the origin does not exist
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    placed = tmp_path / "kh" / "models" / "w.h5"
    placed.parent.mkdir(parents=True)
    placed.write_bytes(b"weights")
    origin = (tmp_path / "nowhere" / "w.h5").as_uri()
    assert get_file("w.h5", origin, cache_subdir="models") == str(placed)
    monkeypatch.setenv("KERAS_HOME", "~/elsewhere")  # expanded, as Keras expands it
    assert file_utils.keras_home() == str(tmp_path / "user" / "elsewhere")


def test_cache_dir_and_cache_subdir_override(server, home, tmp_path):
    server.files["c.txt"] = b"c"
    path = get_file("local.txt", server.url + "c.txt", cache_dir=str(tmp_path / "cache"),
                    cache_subdir="sub")
    assert path == str(tmp_path / "cache" / "sub" / "local.txt")
    assert not (home / "datasets").exists()


def test_corrupt_cache_entry_is_downloaded_again(server, home, capsys):
    good = b"the real bytes"
    server.files["d.txt"] = good
    path = get_file("d.txt", server.url + "d.txt", file_hash=sha256(good))
    with open(path, "wb") as f:
        f.write(b"truncated")
    path = get_file("d.txt", server.url + "d.txt", file_hash=sha256(good))
    assert open(path, "rb").read() == good
    assert server.hits["d.txt"] == 2
    assert "does not match" in capsys.readouterr().out


def test_md5_hash_and_md5_hash_argument(server, home):
    data = b"md5 checked"
    server.files["e.txt"] = data
    md5 = hashlib.md5(data).hexdigest()
    assert file_utils.validate_file(get_file("e.txt", server.url + "e.txt", file_hash=md5), md5)
    path = get_file("e2.txt", server.url + "e.txt", md5_hash=md5)
    assert file_utils.hash_file(path, "md5") == md5
    assert file_utils.hash_file(path) == sha256(data)


def test_wrong_hash_on_download_raises_and_leaves_nothing(server, home):
    server.files["f.txt"] = b"served bytes"
    with pytest.raises(ValueError, match="incomplete or corrupted") as info:
        get_file("f.txt", server.url + "f.txt", file_hash="0" * 64)
    assert "sha256" in str(info.value)
    folder = home / "datasets"
    assert os.listdir(folder) == []  # no target, no leftover temporary file


def test_failed_redownload_keeps_nothing_half_written(server, home):
    server.files["g.txt"] = b"v1"
    path = get_file("g.txt", server.url + "g.txt")
    server.files["g.txt"] = b"v2 but corrupted in transit"
    with pytest.raises(ValueError):
        get_file("g.txt", server.url + "g.txt", file_hash=sha256(b"v2"), force_download=True)
    assert open(path, "rb").read() == b"v1"  # the old copy was not clobbered
    assert os.listdir(home / "datasets") == ["g.txt"]


def test_force_download(server, home):
    server.files["h.txt"] = b"1"
    get_file("h.txt", server.url + "h.txt")
    server.files["h.txt"] = b"2"
    path = get_file("h.txt", server.url + "h.txt", force_download=True)
    assert open(path, "rb").read() == b"2"
    assert server.hits["h.txt"] == 2


def test_offline_error_names_url_and_cache_path(server, home):
    url = server.url + "i.txt"
    server.stop()
    with pytest.raises(OSError) as info:
        get_file("i.txt", url)
    message = str(info.value)
    assert url in message
    assert str(home / "datasets" / "i.txt") in message
    assert os.listdir(home / "datasets") == []


def test_http_error_names_status(server, home):
    with pytest.raises(OSError, match="HTTP 404") as info:
        get_file("missing.txt", server.url + "missing.txt")
    assert server.url + "missing.txt" in str(info.value)


def test_offline_with_cached_copy_still_works(server, home):
    server.files["j.txt"] = b"cached"
    get_file("j.txt", server.url + "j.txt", file_hash=sha256(b"cached"))
    server.stop()
    path = get_file("j.txt", server.url + "j.txt", file_hash=sha256(b"cached"))
    assert open(path, "rb").read() == b"cached"


def _tar_gz(members: dict) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _zip(members: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_untar_extracts_into_folder_named_fname(server, home):
    archive = _tar_gz({"top/one.txt": b"1", "top/two.txt": b"2"})
    server.files["arch.tar.gz"] = archive
    path = get_file("arch", server.url + "arch.tar.gz", untar=True, file_hash=sha256(archive))
    assert path == str(home / "datasets" / "arch")
    assert open(os.path.join(path, "top", "two.txt"), "rb").read() == b"2"
    assert os.path.exists(home / "datasets" / "arch_archive")
    get_file("arch", server.url + "arch.tar.gz", untar=True, file_hash=sha256(archive))
    assert server.hits["arch.tar.gz"] == 1


def test_extract_zip_with_extension_in_fname(server, home):
    server.files["z.zip"] = _zip({"inner/a.txt": b"zipped"})
    path = get_file("z.zip", server.url + "z.zip", extract=True)
    assert path == str(home / "datasets" / "z_extracted")
    assert open(os.path.join(path, "inner", "a.txt"), "rb").read() == b"zipped"


def test_extract_without_fname_uses_url_name(server, home):
    server.files["data.tar.gz"] = _tar_gz({"x.txt": b"x"})
    path = get_file(origin=server.url + "data.tar.gz", extract=True)
    assert path == str(home / "datasets" / "data.tar.gz")
    assert os.path.isdir(path)
    assert open(os.path.join(path, "x.txt"), "rb").read() == b"x"


def test_tar_members_escaping_the_folder_are_skipped(server, home, tmp_path):
    server.files["evil.tar.gz"] = _tar_gz({"../../escaped.txt": b"no", "ok.txt": b"yes"})
    path = get_file("evil", server.url + "evil.tar.gz", extract=True)
    assert open(os.path.join(path, "ok.txt"), "rb").read() == b"yes"
    assert not (home / "escaped.txt").exists()
    assert not (tmp_path / "escaped.txt").exists()


def test_extract_of_a_plain_file_warns(server, home):
    server.files["plain.txt"] = b"not an archive"
    with pytest.warns(UserWarning, match="could not extract"):
        get_file("plain", server.url + "plain.txt", extract=True)


@pytest.mark.parametrize("kwargs, match", [
    (dict(fname="a.txt"), "origin"),
    (dict(fname="sub/a.txt", origin="http://127.0.0.1:9/a"), "not a path"),
    (dict(origin="http://127.0.0.1:9/"), "fname"),
    (dict(fname="a", origin="http://127.0.0.1:9/a", hash_algorithm="sha1"), "hash_algorithm"),
])
def test_argument_errors(home, kwargs, match):
    with pytest.raises(ValueError, match=match):
        get_file(**kwargs)
