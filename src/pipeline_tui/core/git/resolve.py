"""`pipeline resolve`: a person's choice between the two values a merge wrote down in a file.

A same-field conflict that came in through plain git (`git pull`, `git pull --rebase`) leaves the file
valid YAML: our value in place and both values under `merge_conflicts:` (merge.py writes it). A file git
wrote conflict markers into (the merge driver was missing) is first read back into its three versions
(git's diff3 markers, or two without a base) and merged field by field, so nothing either side wrote is
lost. Then each chosen field gets the chosen value, the record goes, and the result is one commit (undo
takes it back). Every command refuses to change a lead that still holds a record, and says to run this.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline_tui.core.errors import BadInput, YamlProblem
from pipeline_tui.core.git.fieldmerge import MISSING, value_at
from pipeline_tui.core.git.merge import RECORD_KEY, merge_texts
from pipeline_tui.core.model.pipeline import PLAYBOOK_FILE, Pipeline
from pipeline_tui.core.safetext import shown, visible
from pipeline_tui.core.storage.files import MAX_BYTES, read_limited
from pipeline_tui.core.yaml import reader as yamlio
from pipeline_tui.core.yaml.ops import Op, edit_text

SIDES = ("ours", "theirs")
_NOTE_START = "# changed differently on two sides of a merge"
_NOTE_NEXT = "# pipeline resolve "


def has_markers(text: str) -> bool:
    return text.startswith("<<<<<<<") or "\n<<<<<<<" in text


def has_markers_in(pipe: Pipeline, ref: str) -> bool:
    """Whether the named file holds git's conflict markers (then `resolve ID` merges it, no choice needed)."""
    try:
        return b"<<<<<<<" in read_limited(_target(pipe, ref)[1], MAX_BYTES)
    except OSError:
        return False


def split_markers(text: str) -> tuple[str, str, str] | None:
    """The base, ours and theirs a file with git's conflict markers was merged from (None: they do not pair
    up). A hunk without a base section (git's default style) has an empty base: both sides count as changes."""
    base: list[str] = []
    ours: list[str] = []
    theirs: list[str] = []
    state = None
    for line in text.splitlines(keepends=True):
        mark = line[:7]
        if mark == "<<<<<<<" and state is None:
            state = "ours"
        elif mark == "|||||||" and state == "ours":
            state = "base"
        elif mark == "=======" and state in ("ours", "base"):
            state = "theirs"
        elif mark == ">>>>>>>" and state == "theirs":
            state = None
        elif state is None:
            base.append(line)
            ours.append(line)
            theirs.append(line)
        else:
            {"ours": ours, "base": base, "theirs": theirs}[state].append(line)
    if state is not None:
        return None
    return "".join(base), "".join(ours), "".join(theirs)


@dataclass
class Pending:
    """One file holding a merge's two versions of some fields."""

    ref: str  # the lead id, or pipeline.yaml
    path: str  # relative to the pipeline
    record: dict[str, dict]  # dotted key -> {"ours": ..., "theirs": ..., "base": ...} (a side missing: deleted)
    markers: bool = False  # git's conflict markers are in the file (not yet merged field by field)

    def lines(self) -> list[str]:
        if self.markers and not self.record:
            return [f"{self.path}: git's conflict markers; pipeline resolve {self.ref} merges it field by field"]
        out = []
        for key, item in self.record.items():
            if key == "(file)":
                out.append(f"{self.path}: two versions of the whole file; pipeline resolve {self.ref} all=ours|theirs")
                continue
            ours, theirs, base = (shown(yamlio.plain_data(item[side]), quoted=True) if side in item else "(none)"
                                  for side in ("ours", "theirs", "base"))
            out.append(f"{self.path}: {visible(key)}: ours {ours}, theirs {theirs}"
                       f" (was {base}); pipeline resolve {self.ref} {visible(key)}=ours|theirs")
        return out


def _target(pipe: Pipeline, ref: str) -> tuple[str, Path, str]:
    if ref in (PLAYBOOK_FILE, "pipeline"):
        return PLAYBOOK_FILE, pipe.root / PLAYBOOK_FILE, PLAYBOOK_FILE
    path = pipe.lead_path(ref)
    return ref, path, f"leads/{path.name}"


def _merged_text(text: str, rel: str) -> tuple[str, bool]:
    """The file's text with any git conflict markers merged field by field (and whether there were any)."""
    if not has_markers(text):
        return text, False
    parts = split_markers(text)
    if parts is None:
        raise BadInput("git's conflict markers here do not pair up (<<<<<<<, =======, >>>>>>>); edit the file "
                       "by hand", path=rel)
    merged, _ = merge_texts(*parts, path=rel)
    if merged is None:
        raise BadInput("a version between git's conflict markers does not parse; edit the file by hand", path=rel)
    return merged, True


def _record(text: str, rel: str) -> tuple[dict, dict]:
    try:
        data = yamlio.loads(text)
    except YamlProblem as exc:
        raise BadInput(f"cannot resolve: {exc.message}", path=rel, line=exc.line) from None
    if not isinstance(data, dict):
        raise BadInput("cannot resolve: the file is not a mapping of fields", path=rel)
    record = data.get(RECORD_KEY)
    if record is not None and not isinstance(record, dict):
        raise BadInput(f"{RECORD_KEY} must be a mapping of fields (written by a merge)", path=rel)
    return data, {str(k): v for k, v in (record or {}).items() if isinstance(v, dict)}


