"""Cache files in the user's cache folder, knowing nothing of what they hold: reading and writing them so that no cache file can run code, be planted by another user, hang a command or show a
stale lead.

Format: msgpack through msgspec, which builds only plain data (dict, list, str, int, float, bool, None,
bytes). The few other things a parsed YAML file holds travel as msgpack Ext values that `_ext_hook` turns
into exactly one type each: a date, a datetime (naive or with a fixed offset), an int too big for msgpack,
a tuple, a set, a mapping whose keys msgpack cannot hold (dates). Where the shape is fixed (the lead index,
the stage history) msgspec decodes into declared types instead, checking every field. There is no pickle, and
no way for a file to name a class or a function: a cache file decodes to plain data or the declared types,
or fails to decode (a miss).

The folder is private: created 0700, tightened to 0700 when it is ours and looser, and not used at all (not
read, not written) when another user owns it or it stays writable by others. A file is opened without
following a link and without blocking (a FIFO cannot hang a command), then read from that descriptor only
when fstat says it is a regular file owned by us, not writable by group or others, and under `MAX_FILE`.
Files are written 0600 through a temp file and a rename, inside the folder descriptor that was checked.

A stamp is what git's index keeps too: (mtime_ns, size, ctime_ns, inode), so a file replaced by one of the
same size and modification time (`cp -p`, `touch -r`) has another stamp all the same.

Racily clean (git's rule): a stamp proves nothing when the file could still change within
the same timestamp tick (1-second and 2-second filesystems). An entry stored while the file's mtime is
within `RACY_NS` of the clock is racy: it keeps a digest of the bytes it was parsed from and is trusted only
after the file's current bytes are read and match; once the mtime is old enough it is stored clean again.

Only ever a copy: anything missing, foreign, corrupt, unsafe or from another version is a silent miss and is
rebuilt. Decoding pauses the garbage collector (thousands of small objects).
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import os
import stat
import sys
from pathlib import Path
from typing import Any

import msgspec
from msgspec import msgpack

# Anything cached is tied to the code that made it: this format, the release, and the layout of a Lead's
# derived fields. An upgrade that changes any of them makes the old cache a miss, rebuilt silently.
FORMAT = 6
SUFFIX = ".msgpack"
MAX_FILE = 512 * 1024 * 1024  # a cache file larger than this is not ours to read
RACY_NS = 3_000_000_000  # an mtime this close to the clock may still change within its tick (FAT: 2 s)


def code_version(*parts: object) -> tuple:
    from pipeline_tui import __version__

    return (FORMAT, __version__, *parts)


def version_key(version: tuple) -> str:
    return repr(version)


def cache_dir() -> Path:
    """pipeline-tui's folder in the user's cache folder (platformdirs; on Linux worked out directly, as
    platformdirs does, which spares every command the import of platformdirs and `platform`)."""
    if sys.platform.startswith("linux"):
        base = os.environ.get("XDG_CACHE_HOME", "").strip()
        return (Path(base) if base else Path.home() / ".cache") / "pipeline-tui"
    from platformdirs import user_cache_path

    return user_cache_path("pipeline-tui", appauthor=False)


def digest(data: bytes) -> str:
    """A content digest for cache keys: BLAKE2b from CPython's own module when it is there, which spares
    every command hashlib's load of OpenSSL (3 ms); the same function through hashlib elsewhere."""
    try:
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - a Python built without its own BLAKE2
        from hashlib import blake2b
    return blake2b(data, digest_size=20).hexdigest()


def cache_file(kind: str, root: Path) -> Path:
    """The cache file of one kind (leads, playbook, stages) for the pipeline at root."""
    key = digest(str(root).encode())[:16]
    return cache_dir() / f"{kind}-{key}{SUFFIX}"


# --- plain data: the only things a cache file can hold ---------------------------------------------------

_EXT_DATE, _EXT_DATETIME, _EXT_INT, _EXT_TUPLE, _EXT_SET, _EXT_MAP, _EXT_DATETIME_FOLD = 1, 2, 3, 4, 5, 6, 7
INT_MIN, INT_MAX = -(2**63), 2**64 - 1
_NATIVE_KEYS = (str, float, bool, type(None), bytes)
ENCODE_ERRORS = (TypeError, ValueError, OverflowError, UnicodeError, RecursionError)
ENCODER = msgpack.Encoder()


