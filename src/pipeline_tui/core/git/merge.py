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

import json
import os
from pathlib import Path
from typing import Any

import yaml

from pipeline_tui.core.errors import BadInput, YamlProblem
from pipeline_tui.core.git import blockmerge
from pipeline_tui.core.git.blocks import DOC_MARK_RE, FIRST_RE, CannotCut, line_merge
from pipeline_tui.core.git.fieldmerge import (
    MISSING,
    Conflict,
    earlier,
    entry_key,
    file_stem,
    merge_data,
    same_value,
    tie_closed_to_stage,
    value_at,
)
from pipeline_tui.core.yaml import reader as yamlio

REPORT_ENV = "PIPELINE_MERGE_REPORT"  # a file the driver appends its conflicts to (JSON lines)
RESOLVE_ENV = "PIPELINE_MERGE_RESOLVE"  # JSON: {"<file stem>": {"<dotted key>" | "*": "ours" | "theirs"}}






















def _ops_from(ours: dict, merged: dict, prefix: tuple = ()) -> list:
    """Edits that turn our data into the merged data, as small as the structure allows."""
    from pipeline_tui.core.yaml.ops import Op

    ops = []
    for k in ours:
        if k not in merged:
            ops.append(Op("delete", prefix + (k,)))
    for k, new in merged.items():
        old = ours.get(k, MISSING)
        if old is not MISSING and old == new and type(old) is type(new):
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
    follows the stage (decided with it, by `tie_closed_to_stage`), unless the person chose it."""
    stage_chosen = "stage" in resolve or any(key == "stage" for key, *_ in raw)
    left = []
    for key, base, ours, theirs in raw:
        if key == "closed" and "closed" not in resolve and stage_chosen:
            continue  # decided with the stage
        first = earlier(key, ours, theirs)
        if first is not MISSING:
            merged[key] = first
            continue
        left.append((key, base, ours, theirs))
    return left






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
                raise CannotCut("an entry that is not one key")
            self._read[body] = next(iter(data.values()))
        return self._read[body]

    def edit(self, body: str, key: str, value: Any) -> str:
        from pipeline_tui.core.yaml.ops import Op, edit_text

        return edit_text(body, [Op("set", (key,), value)])

    def tied(self, path: tuple[str, ...], b: str | None, o: str | None, t: str | None) -> str | None:
        """`closed` goes with the stage (when both sides moved it differently): the side a person chose, or
        ours while the stage waits for a choice (then both close dates are written down with it)."""
        if path != ("closed",) or "closed" in self.resolve or not self.stage_moved:
            return None
        if self.stage_side in ("ours", "theirs"):
            return self.stage_side
        bv, ov, tv = (self.parse(x) if x is not None else MISSING for x in (b, o, t))
        if not same_value(ov, tv):
            self.conflicts.append(("closed", bv, ov, tv))
        return "ours"

    def item_key(self, text: str) -> str:
        """What one list item (its text) means, as a key: comments, quoting and indentation aside."""
        try:
            data = yamlio.loads(text)
        except YamlProblem:
            raise CannotCut("a list item that does not read on its own") from None
        if not isinstance(data, list) or len(data) != 1:
            raise CannotCut("not one list item")
        return entry_key(data[0])

    def value(self, path: tuple[str, ...], b: str | None, o: str | None, t: str | None) -> Any:
        bv, ov, tv = (self.parse(x) if x is not None else MISSING for x in (b, o, t))
        key = ".".join(path)
        if path == ("stage",) and not same_value(ov, tv) and not same_value(bv, ov) and not same_value(bv, tv):
            self.stage_moved = True
            self.stage_side = self.resolve.get("stage") or self.resolve.get("*")
        merged, raw = merge_data(bv, ov, tv, self.resolve, key + ".")
        for k, bb, oo, tt in raw:
            first = earlier(k, oo, tt)
            if first is not MISSING:
                merged = first
                continue
            self.conflicts.append((k, bb, oo, tt))
        return blockmerge.GONE if merged is MISSING else merged




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
    except (CannotCut, YamlProblem, BadInput, ValueError, RecursionError):
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
            got = yamlio.construct(nodes[path[0]]) if path[0] in nodes else MISSING
            got = value_at({path[0]: got}, path) if got is not MISSING else MISSING
            if value is blockmerge.GONE:
                if got is not MISSING:
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
    from pipeline_tui.core.yaml.ops import edit_text

    b, o, t = _parse(base), _parse(ours), _parse(theirs)
    if not all(isinstance(x, dict) for x in (o, t)) or not isinstance(b, (dict, type(None))):
        raise YamlProblem("not a mapping of fields")
    merged, raw = merge_data(b or {}, o, t, resolve)
    raw = _obvious(raw, merged, resolve)
    if "closed" not in resolve:  # a person's own choice for `closed` stands
        tie_closed_to_stage(b or {}, o, t, merged)
    candidates = [lambda: line_merge(base, ours, theirs)]
    if same_value(merged, o):
        candidates.append(lambda: ours)
    if same_value(merged, t):
        candidates.append(lambda: theirs)
    candidates.append(lambda: edit_text(ours, _ops_from(o, merged)))

    def rendered() -> str:
        from pipeline_tui.core.yaml.edit import render_mapping

        return render_mapping(merged)  # last resort: same data, new layout

    candidates.append(rendered)
    for make in candidates:
        try:
            text = make()
            if text is not None and same_value(yamlio.loads(text), merged):
                return text, merged, raw
        except (YamlProblem, BadInput, TypeError, ValueError):
            continue
    return None


def _block_mapping(text: str) -> bool:
    """Text a block mapping can be appended to (no flow mapping, no document end marker)."""
    first = FIRST_RE.search(text, len(text.split("\n", 1)[0]) + 1 if text.startswith("---") else 0)
    return first is not None and first.group(1) == "" and text[first.end() - 1] not in "{[" and \
        not DOC_MARK_RE.search(text)


def _with_record(text: str, data: dict, raw: list, path: str) -> str:
    """The text with each conflict's values written down in the file (`merge_conflicts:`), so that
    whatever a person does next with git (`git add`, commit, `rebase --continue`) keeps both."""
    from pipeline_tui.core.yaml.edit import render_mapping
    from pipeline_tui.core.yaml.ops import Op, edit_text

    record: dict[str, dict] = {}
    for key, bv, ov, tv in raw:
        item = {}
        for name, v in (("ours", ov), ("theirs", tv), ("base", bv)):
            if v is not MISSING:
                item[name] = v
        record[key] = item
    old = data.get(RECORD_KEY)
    if isinstance(old, dict):
        record = {**old, **record}
    if RECORD_KEY in data:
        return edit_text(text, [Op("set", (RECORD_KEY,), record)])
    if not _block_mapping(text):  # a flow mapping, a `...` end: the record goes in through the editor
        return edit_text(text, [Op("set", (RECORD_KEY,), record)])
    stem = file_stem(path) if path else "ID"
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
            lined = line_merge(base, ours, theirs)
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
    return None if value is MISSING else value


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
        resolve = {**resolutions.get("*", {}), **resolutions.get(file_stem(path), {})}
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
