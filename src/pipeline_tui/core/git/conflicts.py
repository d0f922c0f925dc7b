"""Conflicts waiting in files, found and read (nothing written): a merge's record of both values of a field,
and git's conflict markers. `pipeline check`, `status` and `resolve` all ask here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline_tui.core.errors import BadInput, YamlProblem
from pipeline_tui.core.git.merge import RECORD_KEY, merge_texts
from pipeline_tui.core.model.pipeline import PLAYBOOK_FILE, Pipeline
from pipeline_tui.core.safetext import shown, visible
from pipeline_tui.core.storage.files import MAX_BYTES, read_limited
from pipeline_tui.core.yaml import reader as yamlio

SIDES = ("ours", "theirs")


def has_markers(text: str) -> bool:
    return text.startswith("<<<<<<<") or "\n<<<<<<<" in text


def has_markers_in(pipe: Pipeline, ref: str) -> bool:
    """Whether the named file holds git's conflict markers (then `resolve ID` merges it, no choice needed)."""
    try:
        return b"<<<<<<<" in read_limited(conflict_target(pipe, ref)[1], MAX_BYTES)
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


def conflict_target(pipe: Pipeline, ref: str) -> tuple[str, Path, str]:
    if ref in (PLAYBOOK_FILE, "pipeline"):
        return PLAYBOOK_FILE, pipe.root / PLAYBOOK_FILE, PLAYBOOK_FILE
    path = pipe.lead_path(ref)
    return ref, path, f"leads/{path.name}"


def merged_text(text: str, rel: str) -> tuple[str, bool]:
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


def read_record(text: str, rel: str) -> tuple[dict, dict]:
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
        ref, path, rel = conflict_target(pipe, ref)
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
            merged, markers = merged_text(text, rel)
            _, record = read_record(merged, rel)
        except (BadInput, YamlProblem):
            if b"<<<<<<<" in raw:
                out.append(Pending(ref, rel, {}, True))
            continue
        if record or markers:
            out.append(Pending(ref, rel, record, markers))
    return out
