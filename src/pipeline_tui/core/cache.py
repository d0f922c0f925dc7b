"""A cache of parsed leads in the user's cache folder, keyed by file name and (mtime_ns, size).

Two files: the index (per lead: its stamp, the playbook digest, the fields the Lead works out under
that playbook, and its `list --json` text) and the parsed data. A listing needs only the index; the
data file is read the first time any lead's full data is asked for (a bare query word, a check).

Only ever a copy: a stamp that differs means the file is parsed again; a playbook with another digest
means the fields are worked out again; a missing, corrupt or foreign-version cache is silently rebuilt.
Loading pauses the garbage collector (thousands of small objects), which makes it several times faster.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import sys
from pathlib import Path
from typing import Any

# Anything cached is tied to the code that made it: this format, the release, and the layout of a Lead's
# derived fields. An upgrade that changes any of them makes the old cache a miss, rebuilt silently.
FORMAT = 4


def code_version(*parts: object) -> tuple:
    from pipeline_tui import __version__

    return (FORMAT, __version__, *parts)
_ERRORS = (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError,
           IndexError, KeyError)


def _version() -> tuple:
    from pipeline_tui.core.lead import Lead

    return code_version("leads", Lead.DERIVED)


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
    return cache_dir() / f"{kind}-{key}.pickle"


def cache_path(root: Path) -> Path:
    return cache_file("leads", root)


def _load(path: Path) -> Any:
    enabled = gc.isenabled()
    gc.disable()
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)  # noqa: S301 - our own file in the user's private cache
    finally:
        if enabled:
            gc.enable()


def _dump(path: Path, obj: Any) -> None:
    import tempfile  # only when a cache is written

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".leads-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def load_versioned(path: Path, version: tuple) -> Any:
    """What `save_versioned` stored at path under this version; None if missing, corrupt or another version."""
    try:
        stored, obj = _load(path)
    except Exception:  # noqa: BLE001 - a cache is only a copy: anything odd means "rebuild it"
        return None
    return obj if stored == version else None


def save_versioned(path: Path, version: tuple, obj: Any) -> None:
    """Store obj atomically (temp file, rename); a cache that cannot be written is simply not kept."""
    with contextlib.suppress(OSError, pickle.PicklingError):
        _dump(path, (version, obj))


class LeadCache:
    def __init__(self, path: Path):
        self.path = path
        self.data_path = path.with_name(path.name.replace("leads-", "data-", 1))
        # name -> (stamp, playbook signature, the Lead's derived fields under it, its list --json text)
        self.index: dict[str, tuple[tuple[int, int], str, tuple | None, str | None]] = {}
        self.token = 0  # pairs the index with the data file it was written with
        self._data: dict[str, Any] | None = None
        self.used: set[str] = set()
        self.dirty = False

    @classmethod
    def for_pipeline(cls, root: Path) -> LeadCache:
        cache = cls(cache_path(root))
        try:
            version, token, index = _load(cache.path)
            if version == _version() and isinstance(index, dict):
                cache.index, cache.token = index, token
        except _ERRORS:
            cache.index = {}
        return cache

    # --- the parsed data, read when first needed ---
    def _all_data(self) -> dict[str, Any]:
        if self._data is None:
            try:
                token, data = _load(self.data_path)
                self._data = data if token == self.token and isinstance(data, dict) else {}
            except _ERRORS:
                self._data = {}  # whoever needs a lead's data then reads its file (see Pipeline.leads)
        return self._data

    def data_for(self, lead_id: str) -> Any:
        return self._all_data().get(f"{lead_id}.yaml")

    # --- lookups ---
    def get(self, name: str, stamp: tuple[int, int], signature: str = "") -> tuple[Any, tuple | None, str | None] | None:
        """(data or None when not read yet, derived fields, summary JSON), the last two None when made
        under another playbook; or None on a miss."""
        hit = self.index.get(name)
        self.used.add(name)
        if hit is None or hit[0] != stamp:
            return None
        data = self._data.get(name) if self._data is not None else None
        if hit[1] == signature and signature and hit[2] is not None:
            return data, hit[2], hit[3]
        data = data if data is not None else self._all_data().get(name)
        return (data, None, None) if data is not None else None

    def put(self, name: str, stamp: tuple[int, int], data: Any, signature: str = "",
            derived: tuple | None = None, summary_json: str | None = None) -> None:
        self._all_data()[name] = data
        self.index[name] = (stamp, signature, derived, summary_json)
        self.used.add(name)
        self.dirty = True

    def save(self) -> None:
        stale = set(self.index) - self.used
        if stale:
            data = self._all_data()
            for name in stale:
                self.index.pop(name, None)
                data.pop(name, None)
            self.dirty = True
        if not self.dirty:
            return
        data = self._all_data()
        self.token = int.from_bytes(os.urandom(6), "big")
        with contextlib.suppress(OSError):
            _dump(self.data_path, (self.token, data))
            _dump(self.path, (_version(), self.token, self.index))

    def release_index(self) -> None:
        """Forget the index once the leads are built (memory: 50,000 entries), keeping the data side."""
        self.index = {}
        self.used = set()
