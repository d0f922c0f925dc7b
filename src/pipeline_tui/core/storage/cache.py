"""The caches in the user's cache folder (parsed leads, the parsed playbook, the stage history), and reading
and writing them so that no cache file can run code, be planted by another user, hang a command or show a
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

The lead cache is two files: the index (per lead: its stamp, the playbook digest, the fields the Lead works
out under that playbook, its `list --json` text; decoded into checked types by msgspec) and the parsed data
(per lead a `msgspec.Raw`, decoded only when that lead's data is asked for). A listing decodes the index only.

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
import time
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


def _version() -> tuple:
    from pipeline_tui.core.model.lead import Lead

    return code_version("leads", Lead.DERIVED)


def _version_key(version: tuple) -> str:
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


def cache_path(root: Path) -> Path:
    return cache_file("leads", root)


# --- plain data: the only things a cache file can hold ---------------------------------------------------

_EXT_DATE, _EXT_DATETIME, _EXT_INT, _EXT_TUPLE, _EXT_SET, _EXT_MAP, _EXT_DATETIME_FOLD = 1, 2, 3, 4, 5, 6, 7
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1
_NATIVE_KEYS = (str, float, bool, type(None), bytes)
_ENCODE_ERRORS = (TypeError, ValueError, OverflowError, UnicodeError, RecursionError)
_ENCODER = msgpack.Encoder()


def _plain(value: Any) -> Any:
    """value made encodable as msgpack with exact types on the way back (see `_ext_hook`); TypeError for
    anything that is not plain data (the caller then does not cache it)."""
    t = type(value)
    if t is str or t is float or t is bool or value is None or t is bytes:
        return value
    if t is int:
        if _INT_MIN <= value <= _INT_MAX:
            return value
        return msgpack.Ext(_EXT_INT, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))
    if t is dict:
        if all(type(k) in _NATIVE_KEYS or (type(k) is int and _INT_MIN <= k <= _INT_MAX) for k in value):
            return {k: _plain(v) for k, v in value.items()}
        pairs = []
        for k, v in value.items():
            pairs.append(_plain(k))
            pairs.append(_plain(v))
        return msgpack.Ext(_EXT_MAP, _ENCODER.encode(pairs))
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
        return msgpack.Ext(_EXT_TUPLE, _ENCODER.encode([_plain(v) for v in value]))
    if t is set:
        return msgpack.Ext(_EXT_SET, _ENCODER.encode([_plain(v) for v in value]))
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
    return _ENCODER.encode(_plain(value))


def decode_plain(blob: bytes | memoryview | msgspec.Raw) -> Any:
    """What `encode_plain` encoded: plain data only; raises on anything malformed."""
    return _decode_typed(_DECODER, blob)


def _decode_typed(decoder: msgpack.Decoder, blob: bytes | memoryview | msgspec.Raw) -> Any:
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
        if stored != _version_key(version):
            return None
        return decode_plain(payload) if kind is None else _decode_typed(_typed_decoder(kind), payload)
    except Exception:  # noqa: BLE001 - a cache is only a copy: anything odd means "rebuild it"
        return None


def save_versioned(path: Path, version: tuple, obj: Any, kind: Any = None) -> None:
    """Store obj atomically: plain data (see `_plain`), or with `kind` a value of that msgspec type, encoded
    the way msgspec decodes that type (dates as text). What cannot be encoded or written is not kept."""
    try:
        payload = _ENCODER.encode(_plain(obj) if kind is None else obj)
        blob = _ENCODER.encode([_version_key(version), msgspec.Raw(payload)])
    except _ENCODE_ERRORS:
        return
    write_cache(path, blob)


# --- the lead cache ------------------------------------------------------------------------------------------

_NoneType = type(None)
_STR = (str, (str,))
_BOOL = (bool, (bool,))
_DAY = (dt.date | None, (dt.date, _NoneType))
# The msgspec type of each field of Lead.DERIVED, and the exact Python types `put` lets into the index (so
# that what is stored always decodes). A field not listed here may hold a scalar or a list of strings.
_DERIVED_TYPES: dict[str, tuple[Any, tuple[type, ...]]] = {
    "name": _STR, "company": _STR, "email": _STR, "source": _STR, "group": _STR, "origin": _STR,
    "stage": _STR, "horizon": _STR, "owner": _STR, "next_action": _STR, "grade": _STR, "interest": _STR,
    "value": (int | float | None, (int, float, _NoneType)),
    "created": _DAY, "next_due": _DAY,
    "tags": (list[str], (list,)),
    "sales_qualified": _BOOL, "closed": _BOOL, "won": _BOOL,
}
_OTHER = (str | int | float | bool | None | list[str], (str, int, float, bool, _NoneType, list))


@functools.cache
def _index_types(fields: tuple[str, ...]) -> tuple[type, msgpack.Decoder, tuple[tuple[type, ...], ...]]:
    """The index entry type for these derived fields, the index decoder, and each field's allowed types."""
    kinds = [_DERIVED_TYPES.get(name, _OTHER) for name in fields]
    derived = tuple.__class_getitem__(tuple(k[0] for k in kinds))
    entry = msgspec.defstruct("IndexEntry", [
        ("mtime_ns", int), ("size", int), ("ctime_ns", int), ("ino", int), ("signature", str),
        ("check", str),  # a racy entry's digest of the bytes it was parsed from; "" once the mtime is old
        ("derived", derived | None), ("summary", str | None),
    ], array_like=True, gc=False)
    decoder = msgpack.Decoder(tuple[str, int, dict[str, entry]])
    return entry, decoder, tuple(k[1] for k in kinds)