def pending(pipe: Pipeline, only: str | None = None) -> list[Pending]:
    """Every file (or the one named) that holds a merge's two versions or git's conflict markers."""
    refs = [only] if only else [PLAYBOOK_FILE, *pipe.lead_ids()]
    out = []
    for ref in refs:
        ref, path, rel = _target(pipe, ref)
        try:
            raw = read_limited(path, MAX_BYTES)
        except FileNotFoundError:
            if only:
                raise BadInput(f"no lead {visible(ref)!r} (no file {rel})") from None
            continue
        except OSError:
            continue
        if RECORD_KEY.encode() not in raw and b"<<<<<<<" not in raw:
            continue
        try:
            text = yamlio.decode(raw)
            merged, markers = _merged_text(text, rel)
            _, record = _record(merged, rel)
        except (BadInput, YamlProblem):
            if b"<<<<<<<" in raw:
                out.append(Pending(ref, rel, {}, True))
            continue
        if record or markers:
            out.append(Pending(ref, rel, record, markers))
    return out


def _choices(record: dict, choices: dict[str, str], rel: str) -> dict[str, str]:
    for short in [k for k in choices if k not in record and k not in ("*", "all")]:
        ends = [k for k in record if k.endswith("." + short)]  # `min_grade` for qualification....min_grade
        if len(ends) == 1:
            choices = {**{k: v for k, v in choices.items() if k != short}, ends[0]: choices[short]}
    unknown = [k for k in choices if k not in ("*", "all") and k not in record]
    if unknown:
        raise BadInput(f"no conflict on {visible(unknown[0])!r} here; the conflicts are: "
                       f"{', '.join(visible(k) for k in record) or 'none'}", path=rel)
    every = choices.get("*") or choices.get("all")
    chosen = {k: choices.get(k) or every for k in record}
    if "(file)" in record and "(file)" not in choices and record.keys() != {"(file)"}:
        chosen.pop("(file)", None)
    if "closed" in record and "closed" not in choices and chosen.get("stage"):
        chosen["closed"] = chosen["stage"]  # the close date goes with the stage it was set with
    return {k: v for k, v in chosen.items() if v}


def resolve(pipe: Pipeline, ref: str, choices: dict[str, str]) -> tuple[str, list[str]]:
    """Apply `choices` ({dotted key | "*": "ours" | "theirs"}) to one file and commit. Returns the commit
    message's summary and what is still to choose."""
    from pipeline_tui.core.git.repo import GitRepo
    from pipeline_tui.core.storage.files import atomic_write

    for side in choices.values():
        if side not in SIDES:
            raise BadInput(f"choose ours or theirs, not {visible(side)!r}")
    ref, path, rel = _target(pipe, ref)
    repo = GitRepo(pipe.root)
    repo.require_identity()
    with repo.write_lock():
        try:
            raw = read_limited(path, MAX_BYTES)
        except FileNotFoundError:
            raise BadInput(f"no lead {visible(ref)!r} (no file {rel})") from None
        try:
            text = yamlio.decode(raw)
        except YamlProblem as exc:
            raise BadInput(f"cannot resolve: {exc.message}", path=rel, line=exc.line) from None
        nl = "\r\n" if "\r\n" in text else "\n"
        text, markers = _merged_text(text.replace("\r\n", "\n"), rel)
        data, record = _record(text, rel)
        if not record and not markers:
            raise BadInput("no merge conflict is recorded in this file; nothing to resolve", path=rel)
        chosen = _choices(record, choices, rel)
        new_text = _apply(text, data, record, chosen)
        left = [k for k in record if k not in chosen]
        try:
            yamlio.loads(new_text)
        except YamlProblem as exc:  # pragma: no cover - edits are verified; a whole file chosen may be broken
            if "(file)" not in chosen:
                raise BadInput(f"cannot resolve: the result does not parse ({exc.message})", path=rel) from None
        new_bytes = (b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b"") + new_text.replace("\n", nl).encode()
        parts = [f"{k} ({v})" for k, v in chosen.items()] or ["git's conflict markers merged field by field"]
        summary = "resolved merge conflict: " + ", ".join(parts)
        if new_bytes == raw:
            return "nothing changed", left
        if path.name == PLAYBOOK_FILE:
            atomic_write(path, new_bytes)
        else:
            pipe.write_lead(ref, new_bytes)
        try:
            repo.commit([path], f"{ref}: {summary}", "resolve")
        except BaseException:
            atomic_write(path, raw)
            repo.unstage(path)
            raise
    return summary, left


def _apply(text: str, data: dict, record: dict, chosen: dict[str, str]) -> str:
    if "(file)" in chosen:
        item = record["(file)"]
        side = chosen["(file)"]
        return item.get(side, "") if isinstance(item.get(side, ""), str) else text
    if not chosen:
        return text
    ops: list[Op] = []
    for key, side in chosen.items():
        path = tuple(key.split("."))
        item = record[key]
        if side in item:
            ops.append(Op("set", path, item[side]))
        elif value_at(data, path) is not MISSING:
            ops.append(Op("delete", path))
    left = {k: v for k, v in record.items() if k not in chosen}
    ops.append(Op("set", (RECORD_KEY,), left) if left else Op("delete", (RECORD_KEY,)))
    new_text = edit_text(text, ops)
    if not left:  # the note above the record goes with it
        lines = new_text.splitlines(keepends=True)
        keep = [ln for i, ln in enumerate(lines)
                if not (ln.startswith(_NOTE_START) or (ln.startswith(_NOTE_NEXT) and i and
                                                       lines[i - 1].startswith(_NOTE_START)))]
        new_text = "".join(keep)
    return new_text
