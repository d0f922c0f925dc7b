"""The lead cache: per pipeline, the parsed leads and what a Lead works out from them, so that a listing
reads only the files that changed (the files and their safety are `core.storage.cache`'s).

The lead cache is two files: the index (per lead: its stamp, the playbook digest, the fields the Lead works
out under that playbook, its `list --json` text; decoded into checked types by msgspec) and the parsed data
(per lead a `msgspec.Raw`, decoded only when that lead's data is asked for). A listing decodes the index only.

A stamp is what git's index keeps too: (mtime_ns, size, ctime_ns, inode). An entry stored while the file's
mtime is within `RACY_NS` of the clock is racy (see `core.storage.cache`): it is trusted only after the file's
current bytes match the digest it keeps.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import time
from pathlib import Path
from typing import Any

import msgspec
from msgspec import msgpack

from pipeline_tui.core.model.lead import Lead
from pipeline_tui.core.storage.cache import (
    ENCODE_ERRORS,
    ENCODER,
    INT_MAX,
    INT_MIN,
    RACY_NS,
    cache_file,
    code_version,
    decode_plain,
    decode_typed,
    digest,
    encode_plain,
    read_cache,
    read_regular,
    version_key,
    write_cache,
)


def _version() -> tuple:
    return code_version("leads", Lead.DERIVED)


def cache_path(root: Path) -> Path:
    return cache_file("leads", root)


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
        ("derived", derived | None), ("record", str | None),
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
        if t is int and not INT_MIN <= value <= INT_MAX:
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
                version, token, index = decode_typed(cache._decoder, blob)
                if version == version_key(_version()):
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
                    token, raw = decode_typed(_DATA, blob)
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
        """(data or None when not read yet, derived fields, the `list --json` record), the last two None when made
        under another playbook; or None on a miss."""
        hit = self.index.get(name)
        self.used.add(name)
        if hit is None or (hit.mtime_ns, hit.size, hit.ctime_ns, hit.ino) != tuple(stamp):
            return None
        if hit.check and not self._verify(name, hit):
            return None
        data = self._data.get(name)
        if hit.signature == signature and signature and hit.derived is not None:
            return data, hit.derived, hit.record
        data = data if data is not None else self._decode(name)
        return (data, None, None) if data is not None else None

    def put(self, name: str, stamp: tuple, data: Any, signature: str = "",
            derived: tuple | None = None, record_json: str | None = None, raw: bytes | None = None) -> None:
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
            entry = self._entry(mtime, size, ctime, ino, signature, "", derived, record_json)
            ENCODER.encode(entry)  # a string msgpack cannot hold (a lone surrogate): not cached
        except ENCODE_ERRORS:
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
            data_blob = ENCODER.encode([self.token, raw])
            index_blob = ENCODER.encode([version_key(_version()), self.token, self.index])
        except ENCODE_ERRORS:
            return
        write_cache(self.data_path, data_blob)
        write_cache(self.path, index_blob)
        self.dirty = False

    def release_index(self) -> None:
        """Forget the index once the leads are built (memory: 50,000 entries), keeping the data side."""
        self.index = {}
        self.used = set()