def _plain(value: Any) -> Any:
    """value made encodable as msgpack with exact types on the way back (see `_ext_hook`); TypeError for
    anything that is not plain data (the caller then does not cache it)."""
    t = type(value)
    if t is str or t is float or t is bool or value is None or t is bytes:
        return value
    if t is int:
        if INT_MIN <= value <= INT_MAX:
            return value
        return msgpack.Ext(_EXT_INT, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))
    if t is dict:
        if all(type(k) in _NATIVE_KEYS or (type(k) is int and INT_MIN <= k <= INT_MAX) for k in value):
            return {k: _plain(v) for k, v in value.items()}
        pairs = []
        for k, v in value.items():
            pairs.append(_plain(k))
            pairs.append(_plain(v))
        return msgpack.Ext(_EXT_MAP, ENCODER.encode(pairs))
    if t is list:
        return [_plain(v) for v in value]
    if t is dt.datetime:
        tz = value.tzinfo
        if tz is not None and (type(tz) is not dt.timezone
                               or tz.tzname(None) != dt.timezone(tz.utcoffset(None)).tzname(None)):
            raise TypeError("only naive datetimes and fixed offsets are cached")  # what YAML makes
        return msgpack.Ext(_EXT_DATETIME_FOLD if value.fold else _EXT_DATETIME, value.isoformat().encode("ascii"))
    if t is dt.date:
        return msgpack.Ext(_EXT_DATE, value.isoformat().encode("ascii"))
    if t is tuple:
        return msgpack.Ext(_EXT_TUPLE, ENCODER.encode([_plain(v) for v in value]))
    if t is set:
        return msgpack.Ext(_EXT_SET, ENCODER.encode([_plain(v) for v in value]))
    raise TypeError(f"not plain data: {t.__name__}")


def _items(data: memoryview) -> list:
    items = _DECODER.decode(data)
    if type(items) is not list:
        raise ValueError("a list was expected")
    return items


def _ext_hook(code: int, data: memoryview) -> Any:
    """The only objects a cache file builds besides msgpack's own: each code makes one plain type."""
    if code == _EXT_DATE:
        return dt.date.fromisoformat(bytes(data).decode("ascii"))
    if code == _EXT_DATETIME:
        return dt.datetime.fromisoformat(bytes(data).decode("ascii"))
    if code == _EXT_DATETIME_FOLD:  # the second of a repeated local hour
        return dt.datetime.fromisoformat(bytes(data).decode("ascii")).replace(fold=1)
    if code == _EXT_INT:
        return int.from_bytes(data, "big", signed=True)
    if code == _EXT_TUPLE:
        return tuple(_items(data))
    if code == _EXT_SET:
        return set(_items(data))
    if code == _EXT_MAP:
        items = _items(data)
        if len(items) % 2:
            raise ValueError("a mapping needs pairs")
        return dict(zip(items[::2], items[1::2], strict=True))
    raise ValueError(f"unknown extension {code}")


_DECODER = msgpack.Decoder(ext_hook=_ext_hook)


def encode_plain(value: Any) -> bytes:
    """msgpack bytes of plain data (TypeError, ValueError, OverflowError... for anything else)."""
    return ENCODER.encode(_plain(value))


def decode_plain(blob: bytes | memoryview | msgspec.Raw) -> Any:
    """What `encode_plain` encoded: plain data only; raises on anything malformed."""
    return decode_typed(_DECODER, blob)


