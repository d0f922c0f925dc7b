"""The three-way merge of parsed values, key by key: one side's change wins, the same change on both is kept,
`log` entries and `tags` of both sides are kept, nested mappings merge key by key, and a key changed
differently on both sides is a conflict (or a person's recorded choice). Nothing here reads or writes text."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from pipeline_tui.core.git import blockmerge
from pipeline_tui.core.yaml import reader as yamlio

MISSING = object()  # a key one version does not have


@dataclass
class Conflict:
    path: str  # the file, as git names it
    key: str  # dotted key, or "(file)" when a version cannot be read
    base: Any
    ours: Any
    theirs: Any

    def as_json(self) -> dict:
        return {"path": self.path, "key": self.key, "base": _plain_side(self.base), "ours": _plain_side(self.ours),
                "theirs": _plain_side(self.theirs)}


def _plain_side(value: Any) -> Any:
    if value is MISSING:
        return None
    return yamlio.plain_data(value)


def file_stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name[:-5] if name.endswith(".yaml") else name


def _date_key(entry: Any) -> str:
    if isinstance(entry, dict):
        d = entry.get("date")
        if isinstance(d, (dt.date, dt.datetime)):
            return d.isoformat()
        return str(d or "")
    return ""


def entry_key(entry: Any) -> str:
    """A log entry as a hashable key: equal entries, equal keys (dates and key order do not matter)."""
    return json.dumps(yamlio.plain_data(entry), sort_keys=True, ensure_ascii=False, default=str)


def _merge_log(base: list, ours: list, theirs: list) -> list:
    """A three-way multiset merge of log entries: an entry n times on our side, m on theirs and k in the base
    ends max(0, n + m - k) times (two identical calls logged on one day and one by a teammate: three). Our
    entries keep their order; theirs that are new are merged in by date, in their own order. Linear in the
    length of the log (entries are compared by a hashable key, never list against list)."""
    kb, ko, kt = ([entry_key(e) for e in side] for side in (base, ours, theirs))
    return blockmerge.multiset_merge(kb, ko, kt, ours, theirs, _date_key)


def same_value(a: Any, b: Any) -> bool:
    """Equal as YAML means it: `1`, `1.0` and `true` are three different values (Python says equal)."""
    return a is b or (a == b and blockmerge._same_types(a, b))


def _merge_set_list(base: list, ours: list, theirs: list) -> list:
    """Lists of words (tags): both sides' additions and removals."""
    out = [x for x in ours if not (x in base and x not in theirs)]
    out += [x for x in theirs if x not in base and x not in out]
    return out


def _is_words(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, (str, int, float)) for x in value)


def merge_data(base: Any, ours: Any, theirs: Any, resolve: dict[str, str] | None = None,
               prefix: str = "") -> tuple[Any, list[tuple[str, Any, Any, Any]]]:
    """Merged value and the unresolved conflicts as (dotted key, base, ours, theirs)."""
    resolve = resolve or {}
    if same_value(ours, theirs):
        return ours, []
    if same_value(ours, base):
        return theirs, []
    if same_value(theirs, base):
        return ours, []
    key = prefix.rstrip(".")
    if isinstance(ours, dict) and isinstance(theirs, dict):
        b = base if isinstance(base, dict) else {}
        merged: dict = {}
        conflicts = []
        for k in list(ours) + [k for k in theirs if k not in ours]:
            value, more = merge_data(b.get(k, MISSING), ours.get(k, MISSING), theirs.get(k, MISSING), resolve,
                                     f"{prefix}{k}.")
            conflicts += more
            if value is not MISSING:
                merged[k] = value
        return merged, conflicts
    if isinstance(ours, list) and isinstance(theirs, list):
        b = base if isinstance(base, list) else []
        if key.rsplit(".", 1)[-1] == "log" or all(isinstance(e, dict) for e in ours + theirs):
            return _merge_log(b, ours, theirs), []
        if _is_words(ours) and _is_words(theirs) and _is_words(b):
            return _merge_set_list(b, ours, theirs), []
    side = resolve.get(key) or resolve.get("*")
    if side == "ours":
        return ours, []
    if side == "theirs":
        return theirs, []
    return ours, [(key or "(file)", base, ours, theirs)]


def earlier(key: str, ours: Any, theirs: Any) -> Any:
    """For `created`, `first_contact` and `closed` (both closed it, on different days) changed differently on
    both sides: the earlier of the two dates (the first call was first); MISSING for any other field."""
    from pipeline_tui.core.dates import as_datetime

    if key not in ("created", "first_contact", "closed"):
        return MISSING
    o, t = as_datetime(ours), as_datetime(theirs)
    if o is None or t is None:
        return MISSING
    return ours if o <= t else theirs


def tie_closed_to_stage(base: dict, ours: dict, theirs: dict, merged: dict) -> None:
    """`closed:` goes with the stage it was set with: when both sides moved the stage and a person chose
    one, the close date comes from that same side."""
    stage = [x.get("stage", MISSING) for x in (base, ours, theirs)]
    if stage[1] == stage[2] or stage[0] in (stage[1], stage[2]) or "stage" not in merged:
        return
    side = ours if merged["stage"] == stage[1] else theirs
    if "closed" in side:
        merged["closed"] = side["closed"]
    else:
        merged.pop("closed", None)


def value_at(data: Any, path: tuple[str, ...]) -> Any:
    """The value at a dotted path of nested mappings, or MISSING."""
    for k in path:
        if not isinstance(data, dict) or k not in data:
            return MISSING
        data = data[k]
    return data