def _fits(derived: tuple, allowed: tuple[tuple[type, ...], ...]) -> bool:
    """Whether derived holds exactly the types its index entry decodes into (so what is saved loads)."""
    if len(derived) != len(allowed):
        return False
    for value, types in zip(derived, allowed, strict=True):
        t = type(value)
        if t not in types:
            return False
        if t is int and not _INT_MIN <= value <= _INT_MAX:
            return False
        if t is list and any(type(v) is not str for v in value):
            return False
    return True


_DATA = msgpack.Decoder(tuple[int, dict[str, msgspec.Raw]])


class LeadCache:
    def __init__(self, path: Path, root: Path | None = None):
        from pipeline_tui.core.model.lead import Lead

        self.path = path
        self.root = root  # the pipeline: a racy entry is checked against <root>/leads/<name>
        self.data_path = path.with_name(path.name.replace("leads-", "data-", 1))
        self._entry, self._decoder, self._allowed = _index_types(tuple(Lead.DERIVED))
        # name -> entry: stamp (mtime_ns, size), playbook signature, racy check, derived fields, list --json text
        self.index: dict[str, Any] = {}
        self.token = 0  # pairs the index with the data file it was written with
        self._raw: dict[str, msgspec.Raw] | None = None  # name -> the msgpack of its parsed data
        self._data: dict[str, Any] = {}  # what `put` was given this run
        self._verified: set[str] = set()  # racy entries whose file's bytes matched their check this run
        self.used: set[str] = set()
        self.dirty = False

    @classmethod
    def for_pipeline(cls, root: Path) -> LeadCache:
        cache = cls(cache_path(root), root)
        blob = read_cache(cache.path)
        if blob is not None:
            try:
                version, token, index = _decode_typed(cache._decoder, blob)
                if version == _version_key(_version()):
                    cache.index, cache.token = index, token
            except Exception:  # noqa: BLE001 - a cache is only a copy: anything odd means "rebuild it"
                cache.index = {}
        return cache

    # --- the parsed data, read when first needed ---
    def _all_raw(self) -> dict[str, msgspec.Raw]:
        if self._raw is None:
            self._raw = {}  # whoever needs a lead's data then reads its file (see Pipeline.leads)
            blob = read_cache(self.data_path)
            if blob is not None:
                try:
                    token, raw = _decode_typed(_DATA, blob)
                    if token == self.token:
                        self._raw = raw
                except Exception:  # noqa: BLE001 - a cache is only a copy
                    pass
        return self._raw

    def _decode(self, name: str) -> Any:
        blob = self._all_raw().get(name)
        if blob is None:
            return None
        try:
            return decode_plain(blob)
        except Exception:  # noqa: BLE001 - a cache is only a copy: the lead's file is read instead
            return None

    def data_for(self, lead_id: str) -> Any:
        name = f"{lead_id}.yaml"
        data = self._data.get(name)
        return data if data is not None else self._decode(name)

    # --- racily clean entries ---
    def _verify(self, name: str, hit: Any) -> bool:
        """Whether the file's current bytes are those a racy entry was parsed from; then, if its mtime is now
        safely in the past, the entry is stored clean (a later change cannot share that mtime tick)."""
        if self.root is None:
            return False
        now = time.time_ns()  # before the read: the bytes read are at least this new
        raw = read_regular(Path(self.root) / "leads" / name)
        if raw is None or digest(raw) != hit.check:
            return False
        self._verified.add(name)
        if hit.mtime_ns < now - RACY_NS:
            self.index[name] = msgspec.structs.replace(hit, check="")
            self.dirty = True
        return True

    def _check_of_file(self, name: str, blob: bytes) -> str:
        """The digest of the lead file's bytes when they parse to exactly the data encoded in blob (the
        caller did not say which bytes it parsed); "" when they do not or cannot be read."""
        if self.root is None:
            return ""
        raw = read_regular(Path(self.root) / "leads" / name)
        if raw is None:
            return ""
        try:
            from pipeline_tui.core.yaml import reader as yamlio

            same = encode_plain(yamlio.loads_bytes(raw)) == blob  # msgpack tells 1, 1.0 and True apart
        except Exception:  # noqa: BLE001 - broken now, or not plain data: simply not cached
            return ""
        return digest(raw) if same else ""

    # --- lookups ---
    def get(self, name: str, stamp: tuple, signature: str = "") -> tuple[Any, tuple | None, str | None] | None:
        """(data or None when not read yet, derived fields, summary JSON), the last two None when made
        under another playbook; or None on a miss."""
        hit = self.index.get(name)
        self.used.add(name)
        if hit is None or (hit.mtime_ns, hit.size, hit.ctime_ns, hit.ino) != tuple(stamp):
            return None
        if hit.check and not self._verify(name, hit):
            return None
        data = self._data.get(name)
        if hit.signature == signature and signature and hit.derived is not None:
            return data, hit.derived, hit.summary
        data = data if data is not None else self._decode(name)
        return (data, None, None) if data is not None else None

    def put(self, name: str, stamp: tuple, data: Any, signature: str = "",
            derived: tuple | None = None, summary_json: str | None = None, raw: bytes | None = None) -> None:
        """Remember a lead parsed from its file (stamped `stamp` before it was read). A racy entry (an mtime
        within RACY_NS of now) is kept with the digest of the bytes its data came from: `raw`, the bytes the
        caller parsed; else those of an entry verified this run (the data came from it); else the file's
        bytes read now, when they parse to exactly this data. Otherwise the lead is parsed again next time."""
        self.used.add(name)
        old = self.index.pop(name, None)
        self._data.pop(name, None)
        if old is not None:
            self.dirty = True
            if self._raw is not None:
                self._raw.pop(name, None)
        if derived is not None and not _fits(derived, self._allowed):
            return
        mtime, size, ctime, ino = stamp
        try:
            blob = encode_plain(data)
            entry = self._entry(mtime, size, ctime, ino, signature, "", derived, summary_json)
            _ENCODER.encode(entry)  # a string msgpack cannot hold (a lone surrogate): not cached
        except _ENCODE_ERRORS:
            return
        if mtime >= time.time_ns() - RACY_NS:
            if raw is not None:
                check = digest(raw)
            elif old is not None and old.check and name in self._verified \
                    and (old.mtime_ns, old.size, old.ctime_ns, old.ino) == tuple(stamp):
                check = old.check  # the data came from that entry, whose bytes were verified this run
            else:
                check = self._check_of_file(name, blob)
            if not check:
                return
            entry = msgspec.structs.replace(entry, check=check)
        self._all_raw()[name] = msgspec.Raw(blob)
        self._data[name] = data
        self.index[name] = entry
        self.dirty = True

    def save(self) -> None:
        stale = set(self.index) - self.used
        if stale:
            for name in stale:
                self.index.pop(name, None)
            self.dirty = True
        if not self.dirty:
            return
        raw = self._all_raw()
        # an entry whose data is lost (a damaged data file) goes: its lead is parsed, and whole, next time
        self.index = {name: entry for name, entry in self.index.items() if name in raw}
        self._raw = raw = {name: raw[name] for name in self.index}
        self.token = int.from_bytes(os.urandom(6), "big")
        try:
            data_blob = _ENCODER.encode([self.token, raw])
            index_blob = _ENCODER.encode([_version_key(_version()), self.token, self.index])
        except _ENCODE_ERRORS:
            return
        write_cache(self.data_path, data_blob)
        write_cache(self.path, index_blob)
        self.dirty = False

    def release_index(self) -> None:
        """Forget the index once the leads are built (memory: 50,000 entries), keeping the data side."""
        self.index = {}
        self.used = set()