def decode_typed(decoder: msgpack.Decoder, blob: bytes | memoryview | msgspec.Raw) -> Any:
    """blob decoded by decoder with the garbage collector paused (thousands of small objects)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return decoder.decode(blob)
    finally:
        if enabled:
            gc.enable()


# --- the private folder, and files read and written safely ------------------------------------------------

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC | _O_BINARY
_HAS_UID = hasattr(os, "getuid")
# Work inside a checked folder descriptor (openat, renameat) where the platform has them; else by path.
_AT = (_HAS_UID and hasattr(os, "O_DIRECTORY")
       and {os.open, os.rename, os.unlink} <= os.supports_dir_fd and hasattr(os, "fchmod"))
_NO_DIR = -1  # "use paths": a platform without openat (Windows)


def _open_folder(folder: Path, create: bool) -> int | None:
    """A descriptor of the cache folder when it is safe to use: ours, and private (made 0700 if it was ours
    and looser); _NO_DIR on a platform without openat; None when absent, foreign or not private."""
    if create:
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
        except OSError:
            return None
    if not _AT:
        return _NO_DIR if folder.is_dir() else None
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | _O_CLOEXEC)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
            raise PermissionError("not our folder")
        if st.st_mode & 0o077:
            os.fchmod(fd, 0o700)
            if os.fstat(fd).st_mode & 0o077:
                raise PermissionError("cannot make the folder private")
    except OSError:
        os.close(fd)
        return None
    return fd


def read_regular(path: Path | str, dir_fd: int | None = None, own: bool = False, limit: int = MAX_FILE) -> bytes | None:
    """The bytes of a regular file, or None: a link, a FIFO, a device, a folder, a file over `limit`, one that
    grew while read, or (own) one not owned by us or writable by group or others (`files.read_limited`)."""
    from pipeline_tui.core.storage.files import read_limited

    try:
        return read_limited(path, limit, dir_fd=dir_fd, own=own, exact=True)
    except OSError:
        return None


def read_cache(path: Path) -> bytes | None:
    """A cache file's bytes when its folder and the file itself are safe to trust (see the module doc)."""
    dfd = _open_folder(path.parent, create=False)
    if dfd is None:
        return None
    if dfd == _NO_DIR:
        return read_regular(path, own=True)
    try:
        return read_regular(path.name, dir_fd=dfd, own=True)
    finally:
        os.close(dfd)


def write_cache(path: Path, blob: bytes) -> None:
    """Write a cache file 0600 through a temp file and a rename in the checked folder; a folder that is not
    ours or not private, or any error, and the cache is simply not kept."""
    dfd = _open_folder(path.parent, create=True)
    if dfd is None:
        return
    at = dfd != _NO_DIR
    tmp = f".{path.name}.{os.urandom(6).hex()}.tmp"
    tmp_ref: str | Path = tmp if at else path.parent / tmp
    where = {"dir_fd": dfd} if at else {}
    try:
        fd = os.open(tmp_ref, _WRITE_FLAGS, 0o600, **where)
        try:
            try:
                view = memoryview(blob)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
            if at:
                os.rename(tmp, path.name, src_dir_fd=dfd, dst_dir_fd=dfd)  # POSIX rename replaces atomically
            else:
                os.replace(tmp_ref, path)
        except BaseException:
            try:
                os.unlink(tmp_ref, **where)
            except OSError:
                pass
            raise
        try:  # the pickle this file replaces (FORMAT 4 and before) is never read again
            os.unlink(path.with_suffix(".pickle").name if at else path.with_suffix(".pickle"), **where)
        except OSError:
            pass
    except OSError:
        pass
    finally:
        if at:
            os.close(dfd)


# --- one object per file, tied to a version (the playbook, the stage history) -----------------------------

_VERSIONED = msgpack.Decoder(tuple[str, msgspec.Raw])


@functools.cache
def _typed_decoder(kind: Any) -> msgpack.Decoder:
    return msgpack.Decoder(kind)


def load_versioned(path: Path, version: tuple, kind: Any = None) -> Any:
    """What `save_versioned` stored at path under this version; None if missing, unsafe, corrupt or another
    version. Without `kind`, plain data (see `_plain`) whose shape the caller checks; with it (a msgspec type
    of plain parts: tuples, lists, dicts, str, int, datetime...), exactly a value of that type."""
    blob = read_cache(path)
    if blob is None:
        return None
    try:
        stored, payload = _VERSIONED.decode(blob)
        if stored != version_key(version):
            return None
        return decode_plain(payload) if kind is None else decode_typed(_typed_decoder(kind), payload)
    except Exception:  # noqa: BLE001 - a cache is only a copy: anything odd means "rebuild it"
        return None


def save_versioned(path: Path, version: tuple, obj: Any, kind: Any = None) -> None:
    """Store obj atomically: plain data (see `_plain`), or with `kind` a value of that msgspec type, encoded
    the way msgspec decodes that type (dates as text). What cannot be encoded or written is not kept."""
    try:
        payload = ENCODER.encode(_plain(obj) if kind is None else obj)
        blob = ENCODER.encode([version_key(version), msgspec.Raw(payload)])
    except ENCODE_ERRORS:
        return
    write_cache(path, blob)
