"""`undo` and `redo`: revert this person's newest change made with the tool in this pipeline, and back.

Which commit: the newest one authored by this person (git's identity here), touching this pipeline's
folder, carrying the tool's `Pipeline-Action` trailer and not undone yet: never a teammate's change that
came in with a sync, never another pipeline's in the same repository, never the pipeline's first commit.
`redo` reverts the newest undo that is not redone yet, as long as no new change came after it.

How: not `git revert` (which would sweep everything staged into its commit, and leaves REVERT_HEAD when
killed). For each file the commit changed inside the pipeline, the file gets its content from before the
commit when it still holds what the commit made; a file edited since is merged with `git merge-file`, and
any overlap stops the undo with nothing changed (exit 2). The files are written under a journal
(`core.git.pending`: a kill -9 half way is rolled back by the next writer) and committed by path, so other
staged work stays staged and out of the commit. A commit whose parent is not here (the first commit, or
the boundary of a shallow clone) is refused.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.git.pending import file_bytes
from pipeline_tui.core.git.repo import TRAILER, UNDOES, GitRepo
from pipeline_tui.core.model.pipeline import Pipeline

REDOES = "Pipeline-Redoes"


class _Commit:
    __slots__ = ("sha", "parents", "email", "subject", "trailers")

    def __init__(self, sha: str, parents: list[str], email: str, subject: str, trailers: dict[str, str]):
        self.sha, self.parents, self.email, self.subject, self.trailers = sha, parents, email, subject, trailers

    @property
    def action(self) -> str | None:
        return self.trailers.get(TRAILER)


def _me(repo: GitRepo) -> str:
    """This person as git names authors here: `name <email>` (both: teammates may share a mail domain's
    catch-all address, or a machine's default email)."""
    ident = repo.run("var", "GIT_AUTHOR_IDENT", check=False)
    return ident.rsplit(">", 1)[0].strip().lower() + ">" if "<" in ident else ""


def _scope(repo: GitRepo, rel: str) -> list[str]:
    """The pathspecs of this pipeline: its folder, less the folders of pipelines nested inside it."""
    pattern = f":(glob){rel}/**/pipeline.yaml" if rel else ":(glob)**/pipeline.yaml"
    nested = [p.rsplit("/", 1)[0] for p in repo.run("ls-files", "-z", "--", pattern, check=False).split("\0")
              if p and p.rsplit("/", 1)[0] != rel and "/" in p]
    return [rel or ".", *(f":(exclude){n}" for n in nested)]


def _history(repo: GitRepo, scope: list[str], limit: int = 2000) -> list[_Commit]:
    """This pipeline's commits, newest first."""
    if not repo.head():
        return []
    out = repo.run("log", f"-n{limit}", "--format=%H%x1f%P%x1f%an <%ae>%x1f%s%x1f%(trailers:only,unfold)%x1e",
                   "--", *scope)
    commits = []
    for rec in out.split("\x1e"):
        rec = rec.strip("\n")
        if not rec:
            continue
        sha, parents, email, subject, trailers_text = (rec.split("\x1f") + ["", "", "", ""])[:5]
        trailers = {}
        for line in trailers_text.splitlines():
            if ": " in line:
                k, v = line.split(": ", 1)
                trailers[k.strip()] = v.strip()
        commits.append(_Commit(sha.strip(), parents.split(), email.strip().lower(), subject, trailers))
    return commits


def _targets(repo: GitRepo, scope: list[str], redo: bool):  # noqa: ANN202 - a generator of _Commit
    """The commits to revert, best first: a candidate whose files are already as before it (undone by a
    commit a rebase gave another id) is skipped by the caller, who then takes the next."""
    me = _me(repo)
    mine = [c for c in _history(repo, scope) if c.email == me and c.action]
    if not redo:
        undone = {c.trailers[UNDOES] for c in mine if c.action == "undo" and UNDOES in c.trailers}
        for c in mine:
            if c.action == "init":
                break  # never the pipeline itself, nor anything before it
            if c.action != "undo" and c.sha not in undone:
                yield c
        return
    redone = {c.trailers[REDOES] for c in mine if c.action == "redo" and REDOES in c.trailers}
    for c in mine:
        if c.action == "redo":
            continue
        if c.action == "undo" and c.sha not in redone:
            yield c
        elif c.action != "undo":
            break  # a new change since the last undo: there is nothing to redo


def _merge(current: bytes, base: bytes, other: bytes) -> bytes | None:
    """current plus (other - base), or None where they overlap (git merge-file)."""
    with tempfile.TemporaryDirectory(prefix="pipeline-undo-") as tmp:
        paths = []
        for name, data in (("current", current), ("base", base), ("other", other)):
            p = Path(tmp) / name
            p.write_bytes(data)
            paths.append(str(p))
        proc = subprocess.run(["git", "merge-file", "-p", "-q", *paths], capture_output=True, check=False)
    return proc.stdout if proc.returncode == 0 else None


def revert_commit(pipe: Pipeline, redo: bool = False) -> tuple[str, str, str]:
    """Undo (or redo) as described above; (the commit reverted, its subject, the new commit)."""
    from pipeline_tui.core import faults
    from pipeline_tui.core.git import pending
    from pipeline_tui.core.storage.files import atomic_write

    repo = GitRepo(pipe.root)
    repo.require_identity()
    verb = "redo" if redo else "undo"
    with repo.write_lock():
        rel = repo.rel(pipe.root)
        rel = "" if rel == "." else rel
        scope = _scope(repo, rel)
        shallow = repo.git_dir / "shallow"
        boundary = shallow.read_text().split() if shallow.exists() else []
        for target in _targets(repo, scope, redo):
            changes = _changes(repo, target, scope, boundary, verb)
            if changes:
                break
        else:
            raise BadInput("nothing to redo: redo follows undo, before any new change" if redo else
                           "nothing to undo: no change you made with pipeline-tui in this pipeline is left to revert")
        subject = target.subject
        if redo:
            original = subject.removeprefix("undo: ")
            message, trailers = f"redo: {original}", {REDOES: target.sha}
        else:
            message, trailers = f"undo: {subject}", {UNDOES: target.sha}
        shared = repo.shared_mode()
        pipe.refuse_links()
        with pending.guarded(repo, verb, changes):
            for path, data in changes.items():
                if data is None:
                    path.unlink(missing_ok=True)
                else:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    atomic_write(path, data, shared)
                faults.point(f"{verb}-writing")
            sha = repo.commit(list(changes), message, verb, trailers,
                              new_paths=[p for p, d in changes.items() if d is not None and not repo.is_tracked(p)])
    return target.sha, subject, sha


def _changes(repo: GitRepo, target: _Commit, scope: list[str], boundary: list[str], verb: str) -> dict[Path, bytes | None]:
    """What reverting target writes: path -> new bytes (None: remove); empty when its files are already as
    before it. Raises BadInput when it cannot be reverted (no parent here, later edits overlapping)."""
    from pipeline_tui.core.errors import YamlProblem
    from pipeline_tui.core.yaml import reader as yamlio

    if target.sha in boundary:
        raise BadInput(f"cannot {verb} {target.sha[:8]} ({target.subject}): this clone is shallow and that "
                       "commit's parent is not here; fetch the history first (git fetch --unshallow)")
    if not target.parents:
        raise BadInput(f"cannot {verb} {target.sha[:8]} ({target.subject}): it is the first commit")
    parent = target.parents[0]
    listing = repo.run("diff-tree", "-r", "--no-commit-id", "--no-renames", "--name-only", "-z", parent,
                       target.sha, "--", *scope)
    paths = [p for p in listing.split("\0") if p]
    if not paths:
        return {}
    blobs = repo.blobs([f"{spec}:{p}" for p in paths for spec in (parent, target.sha)])
    changes: dict[Path, bytes | None] = {}
    overlaps = []
    gone = []
    for i, p in enumerate(paths):
        before, after = blobs[2 * i], blobs[2 * i + 1]
        path = repo.top / p
        current = file_bytes(path)
        if current == after:
            new = before
        elif current == before:
            continue  # already as it was
        elif current is None and after is not None:
            gone.append(p)
            continue
        elif current is not None and before is not None and after is not None:
            new = _merge(current, after, before)
            if new is not None and p.endswith(".yaml"):
                try:
                    yamlio.loads_bytes(new)
                except YamlProblem:
                    new = None
            if new is None:
                overlaps.append(p)
                continue
        else:
            overlaps.append(p)
            continue
        changes[path] = new
    if gone:
        shown = ", ".join(gone[:3]) + (f" and {len(gone) - 3} more" if len(gone) > 3 else "")
        raise BadInput(f"cannot {verb} {target.sha[:8]} ({target.subject}): {shown} was deleted since; nothing "
                       "was changed (git checkout HEAD -- FILE brings a committed one back)")
    if overlaps:
        shown = ", ".join(overlaps[:3]) + (f" and {len(overlaps) - 3} more" if len(overlaps) > 3 else "")
        raise BadInput(f"cannot {verb} {target.sha[:8]} ({target.subject}): later edits of {shown} overlap "
                       "it; nothing was changed (edit the file, or use pipeline set)")
    return changes


def undo_last(pipe: Pipeline):  # noqa: ANN201 - ops.Change
    from pipeline_tui.core.changes.change import Change

    sha, subject, new = revert_commit(pipe)
    return Change(subject.split(":", 1)[0], f"undid {sha[:8]}: {subject}", new)


def redo_last(pipe: Pipeline):  # noqa: ANN201 - ops.Change
    from pipeline_tui.core.changes.change import Change

    sha, subject, new = revert_commit(pipe, redo=True)
    original = subject.removeprefix("undo: ")
    return Change(original.split(":", 1)[0], f"redid {original}", new)

