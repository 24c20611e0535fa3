"""`keras.utils.get_file`: download a file once, keep it in a local cache, verify its hash.

The cache is Keras's: `$KERAS_HOME` when set, else `~/.keras` (a temporary `.keras` folder
when that is not writable), in `cache_subdir` (default `datasets`), so files Keras fetched are
found and numen's are found by Keras. A download is written to a temporary file beside its
target, checked against `file_hash` when one is given, and only then renamed into place, so an
interrupted or corrupt transfer never leaves a half-written file where the cache expects a good
one.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile

from tqdm import tqdm

# Seconds to wait on a silent connection before giving up (urllib's default is forever).
DOWNLOAD_TIMEOUT_S = 60.0
_CHUNK = 1 << 16


def keras_home() -> str:
    """The cache root, where Keras 3 keeps it: `$KERAS_HOME` when set, else `~/.keras`.

    Read at each call, so a KERAS_HOME set after import counts.

    >>> keras_home()  # doctest: +SKIP
    '/home/me/.keras'
    """
    return os.path.expanduser(os.environ.get("KERAS_HOME") or os.path.join("~", ".keras"))


def _hasher(algorithm: str, file_hash: str | None = None):
    if algorithm == "sha256":
        return hashlib.sha256()
    if algorithm == "md5":
        return hashlib.md5()
    if algorithm == "auto":
        # 64 hex digits is a sha256; anything else is taken as md5, as Keras does.
        if file_hash is not None and len(file_hash) == 64:
            return hashlib.sha256()
        return hashlib.md5()
    raise ValueError(f"hash_algorithm: expected 'auto', 'sha256' or 'md5', "
                     f"received {algorithm!r}")


def hash_file(fpath, algorithm: str = "sha256", chunk_size: int = 65535) -> str:
    """Hex digest of a file's bytes ('sha256' or 'md5').

    >>> hash_file("/path/to/file.zip")  # doctest: +SKIP
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    """
    h = _hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            h.update(chunk)
    return h.hexdigest()


def validate_file(fpath, file_hash: str, algorithm: str = "auto",
                  chunk_size: int = 65535) -> bool:
    """Whether the file's sha256/md5 digest equals `file_hash` (case-insensitive)."""
    h = _hasher(algorithm, file_hash)
    return hash_file(fpath, h, chunk_size) == str(file_hash).lower()


def _safe_tar_members(archive: tarfile.TarFile, dest: str):
    """Members that stay inside `dest`: no absolute paths, no `..`, no links leaving it."""
    root = os.path.realpath(dest)
    for m in archive.getmembers():
        target = os.path.realpath(os.path.join(root, m.name))
        if os.path.commonpath([root, target]) != root:
            continue
        if m.issym() or m.islnk():
            link = os.path.realpath(os.path.join(os.path.dirname(target), m.linkname))
            if os.path.commonpath([root, link]) != root:
                continue
        if m.isdev():
            continue
        yield m


def extract_archive(file_path, path=".", archive_format="auto") -> bool:
    """Extract a tar (.tar, .tar.gz, .tar.bz2) or zip archive into `path`.

    Members that would land outside `path` (absolute names, `..`, outward links) are skipped.

    Args:
        file_path: the archive.
        path: the folder to extract into.
        archive_format: 'auto' (try tar, then zip), 'tar', 'zip', a list of those, or None.

    Returns:
        True when the file matched a format and was extracted, False otherwise.
    """
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else archive_format
    if isinstance(formats, str):
        formats = [formats]
    file_path, path = os.fspath(file_path), os.fspath(path)
    for fmt in formats:
        if fmt == "tar":
            if not tarfile.is_tarfile(file_path):
                continue
            with tarfile.open(file_path) as archive:
                members = list(_safe_tar_members(archive, path))
                kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
                archive.extractall(path, members=members, **kwargs)
            return True
        if fmt == "zip":
            if not zipfile.is_zipfile(file_path):
                continue
            # ZipFile.extractall already drops absolute prefixes and `..` parts.
            with zipfile.ZipFile(file_path) as archive:
                archive.extractall(path)
            return True
        raise ValueError(f"archive_format: expected 'auto', 'tar', 'zip' or None, "
                         f"received {fmt!r}")
    return False


def _writable_base(cache_dir: str) -> str:
    base = os.path.expanduser(cache_dir)
    try:
        os.makedirs(base, exist_ok=True)
    except OSError:
        pass
    if os.access(base, os.W_OK):
        return base
    return os.path.join(tempfile.gettempdir(), ".keras")  # as Keras does


