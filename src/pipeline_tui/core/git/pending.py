"""Writes of many files that a kill -9 cannot leave half done: a journal in `.git/` names every file a write
is about to change, what it held, and what it will hold; the next writer rolls an unfinished one back.

Order of a guarded write: the journal is written and flushed, then the files, then the commit, then the
journal is removed. Whoever takes the write lock next and finds a journal:

- a file whose committed version (HEAD's) is what the write put there was committed: nothing to do;
- a file that holds what the write put there, uncommitted, is put back as it was: its old bytes, or, when
  HEAD moved meanwhile (a person's `git pull`) and the old bytes were simply the committed version then,
  HEAD's version now; a file changed since by someone else is left as it is, and named. Index entries
  are reset, so nothing of the write stays staged. (Whether HEAD moved proves nothing: a plain `git pull`
  after the kill moves it while the write's files still lie in the tree.)

Used by `import`, `undo`/`redo` and `sync` (whose merge git may leave half written when killed).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

JOURNAL = "pipeline-pending.json"
ANY = b"\0pipeline-tui: whatever git writes\0"  # a file a merge may write: anything but its old bytes is the write's


def _to_stderr(line: str) -> None:
    import sys

    print(f"pipeline: {line}", file=sys.stderr)


announce: Callable[[str], None] = _to_stderr  # how a recovery is said (the TUI shows it as a notification)


def _digest(data: bytes | None) -> str | None:
    if data is None:
        return None
    from pipeline_tui.core.storage.cache import digest

    return digest(data)


def file_bytes(path: Path) -> bytes | None:
    """A file's bytes, or None when there is no file there (missing, or a folder in its place)."""
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def journal_path(repo) -> Path:  # noqa: ANN001 - a GitRepo
    return repo.git_dir / JOURNAL


@contextlib.contextmanager
def guarded(repo, action: str, changes: dict[Path, bytes | None]) -> Iterator[None]:  # noqa: ANN001
    """Journal `changes` (path -> the bytes about to be written, None for a removal) for the body, which writes
    them and commits. On an exception the files are put back at once; on a kill, by the next writer."""
    entries = []
    for path, new in changes.items():
        old = file_bytes(path)
        entries.append({"path": repo.rel(path), "old": None if old is None else base64.b64encode(old).decode(),
                        "new": "*" if new is ANY else _digest(new), "removed": new is None})
    record = {"action": action, "head": repo.head() or "", "files": entries}
    jpath = journal_path(repo)
    tmp = jpath.with_name(JOURNAL + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(record, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, jpath)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        from pipeline_tui.core.errors import RepoUnusable

        raise RepoUnusable(f"cannot start the {action}: {exc.strerror or exc} ({jpath}); nothing was changed") from None
    try:
        yield
    except BaseException as exc:
        from pipeline_tui.core.errors import PipelineError, RepoUnusable

        if isinstance(exc, OSError):
            name = Path(exc.filename).name.removeprefix(".").removesuffix(".tmp") if exc.filename else ""
            why = f"cannot write {name or 'a file'}: {exc.strerror or exc}"
        else:
            why = exc.message if isinstance(exc, PipelineError) else str(exc)
        try:
            roll_back(repo, record)
        except OSError as again:  # a full disk: the journal stays, and the next command puts them back
            raise RepoUnusable(f"{why}; putting the files back failed too ({again.strerror or again}): the next "
                               f"pipeline command puts them back once the disk has room") from None
        jpath.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise RepoUnusable(f"{why}; nothing was changed") from None
        raise
    jpath.unlink(missing_ok=True)


def recover(repo, say: Callable[[str], None] | None = None) -> str | None:  # noqa: ANN001
    """Finish what a killed guarded write left (see the module's docstring); a line saying what was done."""
    jpath = journal_path(repo)
    try:
        record = json.loads(jpath.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        jpath.unlink(missing_ok=True)  # a journal cut short by the kill: nothing was written after it
        return None
    if not isinstance(record, dict):
        jpath.unlink(missing_ok=True)
        return None
    if record.get("action") == "sync":
        if (repo.git_dir / "MERGE_HEAD").exists():
            repo.run("merge", "--abort", check=False)  # the tree was clean before the sync merged: all is git's
        for leftover in repo.top.glob(".merge_file_*"):  # git's copies for the merge driver, orphaned by the kill
            with contextlib.suppress(OSError):
                leftover.unlink()
    put_back, left = roll_back(repo, record)
    jpath.unlink(missing_ok=True)
    if not put_back and not left:
        return None  # its commit had happened: the kill only cut the journal's removal
    action = record.get("action", "change")
    line = f"an interrupted {action} was rolled back: {put_back} file(s) put back as they were"
    if left:
        line += f"; changed since, so left as they are: {', '.join(left[:5])}" + (" and more" if len(left) > 5 else "")
    (say or announce)(line)
    return line


def roll_back(repo, record: dict) -> tuple[int, list[str]]:  # noqa: ANN001
    """Put back every journaled file that holds what the write put there; (files put back, files left)."""
    from pipeline_tui.core.storage.files import atomic_write

    put_back, left, touched = 0, [], []
    entries = [e for e in record.get("files", []) if isinstance(e.get("path"), str)
               and not e["path"].startswith("/") and ".." not in Path(e["path"]).parts]
    head, then = repo.head(), record.get("head") or ""
    moved = bool(head) and head != then
    specs = [f"HEAD:{e['path']}" for e in entries] if head else []
    if moved and then:
        specs += [f"{then}:{e['path']}" for e in entries]
    found = repo.blobs(specs)
    at_head = found[:len(entries)] if head else [None] * len(entries)
    at_then = found[len(entries):] if moved and then else at_head
    for entry, committed, was in zip(entries, at_head, at_then, strict=True):
        rel = entry["path"]
        path = repo.top / rel
        with contextlib.suppress(OSError):  # a write killed before its rename left its temp file
            (path.parent / f".{path.name}.tmp").unlink(missing_ok=True)
        old = base64.b64decode(entry["old"]) if entry.get("old") is not None else None
        now = file_bytes(path)
        if entry.get("new") == "*":  # a merge git was killed in: whatever differs from before came from it
            done, ours = now == committed and moved, True
        elif entry.get("removed"):
            done, ours = committed is None and moved, now is None
        else:
            done, ours = committed is not None and _digest(committed) == entry.get("new"), \
                _digest(now) == entry.get("new")
        if done:
            continue  # the write's commit holds it
        if now == old:
            touched.append(rel)
            continue
        if not ours:
            left.append(rel)
            continue
        target = committed if moved and old == was else old  # a pull since: the newest committed version
        if target is None:
            path.unlink(missing_ok=True)
        else:
            atomic_write(path, target)
        touched.append(rel)
        put_back += 1
    if touched:  # nothing of the write stays staged
        if repo.head():
            repo.run("reset", "-q", "HEAD", check=False, paths=touched)
        else:
            repo.run("rm", "-q", "--cached", "--ignore-unmatch", check=False, paths=touched)
    return put_back, left


def describe(repo) -> str | None:  # noqa: ANN001
    """What `check` says about a journal left behind (the next write command finishes it)."""
    jpath = journal_path(repo)
    try:
        record = json.loads(jpath.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    n = len(record.get("files", [])) if isinstance(record, dict) else 0
    return (f"an interrupted {record.get('action', 'change')} left {n} file(s) half written: the next pipeline "
            "command that writes puts them back as they were (pipeline undo, set or sync)")
