"""A cache of parsed lead data, keyed by file name and (mtime_ns, size), in the user's cache folder.

Only ever a copy: a stamp that differs means the file is parsed again; a missing, corrupt or
foreign-version cache is silently rebuilt. Loading pauses the garbage collector (thousands of small
objects), which makes it several times faster.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

VERSION = 3


def cache_path(root: Path) -> Path:
    from platformdirs import user_cache_path

    key = hashlib.sha1(str(root).encode()).hexdigest()[:16]
    return user_cache_path("pipeline-tui", appauthor=False) / f"leads-{key}.pickle"


class LeadCache:
    def __init__(self, path: Path):
        self.path = path
        # name -> (stamp, parsed data, playbook signature, the Lead's derived fields under that playbook,
        #          its `list --json` object as text)
        self.entries: dict[str, tuple[tuple[int, int], Any, str, tuple | None, str | None]] = {}
        self.used: set[str] = set()
        self.dirty = False

    @classmethod
    def for_pipeline(cls, root: Path) -> LeadCache:
        cache = cls(cache_path(root))
        enabled = gc.isenabled()
        gc.disable()
        try:
            with open(cache.path, "rb") as fh:
                version, entries = pickle.load(fh)  # noqa: S301 - our own file in the user's private cache
            if version == VERSION and isinstance(entries, dict):
                cache.entries = entries
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
            cache.entries = {}
        finally:
            if enabled:
                gc.enable()
        return cache

    def get(self, name: str, stamp: tuple[int, int], signature: str = "") -> tuple[Any, tuple | None, str | None] | None:
        """(data, derived fields, summary JSON) — the last two None when made under another playbook —
        or None on a miss."""
        hit = self.entries.get(name)
        self.used.add(name)
        if hit is not None and hit[0] == stamp:
            if hit[2] == signature and signature:
                return hit[1], hit[3], hit[4]
            return hit[1], None, None
        return None

    def put(self, name: str, stamp: tuple[int, int], data: Any, signature: str = "",
            derived: tuple | None = None, summary_json: str | None = None) -> None:
        self.entries[name] = (stamp, data, signature, derived, summary_json)
        self.dirty = True

    def save(self) -> None:
        stale = set(self.entries) - self.used
        if stale:
            for name in stale:
                del self.entries[name]
            self.dirty = True
        if not self.dirty:
            return
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".leads-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    pickle.dump((VERSION, self.entries), fh, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