def _download(origin: str, target: str, file_hash, hash_algorithm: str) -> None:
    """Stream `origin` to a temporary file beside `target`, verify it, then rename it."""
    folder = os.path.dirname(target)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=os.path.basename(target) + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(origin, timeout=DOWNLOAD_TIMEOUT_S) as response:
                    total = response.headers.get("Content-Length")
                    with tqdm(total=int(total) if total else None, unit="B", unit_scale=True,
                              disable=None, leave=False) as bar:
                        for chunk in iter(lambda: response.read(_CHUNK), b""):
                            out.write(chunk)
                            bar.update(len(chunk))
            except urllib.error.HTTPError as exc:
                raise OSError(f"get_file: could not download {origin} (HTTP {exc.code} "
                              f"{exc.reason}); the file would be cached at {target}") from exc
            except (urllib.error.URLError, http.client.HTTPException, TimeoutError,
                    ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                raise OSError(f"get_file: could not reach {origin} ({reason}); the file would "
                              f"be cached at {target}. Check the network connection, or put "
                              f"the file there by hand.") from exc
        if file_hash is not None and not validate_file(tmp, file_hash, hash_algorithm):
            got = hash_file(tmp, _hasher(hash_algorithm, file_hash))
            raise ValueError(f"get_file: the file downloaded from {origin} is incomplete or "
                             f"corrupted: its {hash_algorithm} hash is {got}, expected "
                             f"{file_hash}. Nothing was written to {target}.")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False) -> str:
    """Download `origin` into the cache unless a good copy is already there; return its path.

    The file goes to `cache_dir/cache_subdir/fname` (`cache_dir` defaults to `$KERAS_HOME`,
    else `~/.keras`, as in Keras). With `file_hash`, a cached copy whose hash differs is
    downloaded again, and a fresh download whose hash differs raises ValueError without touching
    the cache.

    Args:
        fname: local file name; None takes the last part of the URL's path. With `extract`
            (or `untar`), a name without an extension names the extraction folder.
        origin: URL of the file.
        untar: deprecated spelling of `extract=True, archive_format='tar'`.
        md5_hash: deprecated spelling of `file_hash=..., hash_algorithm='md5'`.
        file_hash: expected sha256 or md5 hex digest of the file.
        cache_subdir: folder under the cache root (an absolute path is used as is).
        hash_algorithm: 'auto' (sha256 for 64 hex digits, else md5), 'sha256' or 'md5'.
        extract: extract the archive (tar or zip) and return the extraction folder.
        archive_format: 'auto', 'tar', 'zip' or None.
        cache_dir: the cache root, instead of `$KERAS_HOME`/`~/.keras`.
        force_download: download again even when a cached copy exists.

    Returns:
        The path of the cached file, or of the extraction folder with `extract`/`untar`.

    Raises:
        ValueError: no `origin`, a path in `fname`, or a downloaded file with the wrong hash.
        OSError: the URL could not be fetched (the message names the URL and the cache path).

    >>> path = get_file(origin="https://example.com/data.csv")  # doctest: +SKIP
    """
    if origin is None:
        raise ValueError("get_file: please specify `origin` (the URL of the file to download)")
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    if hash_algorithm not in ("auto", "sha256", "md5"):
        raise ValueError(f"get_file: hash_algorithm must be 'auto', 'sha256' or 'md5', "
                         f"received {hash_algorithm!r}")
    if file_hash is not None and hash_algorithm == "auto":
        hash_algorithm = _hasher("auto", file_hash).name  # named in messages
    datadir = os.path.join(_writable_base(cache_dir or keras_home()), cache_subdir)
    os.makedirs(datadir, exist_ok=True)

    given_name = fname
    fname = os.fspath(fname) if fname is not None else ""
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"get_file: cannot take a file name from origin={origin!r}; "
                             "pass `fname`")
    elif os.sep in fname or (os.altsep and os.altsep in fname):
        raise ValueError(f"get_file: `fname` must be a file name, not a path (use `cache_dir` "
                         f"or `cache_subdir` for the folder); received fname={fname!r}")

    if extract or untar:
        if given_name and "." in fname:
            target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, f"{fname[:fname.find('.')]}_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            target = os.path.join(datadir, f"{fname}_archive")
    else:
        target = os.path.join(datadir, fname)

    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None and not validate_file(target, file_hash,
                                                                    hash_algorithm):
        print(f"A local file was found at {target}, but its {hash_algorithm} hash does not "
              f"match {file_hash} (incomplete or outdated); downloading it again.")
        download = True
    if download:
        print(f"Downloading data from {origin}")
        _download(origin, target, file_hash, hash_algorithm)

    if not (extract or untar):
        return target
    if download or not os.path.isdir(extraction_dir):
        _extract_into(target, extraction_dir, "tar" if untar else archive_format)
    return extraction_dir


def _extract_into(archive: str, extraction_dir: str, archive_format) -> None:
    """Extract into a fresh temporary folder, then swap it in, so a failed extraction never
    leaves a half-filled folder that a later call would take as done."""
    parent = os.path.dirname(extraction_dir)
    tmp = tempfile.mkdtemp(dir=parent, prefix=os.path.basename(extraction_dir) + ".")
    try:
        if not extract_archive(archive, tmp, archive_format):
            warnings.warn(f"get_file: could not extract {archive} (not a "
                          f"{archive_format} archive)", stacklevel=3)
            return
        if os.path.isdir(extraction_dir):
            shutil.rmtree(extraction_dir)
        os.replace(tmp, extraction_dir)
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp)


__all__ = ["extract_archive", "get_file", "hash_file", "keras_home", "validate_file"]
