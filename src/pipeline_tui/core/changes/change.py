"""One lead's edit as one commit: plan it against the file under the write lock, write it verified, commit it,
and put the file back when the commit fails. `Change` is what every write returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline_tui.core.errors import BadInput, RepoUnusable
from pipeline_tui.core.git.repo import GitRepo
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.storage.files import atomic_write
from pipeline_tui.core.yaml import reader as yamlio
from pipeline_tui.core.yaml.ops import Op, verified_edit


@dataclass
class Change:
    """The outcome of a write: which lead, what changed, the commit (None when nothing changed)."""

    lead_id: str
    description: str  # what changed, as the commit message says it (`owner carol -> bob`)
    commit: str | None
    changed: list[str] = field(default_factory=list)


def update_text_ops(pipe: Pipeline, lead, raw: bytes, ops: list[Op]) -> bytes | None:  # noqa: ANN001
    """The file's new bytes after ops (verified to read back as intended), or None if nothing changes."""
    if not ops:
        return None
    new_text, _ = verified_edit(yamlio.decode(raw), lead.data, ops, lead.path)
    new_bytes = pipe.encode(new_text, raw)
    return None if new_bytes == raw else new_bytes


def update_lead(pipe: Pipeline, lead_id: str, planner, action: str, expect_bytes: bytes | None = None) -> Change:  # noqa: ANN001
    """Run `planner(data) -> (ops, message parts)` against the current file under the write lock."""
    pipe.lead_path(lead_id)  # validates the id before touching git
    repo = GitRepo(pipe.root)
    with repo.write_lock():
        lead, raw = pipe.read_raw(lead_id)
        if expect_bytes is not None and raw != expect_bytes:
            raise BadInput("the file changed on disk since it was opened; reload and try again", path=lead.path)
        ops, parts = planner(lead.data)
        if not ops:
            return Change(lead_id, "nothing changed", None)
        new_bytes = update_text_ops(pipe, lead, raw, ops)
        if new_bytes is None:
            return Change(lead_id, "nothing changed", None)
        path = pipe.write_lead(lead_id, new_bytes)
        message = f"{lead_id}: " + ", ".join(parts)
        try:
            sha = repo.commit([path], message, action)
        except BaseException as exc:
            put_back(repo, path, raw, exc, lead.path)
            raise
    return Change(lead_id, ", ".join(parts), sha, [".".join(o.path) for o in ops])


def put_back(repo: GitRepo, path: Path, raw: bytes | None, exc: BaseException, rel: str) -> None:
    """After a failed commit of one file: the file as it was (`raw`; None: it was new, so removed) and out of
    git's index. Returns when both worked (the caller re-raises); otherwise, as on a full disk that refuses
    even the old bytes, raises one RepoUnusable saying exactly where things are and what to run."""
    restored, why_not = True, ""
    try:
        if raw is None:
            path.unlink(missing_ok=True)  # a removal frees the room git may need to unstage it
        else:
            atomic_write(path, raw)
    except OSError as again:
        restored, why_not = False, again.strerror or str(again)
    unstaged = repo.unstage(path)
    if restored and unstaged:
        return
    said = exc.message if isinstance(exc, RepoUnusable) else f"{type(exc).__name__}: {exc}"
    if not restored:
        said += f"; putting the file back failed too ({why_not}): {rel} holds your change, not committed"
    if not unstaged:
        said += f"; git's index still holds the change (git reset -q -- {rel} drops it from there)"
    tail = (f". Free some space, then commit it (pipeline sync --commit) or drop it (git checkout HEAD -- {rel})"
            if raw is not None else ". Free some space and run that")
    raise RepoUnusable(said + tail, path=rel) from None
