"""Git for the pipeline: commits through the git binary (GitPython's `repo.git`), identity, locks, undo.

GitPython is imported lazily (it costs ~165 ms and runs `git version`). Commits go through the git
binary, never GitPython's pure-Python index (slow at 10,000 files and unable to read index v4).
Every commit the tool makes carries a `Pipeline-Action:` trailer so `undo` can find it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline_tui.core.errors import RepoUnusable

TRAILER = "Pipeline-Action"
UNDOES = "Pipeline-Undoes"
STALE_LOCK_SECONDS = 60
IDENTITY_HELP = (
    "git does not know who you are, so it cannot commit. Run: "
    'git config --global user.name "Your Name" && git config --global user.email you@example.com'
)


def _git_module():  # noqa: ANN202
    if shutil.which("git") is None:
        raise RepoUnusable("git is not installed or not on PATH; install git (https://git-scm.com) and try again")
    import git  # lazy: costly import

    return git


def _env_git() -> dict[str, str]:
    return {"GIT_TERMINAL_PROMPT": "0"}


@dataclass(slots=True)
class CommitInfo:
    sha: str
    author: str
    email: str
    date: str
    subject: str


class GitRepo:
    """The git repository holding a pipeline folder (the pipeline may be a subfolder)."""

    def __init__(self, path: Path):
        git = _git_module()
        self._git = git
        try:
            self.repo = git.Repo(path, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise RepoUnusable(f"{path} is not inside a git repository; run `pipeline init {path}`") from None
        if self.repo.bare:
            raise RepoUnusable(f"{path} is a bare git repository; clone it to work in it")
        self.top = Path(self.repo.working_tree_dir).resolve()
        self.git_dir = Path(self.repo.git_dir).resolve()
        self.cmd = self.repo.git
        self.cmd.update_environment(**_env_git())

    @classmethod
    def init(cls, path: Path) -> GitRepo:
        git = _git_module()
        try:
            git.Repo(path, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            path.mkdir(parents=True, exist_ok=True)
            git.Repo.init(path, initial_branch="main") if _supports_initial_branch(git) else git.Repo.init(path)
        return cls(path)

    def rel(self, path: Path) -> str:
        return Path(path).resolve().relative_to(self.top).as_posix()

    # --- identity and locks ---
    def identity_problem(self) -> str | None:
        try:
            self.cmd.var("GIT_COMMITTER_IDENT")
            self.cmd.var("GIT_AUTHOR_IDENT")
        except self._git.GitCommandError:
            return IDENTITY_HELP
        return None

    def require_identity(self) -> None:
        problem = self.identity_problem()
        if problem:
            raise RepoUnusable(problem)

    @contextlib.contextmanager
    def write_lock(self, timeout: float = 30.0) -> Iterator[None]:
        """One writer at a time across processes (the TUI and CLIs share it)."""
        lock_path = self.git_dir / "pipeline-tui.lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise RepoUnusable("another pipeline command is writing; try again in a moment") from None
                    time.sleep(0.02)
            self._clear_stale_index_lock()
            yield
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _clear_stale_index_lock(self) -> None:
        lock = self.git_dir / "index.lock"
        try:
            age = time.time() - lock.stat().st_mtime
        except FileNotFoundError:
            return
        if age > STALE_LOCK_SECONDS:
            lock.unlink(missing_ok=True)
            print(f"pipeline: removed a stale {lock} left by an interrupted git command", file=sys.stderr)
            return
        raise RepoUnusable(
            f"another git command is running ({lock} exists); wait for it, or remove that file if no git is running"
        )

    # --- committing ---
    def commit(self, paths: list[Path], message: str, action: str, extra_trailers: dict[str, str] | None = None,
               new_paths: list[Path] | None = None) -> str:
        """Commit exactly `paths` (and stage `new_paths` first) with a readable message and our trailer."""
        body = _with_trailers(message, action, extra_trailers)
        rels = [self.rel(p) for p in paths]
        try:
            if new_paths:
                self.cmd.add("--", *[self.rel(p) for p in new_paths])
            self.cmd.commit("-q", "--no-verify", "-m", body, "--", *rels)
        except self._git.GitCommandError as exc:
            raise RepoUnusable(f"git commit failed: {_git_error(exc)}") from None
        return self.cmd.rev_parse("HEAD")

    def revert(self, sha: str, message: str, action: str, extra_trailers: dict[str, str] | None = None) -> str:
        """Revert one commit as a new commit of ours; on any failure, leave the tree as it was."""
        body = _with_trailers(message, action, extra_trailers)
        try:
            self.cmd.revert("--no-commit", sha)
            self.cmd.commit("-q", "--no-verify", "-m", body)
        except self._git.GitCommandError as exc:
            with contextlib.suppress(self._git.GitCommandError):
                self.cmd.revert("--abort")
            raise RepoUnusable(f"cannot undo {sha[:8]}: {_git_error(exc)}") from None
        return self.cmd.rev_parse("HEAD")

    def head(self) -> str | None:
        try:
            return self.cmd.rev_parse("--verify", "-q", "HEAD")
        except self._git.GitCommandError:
            return None

    def is_tracked(self, path: Path) -> bool:
        try:
            self.cmd.ls_files("--error-unmatch", "--", self.rel(path))
            return True
        except self._git.GitCommandError:
            return False

    def unstage(self, path: Path) -> None:
        with contextlib.suppress(self._git.GitCommandError):
            if self.head():
                self.cmd.reset("-q", "HEAD", "--", self.rel(path))
            else:
                self.cmd.rm("-q", "--cached", "--", self.rel(path))

    # --- history ---
    def tool_commits(self, limit: int = 500) -> list[tuple[str, str, dict[str, str]]]:
        """(sha, subject, trailers) of recent commits, newest first."""
        if not self.head():
            return []
        out = self.cmd.log(f"-n{limit}", "--format=%H%x1f%s%x1f%(trailers:only,unfold)%x1e")
        commits = []
        for rec in out.split("\x1e"):
            rec = rec.strip("\n")
            if not rec:
                continue
            sha, subject, trailers_text = (rec.split("\x1f") + ["", ""])[:3]
            trailers = {}
            for line in trailers_text.splitlines():
                if ": " in line:
                    k, v = line.split(": ", 1)
                    trailers[k.strip()] = v.strip()
            commits.append((sha.strip(), subject, trailers))
        return commits


def _with_trailers(message: str, action: str, extra: dict[str, str] | None) -> str:
    """The commit message with our trailers, which `undo` reads back."""
    trailers = {TRAILER: action, **(extra or {})}
    return message + "\n\n" + "\n".join(f"{k}: {v}" for k, v in trailers.items())


def _git_error(exc: Exception) -> str:
    stderr = getattr(exc, "stderr", "") or ""
    text = " ".join(line.strip() for line in str(stderr).splitlines() if line.strip())
    text = text.removeprefix("stderr: ").strip("' ")
    if "Please tell me who you are" in text or "Author identity unknown" in text or "empty ident" in text:
        return IDENTITY_HELP
    return text or str(exc).splitlines()[0]


def _supports_initial_branch(git) -> bool:  # noqa: ANN001
    try:
        version = git.Git().version_info
    except Exception:  # pragma: no cover
        return False
    return version >= (2, 28)
