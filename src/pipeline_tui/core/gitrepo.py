"""Git for the pipeline: commits through the git binary (GitPython's `repo.git`), identity, locks, undo.

GitPython is imported lazily (it costs ~165 ms and runs `git version`). Commits go through the git
binary, never GitPython's pure-Python index (slow at 10,000 files and unable to read index v4).
Every commit the tool makes carries a `Pipeline-Action:` trailer so `undo` can find it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline_tui.core import faults
from pipeline_tui.core.errors import RepoUnusable

TRAILER = "Pipeline-Action"
UNDOES = "Pipeline-Undoes"
STALE_LOCK_SECONDS = 60
IDENTITY_HELP = (
    "git does not know who you are, so it cannot commit. Run: "
    'git config --global user.name "Your Name" && git config --global user.email you@example.com'
)


def git_on_path() -> bool:
    """Whether a `git` program is on PATH (shutil.which's test, without importing shutil)."""
    return any(os.access(os.path.join(d, "git"), os.X_OK) for d in os.get_exec_path() if d)


def _git_module():  # noqa: ANN202
    if not git_on_path():
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


def _find_plain_repo(path: Path) -> tuple[Path, Path] | None:
    """(work tree, .git folder) of an ordinary repository holding path; None when git must be asked."""
    if any(v in os.environ for v in ("GIT_DIR", "GIT_WORK_TREE", "GIT_CEILING_DIRECTORIES")):
        return None
    here = path.resolve()
    for folder in (here, *here.parents):
        dot = folder / ".git"
        if dot.is_dir() and (dot / "HEAD").is_file():
            return folder, dot
        if dot.exists():
            return None  # a .git file (worktree, submodule): let git resolve it
    return None


class GitFailed(Exception):
    """A git command exited non-zero; `stderr` says why."""

    def __init__(self, args: tuple[str, ...], stderr: str):
        self.stderr = stderr
        super().__init__(f"git {' '.join(args[:2])}: {stderr.strip()}")


class GitRepo:
    """The git repository holding a pipeline folder (the pipeline may be a subfolder).

    The write path (locate, identity, commit, unstage) runs the git binary directly: a `set` is one
    Python process plus `git commit`, without GitPython's import and its `git version` call. GitPython
    serves everything else through `cmd`, imported on first use.
    """

    def __init__(self, path: Path):
        if not git_on_path():
            raise RepoUnusable("git is not installed or not on PATH; install git (https://git-scm.com) and try again")
        path = Path(path)
        if not path.exists():
            raise RepoUnusable(f"{path} does not exist; run `pipeline init {path}`")
        found = _find_plain_repo(path)
        if found is not None:  # the common case, found without starting a process
            self.top, self.git_dir = found
        else:  # worktrees, submodules, GIT_DIR, bare repositories: ask git
            res = subprocess.run(["git", "rev-parse", "--is-bare-repository", "--absolute-git-dir",
                                  "--show-toplevel"], cwd=path, capture_output=True, text=True,
                                 env={**os.environ, **_env_git()})
            lines = res.stdout.splitlines()
            if res.returncode != 0 or not lines:
                raise RepoUnusable(f"{path} is not inside a git repository; run `pipeline init {path}`")
            if lines[0] == "true" or len(lines) < 3:
                raise RepoUnusable(f"{path} is a bare git repository; clone it to work in it")
            self.git_dir = Path(lines[1]).resolve()
            self.top = Path(lines[2]).resolve()
        self._cmd = None
        self._repo = None

    @property
    def repo(self):  # noqa: ANN201 - GitPython's Repo
        """GitPython's Repo (imported on first use: it costs ~165 ms); reads history and blobs."""
        if self._repo is None:
            git = _git_module()
            self._git = git
            self._repo = git.Repo(self.top)
        return self._repo

    @property
    def cmd(self):  # noqa: ANN201 - GitPython's `repo.git`
        """GitPython's command object, with prompts off."""
        if self._cmd is None:
            self._cmd = self.repo.git
            self._cmd.update_environment(**_env_git())
        return self._cmd

    def run(self, *args: str, check: bool = True) -> str:
        """Run `git args` in the work tree; stdout without its final newline. Raises GitFailed."""
        res = subprocess.run(["git", *args], cwd=self.top, capture_output=True, text=True,
                             env={**os.environ, **_env_git()})
        if check and res.returncode != 0:
            raise GitFailed(args, res.stderr)
        return res.stdout.removesuffix("\n")

    @classmethod
    def init(cls, path: Path) -> GitRepo:
        inside = path.is_dir() and subprocess.run(["git", "rev-parse", "--git-dir"], cwd=path,
                                                   capture_output=True).returncode == 0
        if not inside:
            path.mkdir(parents=True, exist_ok=True)
            res = subprocess.run(["git", "init", "-q", "-b", "main"], cwd=path, capture_output=True, text=True)
            if res.returncode != 0:  # git older than 2.28: no -b
                subprocess.run(["git", "init", "-q"], cwd=path, check=True, capture_output=True)
        return cls(path)

    def rel(self, path: Path) -> str:
        return Path(path).resolve().relative_to(self.top).as_posix()

    # --- identity and locks ---
    def identity_problem(self) -> str | None:
        try:  # one process: an unknown identity fails the author's as it fails the committer's
            self.run("var", "GIT_AUTHOR_IDENT")
        except GitFailed:
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
            if self._nothing_staged():  # the index holds only HEAD: stage ours and commit the index (faster)
                self.run("add", "--", *rels)
                faults.point("in-commit", self.git_dir)
                self.run("commit", "-q", "--no-verify", "-m", body)
                return self._head_from_files() or self.run("rev-parse", "HEAD")
            if new_paths:  # something else is staged (by hand): commit only our paths, leave the rest staged
                self.run("add", "--", *[self.rel(p) for p in new_paths])
            faults.point("in-commit", self.git_dir)
            try:
                self.run("commit", "-q", "--no-verify", "-m", body, "--", *rels)
            except GitFailed as exc:
                if "did not match any file(s) known to git" not in exc.stderr:
                    raise
                self.run("add", "--", *rels)  # a lead file made by hand and never committed: commit it now
                self.run("commit", "-q", "--no-verify", "-m", body, "--", *rels)
            return self._head_from_files() or self.run("rev-parse", "HEAD")
        except GitFailed as exc:
            raise RepoUnusable(f"git commit failed: {_git_error(exc)}") from None

    def _nothing_staged(self) -> bool:
        """True when the index matches HEAD (so committing the index commits only what we stage)."""
        try:
            self.run("diff", "--cached", "--quiet", "--no-ext-diff")
        except GitFailed:
            return False
        return True

    def changed_files(self, under: Path) -> list[tuple[str, str]]:
        """(status, path from the top) of files under a folder that differ from HEAD or are untracked,
        as `git status --porcelain` names them (`??` untracked)."""
        out = self.run("status", "--porcelain=v1", "-z", "--untracked-files=all", "--", self.rel(under), check=False)
        return [(entry[:2], entry[3:]) for entry in out.split("\0") if len(entry) > 3]

    def revert(self, sha: str, message: str, action: str, extra_trailers: dict[str, str] | None = None) -> str:
        """Revert one commit as a new commit of ours; on any failure, leave the tree as it was."""
        body = _with_trailers(message, action, extra_trailers)
        try:
            self.run("revert", "--no-commit", sha)
            self.run("commit", "-q", "--no-verify", "-m", body)
        except GitFailed as exc:
            self.run("revert", "--abort", check=False)
            raise RepoUnusable(f"cannot undo {sha[:8]}: {_git_error(exc)}") from None
        return self.run("rev-parse", "HEAD")

    def _head_from_files(self) -> str | None:
        """HEAD's commit read from .git/HEAD and its loose ref (a commit just wrote it); None if unsure."""
        try:
            head = (self.git_dir / "HEAD").read_text().strip()
            if head.startswith("ref: refs/"):
                sha = (self.git_dir / head[5:]).read_text().strip()
            else:
                sha = head
        except OSError:
            return None
        return sha if len(sha) in (40, 64) and all(c in "0123456789abcdef" for c in sha) else None

    def head(self) -> str | None:
        return self.run("rev-parse", "--verify", "-q", "HEAD", check=False) or None

    def is_tracked(self, path: Path) -> bool:
        try:
            self.run("ls-files", "--error-unmatch", "--", self.rel(path))
            return True
        except GitFailed:
            return False

    def unstage(self, path: Path) -> None:
        if self.head():
            self.run("reset", "-q", "HEAD", "--", self.rel(path), check=False)
        else:
            self.run("rm", "-q", "--cached", "--", self.rel(path), check=False)

    # --- history ---
    def tool_commits(self, limit: int = 500) -> list[tuple[str, str, dict[str, str]]]:
        """(sha, subject, trailers) of recent commits, newest first."""
        if not self.head():
            return []
        out = self.run("log", f"-n{limit}", "--format=%H%x1f%s%x1f%(trailers:only,unfold)%x1e")
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
