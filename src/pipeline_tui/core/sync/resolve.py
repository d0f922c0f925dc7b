"""`pipeline resolve`: a person's choice between the two values a merge wrote down in a file.

A same-field conflict that came in through plain git (`git pull`, `git pull --rebase`) leaves the file
valid YAML: our value in place and both values under `merge_conflicts:` (merge.py writes it). A file git
wrote conflict markers into (the merge driver was missing) is first read back into its three versions
(git's diff3 markers, or two without a base) and merged field by field, so nothing either side wrote is
lost. Then each chosen field gets the chosen value, the record goes, and the result is one commit (undo
takes it back). Every command refuses to change a lead that still holds a record, and says to run this.
"""

from __future__ import annotations

from pipeline_tui.core.errors import BadInput, YamlProblem
from pipeline_tui.core.git.conflicts import SIDES, conflict_target, merged_text, read_record
from pipeline_tui.core.git.fieldmerge import MISSING, value_at
from pipeline_tui.core.git.merge import RECORD_KEY
from pipeline_tui.core.model.pipeline import PLAYBOOK_FILE, Pipeline
from pipeline_tui.core.safetext import visible
from pipeline_tui.core.storage.files import MAX_BYTES, read_limited
from pipeline_tui.core.yaml import reader as yamlio
from pipeline_tui.core.yaml.ops import Op, edit_text

_NOTE_START = "# changed differently on two sides of a merge"
_NOTE_NEXT = "# pipeline resolve "


















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
    ref, path, rel = conflict_target(pipe, ref)
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
        text, markers = merged_text(text.replace("\r\n", "\n"), rel)
        data, record = read_record(text, rel)
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
    if left:  # each choice leaves the record (a set of the record would merge into it and keep them all)
        ops.extend(Op("delete", (RECORD_KEY, key)) for key in chosen if key in record)
    else:
        ops.append(Op("delete", (RECORD_KEY,)))
    new_text = edit_text(text, ops)
    if not left:  # the note above the record goes with it
        lines = new_text.splitlines(keepends=True)
        keep = [ln for i, ln in enumerate(lines)
                if not (ln.startswith(_NOTE_START) or (ln.startswith(_NOTE_NEXT) and i and
                                                       lines[i - 1].startswith(_NOTE_START)))]
        new_text = "".join(keep)
    return new_text
