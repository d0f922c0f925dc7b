"""A lead's history from git: each commit that touched its file, who, when, and which fields changed.

A lead's file never moves, so `git log -- path` (no `--follow`) is its whole story. Blob contents are
read through one persistent `git cat-file --batch` process and compared field by field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline_tui.core.errors import YamlProblem
from pipeline_tui.core.git.repo import GitRepo
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.yaml import reader as yamlio

ZERO = "0" * 40


@dataclass
class HistoryEntry:
    commit: str
    author: str
    email: str
    date: str
    message: str
    changed: list[str] = field(default_factory=list)
    status: str = "M"  # A added, M modified, D deleted

    def as_json(self) -> dict:
        return {
            "commit": self.commit, "author": self.author, "email": self.email, "date": self.date,
            "message": self.message, "changed": self.changed, "status": self.status,
        }


def changed_fields(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two parsed leads (lists compared whole)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in list(old) + [k for k in new if k not in old]:
            name = f"{prefix}{key}"
            if key not in new or key not in old:
                out.append(name)
            elif old[key] != new[key]:
                if isinstance(old[key], dict) and isinstance(new[key], dict):
                    out.extend(changed_fields(old[key], new[key], name + "."))
                else:
                    out.append(name)
        return out
    return [] if old == new else [prefix.rstrip(".") or "(file)"]


def lead_history(pipe: Pipeline, lead_id: str, limit: int = 1000) -> list[HistoryEntry]:
    path = pipe.lead_path(lead_id)
    repo = GitRepo(pipe.root)
    rel = repo.rel(path)
    if not repo.head():
        return []
    out = repo.cmd.log(
        f"-n{limit}", "--format=%x1e%H%x1f%an%x1f%ae%x1f%aI%x1f%s", "--raw", "--no-abbrev", "--no-renames",
        "--", rel,
    )
    entries: list[tuple[HistoryEntry, str, str]] = []
    for rec in out.split("\x1e"):
        if not rec.strip():
            continue
        header, _, rest = rec.partition("\n")
        sha, author, email, date, subject = (header.split("\x1f") + [""] * 5)[:5]
        old_blob = new_blob = ZERO
        status = "M"
        for line in rest.splitlines():
            if line.startswith(":"):
                meta = line.split("\t", 1)[0].split()
                old_blob, new_blob, status = meta[2], meta[3], meta[4][0]
        entries.append((HistoryEntry(sha, author, email, date, subject, status=status), old_blob, new_blob))
    blobs: dict[str, Any] = {}

    def parse(blob: str) -> Any:
        if blob == ZERO:
            return None
        if blob not in blobs:
            try:
                raw = repo.repo.odb.stream(bytes.fromhex(blob)).read()
                blobs[blob] = yamlio.loads_bytes(raw)
            except (YamlProblem, ValueError):
                blobs[blob] = {"(unreadable)": blob}
        return blobs[blob]

    result = []
    for entry, old_blob, new_blob in entries:
        old, new = parse(old_blob), parse(new_blob)
        if old is None:
            entry.changed = ["(created)"]
        elif new is None:
            entry.changed = ["(deleted)"]
        else:
            entry.changed = changed_fields(old, new)
        result.append(entry)
    return result


def commit_diff(pipe: Pipeline, lead_id: str, commit: str) -> str:
    """The patch of one commit for one lead file (for the Lead screen)."""
    repo = GitRepo(pipe.root)
    rel = repo.rel(pipe.lead_path(lead_id))
    return repo.cmd.show("--format=", "--no-color", commit, "--", rel)
