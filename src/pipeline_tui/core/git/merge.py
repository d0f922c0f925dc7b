"""The field-wise three-way merge of YAML files (lead files and `pipeline.yaml`), and git's merge driver.

Git calls the driver with the common ancestor, our version (which it must overwrite with the result)
and theirs. The files are parsed and merged key by key:

- a key changed on one side only takes that side's value; changed the same way on both, that value;
- `log` lists keep the entries both sides added (theirs are placed in date order), and `tags` keep
  both sides' additions and removals; nested mappings (`qualification`, `next`) merge key by key;
- a key changed differently on both sides is a conflict: nothing is guessed. The driver leaves our
  file exactly as it was (never conflict markers), records the conflict with both values for `pipeline
  sync` (which stops and shows it), and tells git the merge failed. A resolution (`ours` / `theirs`
  per field, given to `pipeline sync --resolve`) is passed back through the environment.

The result is our text with the other side's changes applied as surgical edits, so our comments and
layout stay; when git's own line merge of the three texts is clean and reads back as exactly the merged
data, that text is used instead, which keeps the comments both sides wrote.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline_tui.core.errors import BadInput, YamlProblem
from pipeline_tui.core.git import blockmerge
from pipeline_tui.core.yaml import reader as yamlio

REPORT_ENV = "PIPELINE_MERGE_REPORT"  # a file the driver appends its conflicts to (JSON lines)
RESOLVE_ENV = "PIPELINE_MERGE_RESOLVE"  # JSON: {"<file stem>": {"<dotted key>" | "*": "ours" | "theirs"}}
MISSING = _MISSING = object()  # a key one version does not have


@dataclass
class Conflict:
    path: str  # the file, as git names it
    key: str  # dotted key, or "(file)" when a version cannot be read
    base: Any
    ours: Any
    theirs: Any

    def as_json(self) -> dict:
        return {"path": self.path, "key": self.key, "base": _show(self.base), "ours": _show(self.ours),
                "theirs": _show(self.theirs)}


def _show(value: Any) -> Any:
    if value is _MISSING:
        return None
    return yamlio.plain_data(value)


def _stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name[:-5] if name.endswith(".yaml") else name


def _date_key(entry: Any) -> str:
    if isinstance(entry, dict):
        d = entry.get("date")
        if isinstance(d, (dt.date, dt.datetime)):
            return d.isoformat()
        return str(d or "")
    return ""


def _entry_key(entry: Any) -> str:
    """A log entry as a hashable key: equal entries, equal keys (dates and key order do not matter)."""
    return json.dumps(yamlio.plain_data(entry), sort_keys=True, ensure_ascii=False, default=str)


def _merge_log(base: list, ours: list, theirs: list) -> list:
    """A three-way multiset merge of log entries: an entry n times on our side, m on theirs and k in the base
    ends max(0, n + m - k) times (two identical calls logged on one day and one by a teammate: three). Our
    entries keep their order; theirs that are new are merged in by date, in their own order. Linear in the
    length of the log (entries are compared by a hashable key, never list against list)."""
    kb, ko, kt = ([_entry_key(e) for e in side] for side in (base, ours, theirs))
    return blockmerge.multiset_merge(kb, ko, kt, ours, theirs, _date_key)


def _same(a: Any, b: Any) -> bool:
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
    if _same(ours, theirs):
        return ours, []
    if _same(ours, base):
        return theirs, []
    if _same(theirs, base):
        return ours, []
    key = prefix.rstrip(".")
    if isinstance(ours, dict) and isinstance(theirs, dict):
        b = base if isinstance(base, dict) else {}
        merged: dict = {}
        conflicts = []
        for k in list(ours) + [k for k in theirs if k not in ours]:
            value, more = merge_data(b.get(k, _MISSING), ours.get(k, _MISSING), theirs.get(k, _MISSING), resolve,
                                     f"{prefix}{k}.")
            conflicts += more
            if value is not _MISSING:
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


def _ops_from(ours: dict, merged: dict, prefix: tuple = ()) -> list:
    """Edits that turn our data into the merged data, as small as the structure allows."""
    from pipeline_tui.core.model.pipeline import Op

    ops = []
    for k in ours:
        if k not in merged:
            ops.append(Op("delete", prefix + (k,)))
    for k, new in merged.items():
        old = ours.get(k, _MISSING)
        if old is not _MISSING and old == new and type(old) is type(new):
            continue
        path = prefix + (k,)
        if isinstance(old, dict) and isinstance(new, dict) and old and all(isinstance(x, str) for x in new):
            ops += _ops_from(old, new, path)
        elif (isinstance(old, list) and isinstance(new, list) and len(new) > len(old)
              and new[: len(old)] == old):
            ops += [Op("append", path, item) for item in new[len(old):]]
        else:
            ops.append(Op("set", path, new))
    return ops


def _obvious(raw: list, merged: dict, resolve: dict) -> list:
    """Fields whose merge is obvious, taken out of the conflicts: `created` and `first_contact` take the
    earlier of the two (two people logging the first call of a lead: the first one was first); `closed`
    follows the stage (decided with it, by `_tie_closed_to_stage`), unless the person chose it."""
    stage_chosen = "stage" in resolve or any(key == "stage" for key, *_ in raw)
    left = []
    for key, base, ours, theirs in raw:
        if key == "closed" and "closed" not in resolve and stage_chosen:
            continue  # decided with the stage
        first = _earlier(key, ours, theirs)
        if first is not _MISSING:
            merged[key] = first
            continue
        left.append((key, base, ours, theirs))
    return left


def _earlier(key: str, ours: Any, theirs: Any) -> Any:
    """For `created`, `first_contact` and `closed` (both closed it, on different days) changed differently on
    both sides: the earlier of the two dates (the first call was first); MISSING for any other field."""
    from pipeline_tui.core.dates import as_datetime

    if key not in ("created", "first_contact", "closed"):
        return _MISSING
    o, t = as_datetime(ours), as_datetime(theirs)
    if o is None or t is None:
        return _MISSING
    return ours if o <= t else theirs


def _tie_closed_to_stage(base: dict, ours: dict, theirs: dict, merged: dict) -> None:
    """`closed:` goes with the stage it was set with: when both sides moved the stage and a person chose
    one, the close date comes from that same side."""
    stage = [x.get("stage", _MISSING) for x in (base, ours, theirs)]
    if stage[1] == stage[2] or stage[0] in (stage[1], stage[2]) or "stage" not in merged:
        return
    side = ours if merged["stage"] == stage[1] else theirs
    if "closed" in side:
        merged["closed"] = side["closed"]
    else:
        merged.pop("closed", None)


RECORD_KEY = "merge_conflicts"  # where a conflict's two values wait in the file for a person's choice


def _parse(text: str) -> Any:
    return yamlio.loads(text) if text.strip() else {}


class _Decider:
    """The data merge of one entry both sides changed (for blockmerge, which writes the text)."""

    def __init__(self, resolve: dict[str, str]):
        self.resolve = resolve
        self.conflicts: list[tuple[str, Any, Any, Any]] = []
        self.stage_side: str | None = None
        self.stage_moved = False  # both sides moved the stage, differently
        self._read: dict[str, Any] = {}

    def parse(self, body: str) -> Any:
        """The value of one entry's text (read once: the cut's check, the data merge and the writing all ask)."""
        if body not in self._read:
            data = yamlio.loads(body)
            if not isinstance(data, dict) or len(data) != 1:
                raise blockmerge.CannotCut("an entry that is not one key")
            self._read[body] = next(iter(data.values()))
        return self._read[body]

    def edit(self, body: str, key: str, value: Any) -> str:
        from pipeline_tui.core.model.pipeline import Op, edit_text

        return edit_text(body, [Op("set", (key,), value)])

    def tied(self, path: tuple[str, ...], b: str | None, o: str | None, t: str | None) -> str | None:
        """`closed` goes with the stage (when both sides moved it differently): the side a person chose, or
        ours while the stage waits for a choice (then both close dates are written down with it)."""
        if path != ("closed",) or "closed" in self.resolve or not self.stage_moved:
            return None
        if self.stage_side in ("ours", "theirs"):
            return self.stage_side
        bv, ov, tv = (self.parse(x) if x is not None else _MISSING for x in (b, o, t))
        if not _same(ov, tv):
            self.conflicts.append(("closed", bv, ov, tv))
        return "ours"

    def item_key(self, text: str) -> str:
        """What one list item (its text) means, as a key: comments, quoting and indentation aside."""
        try:
            data = yamlio.loads(text)
        except YamlProblem:
            raise blockmerge.CannotCut("a list item that does not read on its own") from None
        if not isinstance(data, list) or len(data) != 1:
            raise blockmerge.CannotCut("not one list item")
        return _entry_key(data[0])

    def value(self, path: tuple[str, ...], b: str | None, o: str | None, t: str | None) -> Any:
        bv, ov, tv = (self.parse(x) if x is not None else _MISSING for x in (b, o, t))
        key = ".".join(path)
        if path == ("stage",) and not _same(ov, tv) and not _same(bv, ov) and not _same(bv, tv):
            self.stage_moved = True
            self.stage_side = self.resolve.get("stage") or self.resolve.get("*")
        merged, raw = merge_data(bv, ov, tv, self.resolve, key + ".")
        for k, bb, oo, tt in raw:
            first = _earlier(k, oo, tt)
            if first is not _MISSING:
                merged = first
                continue
            self.conflicts.append((k, bb, oo, tt))
        return blockmerge.GONE if merged is _MISSING else merged


def value_at(data: Any, path: tuple[str, ...]) -> Any:
    """The value at a dotted path of nested mappings, or MISSING."""
    for k in path:
        if not isinstance(data, dict) or k not in data:
            return _MISSING
        data = data[k]
    return data


def _by_blocks(base: str, ours: str, theirs: str, resolve: dict[str, str]) -> tuple[str, dict, list] | None:
    """The merge that keeps each side's text (blockmerge), checked by reading the result back: its keys in
    the order written, each log's length (a wrong cut would show as a key or an item the reader does not
    see) and every value merged by data. Only what changed is built into values (a 1 MB log is composed,
    never constructed). None when the texts are not in a shape blockmerge follows."""
    decider = _Decider(resolve)
    merger = blockmerge.Merger(decider.value, decider.parse, decider.edit, tied=decider.tied,
                               item_key=decider.item_key)
    try:
        text = merger.mapping(base, ours, theirs)
        root = yamlio.compose(text, strict=True)
    except (blockmerge.CannotCut, YamlProblem, BadInput, ValueError, RecursionError):
        return None
    if root is None or not isinstance(root, yaml.MappingNode):
        return None
    nodes = {}
    for k, v in root.value:
        if not isinstance(k, yaml.ScalarNode) or k.value in nodes:
            return None
        nodes[k.value] = v
    if list(nodes) != merger.order:
        return None
    try:
        for path, value in merger.expected.items():
            got = yamlio.construct(nodes[path[0]]) if path[0] in nodes else _MISSING
            got = value_at({path[0]: got}, path) if got is not _MISSING else _MISSING
            if value is blockmerge.GONE:
                if got is not _MISSING:
                    return None
            elif got != value or not blockmerge._same_types(got, value):
                return None
        for path, n in merger.log_lengths.items():
            node = nodes.get(path[0])
            if not isinstance(node, yaml.SequenceNode) or len(node.value) != n:
                return None
        data = {RECORD_KEY: yamlio.construct(nodes[RECORD_KEY])} if RECORD_KEY in nodes else {}
    except YamlProblem:
        return None
    return text, data, decider.conflicts


def _by_data(base: str, ours: str, theirs: str, resolve: dict[str, str]) -> tuple[str, dict, list] | None:
    """The merge by data (any YAML a person can write): git's line merge when it is clean and means the
    merged data (both sides' comments kept), else our text with the merged data edited in. None when no
    text can be written that reads back as the merged data."""
    from pipeline_tui.core.model.pipeline import edit_text

    b, o, t = _parse(base), _parse(ours), _parse(theirs)
    if not all(isinstance(x, dict) for x in (o, t)) or not isinstance(b, (dict, type(None))):
        raise YamlProblem("not a mapping of fields")
    merged, raw = merge_data(b or {}, o, t, resolve)
    raw = _obvious(raw, merged, resolve)
    if "closed" not in resolve:  # a person's own choice for `closed` stands
        _tie_closed_to_stage(b or {}, o, t, merged)
    candidates = [lambda: blockmerge.line_merge(base, ours, theirs)]
    if _same(merged, o):
        candidates.append(lambda: ours)
    if _same(merged, t):
        candidates.append(lambda: theirs)
    candidates.append(lambda: edit_text(ours, _ops_from(o, merged)))

    def rendered() -> str:
        from pipeline_tui.core.yaml.edit import render_mapping

        return render_mapping(merged)  # last resort: same data, new layout

    candidates.append(rendered)
    for make in candidates:
        try:
            text = make()
            if text is not None and _same(yamlio.loads(text), merged):
                return text, merged, raw
        except (YamlProblem, BadInput, TypeError, ValueError):
            continue
    return None


def _block_mapping(text: str) -> bool:
    """Text a block mapping can be appended to (no flow mapping, no document end marker)."""
    first = blockmerge._FIRST.search(text, len(text.split("\n", 1)[0]) + 1 if text.startswith("---") else 0)
    return first is not None and first.group(1) == "" and text[first.end() - 1] not in "{[" and \
        not blockmerge._DOC_MARK.search(text)


def _with_record(text: str, data: dict, raw: list, path: str) -> str:
    """The text with each conflict's values written down in the file (`merge_conflicts:`), so that
    whatever a person does next with git (`git add`, commit, `rebase --continue`) keeps both."""
    from pipeline_tui.core.model.pipeline import Op, edit_text
    from pipeline_tui.core.yaml.edit import render_mapping

    record: dict[str, dict] = {}
    for key, bv, ov, tv in raw:
        item = {}
        for name, v in (("ours", ov), ("theirs", tv), ("base", bv)):
            if v is not _MISSING:
                item[name] = v
        record[key] = item
    old = data.get(RECORD_KEY)
    if isinstance(old, dict):
        record = {**old, **record}
    if RECORD_KEY in data:
        return edit_text(text, [Op("set", (RECORD_KEY,), record)])
    if not _block_mapping(text):  # a flow mapping, a `...` end: the record goes in through the editor
        return edit_text(text, [Op("set", (RECORD_KEY,), record)])
    stem = _stem(path) if path else "ID"
    ref = "pipeline.yaml" if stem == "pipeline" else stem
    note = (f"# changed differently on two sides of a merge: the file keeps ours; choose with\n"
            f"# pipeline resolve {ref} KEY=ours|theirs  (or edit the field and delete this record)\n")
    block = note + render_mapping({RECORD_KEY: record})
    if text and not text.endswith("\n"):  # the last value may be a block scalar a line break would change:
        start = len(text.split("\n", 1)[0]) + 1 if text.startswith("---") else 0  # the record goes on top
        return text[:start] + block + text[start:]
    return text + block


def merge_texts(base: str, ours: str, theirs: str, path: str = "",
                resolve: dict[str, str] | None = None) -> tuple[str | None, list[Conflict]]:
    """The merged text and the conflicts left, each with both values.

    With conflicts the text still holds every change of both sides that does not conflict, our value
    in each conflicting field and a `merge_conflicts:` record of both values: valid YAML, so a person who
    only knows git (`git add`, commit) loses nothing, and every command points at `pipeline resolve`.
    None only when a version does not parse and git's line merge of the three is not clean."""
    resolve = resolve or {}
    if ours == theirs or theirs == base:
        return ours, []
    if ours == base:
        return theirs, []
    crlf = "\r\n" in ours and ours.count("\r\n") * 2 > ours.count("\n")  # the file's own line ends win
    nl = "\r\n" if crlf else "\n"
    b, o, t = (x.replace("\r\n", "\n") for x in (base, ours, theirs))
    done = _by_blocks(b, o, t, resolve)
    if done is None:
        try:
            done = _by_data(b, o, t, resolve)
            if done is None:
                raise YamlProblem("no text reads back as the merged data")
        except (YamlProblem, TypeError, ValueError, RecursionError) as exc:
            # a version that does not parse (a teammate's hand edit) is no wall: a person's choice for the
            # whole file, or git's clean line merge, is taken as it is, and `check` reports what is broken
            side = resolve.get("*")
            if side in ("ours", "theirs"):
                return (ours if side == "ours" else theirs), []
            lined = blockmerge.line_merge(base, ours, theirs)
            if lined is not None:
                return lined, []
            why = exc.message if isinstance(exc, YamlProblem) else f"{type(exc).__name__}: {exc}"
            return None, [Conflict(path, "(file)", None, f"a version cannot be merged: {why}", None)]
    text, data, raw = done
    if raw:
        try:
            text = _with_record(text, data, raw, path)
        except (BadInput, YamlProblem, TypeError, ValueError):
            return None, [Conflict(path, k, _none(bv), _none(ov), _none(tv)) for k, bv, ov, tv in raw]
    if nl != "\n":
        text = text.replace("\n", nl)
    staged = any(k == "stage" for k, *_ in raw)  # `closed` is written down, but decided with the stage
    return text, [Conflict(path, k, _none(bv), _none(ov), _none(tv)) for k, bv, ov, tv in raw
                  if not (staged and k == "closed")]


def _none(value: Any) -> Any:
    return None if value is _MISSING else value


def _load_resolve() -> dict[str, dict[str, str]]:
    try:
        data = json.loads(os.environ.get(RESOLVE_ENV) or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def merge_files(base: Path, ours: Path, theirs: Path, path: str = "") -> int:
    """Merge into `ours` as git expects of a merge driver: 0 merged, 1 conflicts (ours left untouched)."""
    from pipeline_tui.core import faults

    faults.point("in-merge")  # tests: the whole sync (git, this driver, pipeline sync) killed mid-merge
    texts = []
    for p in (base, ours, theirs):
        try:
            texts.append(yamlio.decode(p.read_bytes()))
        except (OSError, YamlProblem):
            texts.append(None)
    if any(t is None for t in texts):
        conflicts = [Conflict(path, "(file)", None, "cannot be read as UTF-8 text", None)]
        merged = None
    else:
        resolutions = _load_resolve()
        resolve = {**resolutions.get("*", {}), **resolutions.get(_stem(path), {})}
        merged, conflicts = merge_texts(texts[0], texts[1], texts[2], path, resolve)
    if merged is not None:  # with conflicts too: then it holds both values, recorded (see merge_texts)
        bom = b"\xef\xbb\xbf" if ours.read_bytes().startswith(b"\xef\xbb\xbf") else b""
        ours.write_bytes(bom + merged.encode("utf-8"))
        if not conflicts:
            return 0
    report = os.environ.get(REPORT_ENV)
    if report:
        try:
            with open(report, "a", encoding="utf-8") as fh:
                for c in conflicts:
                    fh.write(json.dumps(c.as_json(), ensure_ascii=False, default=str) + "\n")
        except OSError:
            pass
    return 1
