"""Git for the pipeline: the repository holding it, identity, the write lock, commits, and git's refusals.

Which git does what, and why:
- GitPython reads history: `pipeline log` and the Lead screen's history (`core.git.history`) take the
  commits that touched a file through `repo.cmd` (GitPython's `git` command object, with this module's
  environment) and read each version's blob from its object database (`repo.repo.odb`), so one process
  reads hundreds of versions without a `git show` each. It is imported on first use only (`git_module`):
  it costs ~165 ms and runs `git version`, which no listing, check or write should pay.
- The git binary does everything else (`run`): commits, status, the index, config, fetch, merge, push, and
  the stage history's two `git log` passes (`core.git.stage_history`). A commit must run the repository's hooks
  and honour its config as `git commit` does; GitPython's pure-Python index is slow at 10,000 files and
  cannot read index v4; and one short `git` process is cheaper than importing GitPython.

Every commit the tool makes carries a `Pipeline-Action:` trailer so `undo` (`core.changes.undo`) can find it.
git's own index.lock is never removed here; a repository git refuses for its owner, or a git operation
left half done, stops a write with what to do.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline_tui.core import faults
from pipeline_tui.core.errors import PipelineError, RepoUnusable
from pipeline_tui.core.git.binary import (
    IDENTITY_HELP,
    MANY_PATHS,
    GitFailed,
    config_text,
    find_plain_repo,
    git_env,
    git_error_text,
    git_module,
    git_on_path,
    refuse_dubious,
)

TRAILER = "Pipeline-Action"
UNDOES = "Pipeline-Undoes"


@dataclass(slots=True)
class CommitInfo:
    sha: str
    author: str
    email: str
    date: str
    subject: str


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
        found = find_plain_repo(path)
        if found is not None:  # the common case, found without starting a process
            self.top, self.git_dir = found
        else:  # worktrees, submodules, GIT_DIR, bare repositories: ask git
            res = subprocess.run(["git", "rev-parse", "--is-bare-repository", "--absolute-git-dir",
                                  "--show-toplevel"], cwd=path, capture_output=True, text=True,
                                 env={**os.environ, **git_env()})
            lines = res.stdout.splitlines()
            if res.returncode != 0 or not lines:
                raise RepoUnusable(f"{path} is not inside a git repository; run `pipeline init {path}`")
            if lines[0] == "true" or len(lines) < 3:
                raise RepoUnusable(f"{path} is a bare git repository; clone it to work in it")
            self.git_dir = Path(lines[1]).resolve()
            self.top = Path(lines[2]).resolve()
            own = find_plain_repo(path, ignore_env=True)  # the repository the pipeline's folder is in
            if not path.resolve().is_relative_to(self.top) or (own is not None and own[1].resolve() != self.git_dir):
                raise RepoUnusable(f"git is set to work in {self.top} (GIT_DIR or GIT_WORK_TREE), which does not "
                                   f"hold the pipeline {path}; unset them, or run from that repository")
        self._cmd = None
        self._repo = None

    @property
    def repo(self):  # noqa: ANN201 - GitPython's Repo
        """GitPython's Repo (imported on first use: it costs ~165 ms); reads history and blobs."""
        if self._repo is None:
            git = git_module()
            self._git = git
            self._repo = git.Repo(self.top)
        return self._repo

    @property
    def cmd(self):  # noqa: ANN201 - GitPython's `repo.git`
        """GitPython's command object, with prompts off."""
        if self._cmd is None:
            self._cmd = self.repo.git
            self._cmd.update_environment(**git_env())
        return self._cmd

    def run(self, *args: str, check: bool = True, paths: list[str] | None = None) -> str:
        """Run `git args` in the work tree; stdout without its final newline. Raises GitFailed.

        `paths`: pathspecs for the end of the command line; many of them (an import of 100,000 rows) go
        through standard input instead (`--pathspec-from-file`), past the system's argument limit."""
        stdin = None
        if paths is not None and len(paths) > MANY_PATHS:
            args, stdin = (*args, "--pathspec-from-file=-", "--pathspec-file-nul"), "\0".join(paths)
        elif paths is not None:
            args = (*args, "--", *paths)
        res = subprocess.run(["git", *args], cwd=self.top, capture_output=True, text=True, input=stdin,
                             env={**os.environ, **git_env()})
        if res.returncode != 0:
            refuse_dubious(res.stderr)  # even when the caller tolerates failure: never read it as "nothing"
            if check:
                raise GitFailed(args, res.stderr, res.returncode, res.stdout)
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

    def shared_mode(self) -> int | None:
        """The file mode `core.sharedRepository` asks for (group: 0664, all: 0664 readable by all, 0xxx as
        given), or None when the repository is not shared. Read from .git/config: no process."""
        if "sharedrepository" not in config_text(self.git_dir):
            return None
        value = self.run("config", "--get", "core.sharedRepository", check=False).strip().lower()
        if value in ("group", "true", "1"):
            return 0o664
        if value in ("all", "world", "everybody", "2"):
            return 0o664
        if value.startswith("0") and len(value) > 1:
            try:
                return int(value, 8) & 0o666 | 0o600
            except ValueError:
                return None
        return None

    @contextlib.contextmanager
    def write_lock(self, timeout: float = 30.0) -> Iterator[None]:
        """One writer at a time across processes (the TUI and CLIs share it); the lock file follows the
        repository's sharing setting, so every member of a shared repository can take it."""
        from pipeline_tui.core.storage.locking import LockTimeout, exclusive

        lock_path = self.git_dir / "pipeline-tui.lock"
        try:
            with exclusive(lock_path, timeout, self.shared_mode() or 0o644):
                self._refuse_index_lock()
                if (self.git_dir / "pipeline-pending.json").exists():  # a multi-file write was killed
                    from pipeline_tui.core.git import (
                        pending,  # the journal of many-file writes: rolled back here
                    )

                    pending.recover(self)
                # never write into a merge, rebase, cherry-pick or revert git left half done: a commit then
                # would drop or sweep in what git staged for it
                self.refuse_half_done("then try again")
                yield
        except LockTimeout:
            raise RepoUnusable("another pipeline command is writing; try again in a moment") from None
        except OSError as exc:
            if exc.filename is None or Path(exc.filename) != lock_path:
                raise
            raise RepoUnusable(f"cannot take the write lock {lock_path}: {exc.strerror}; the repository is not "
                               "writable for you (check its permissions and the disk, or core.sharedRepository "
                               "for a team)") from None

    def _refuse_index_lock(self) -> None:
        """git's own lock. Its age proves nothing (a `git commit` may sit in its editor for an hour), so it is
        never removed here: say what it is and what to do."""
        lock = self.git_dir / "index.lock"
        try:
            st = lock.stat()
        except FileNotFoundError:
            return
        minutes = int((time.time() - st.st_mtime) // 60)
        since = f"for {minutes} minute(s)" if minutes else "just now"
        raise RepoUnusable(
            f"git's index is locked ({lock} exists, {since}): another git command is running, or one was killed. "
            "Finish or close it (a git commit waiting for its editor, a GUI); if no git program is running, remove "
            f"that file (rm '{lock}') and try again"
        )

    # --- committing ---
    def commit(self, paths: list[Path], message: str, action: str, extra_trailers: dict[str, str] | None = None,
               new_paths: list[Path] | None = None) -> str:
        """Commit exactly `paths` (and stage `new_paths` first) with a readable message and our trailer."""
        body = _with_trailers(message, action, extra_trailers)
        rels = [self.rel(p) for p in paths]
        try:
            if self._nothing_staged():  # the index holds only HEAD: stage ours and commit the index (faster)
                self.run("add", paths=rels)
                faults.point("in-commit", self.git_dir)
                self.run("commit", "-q", "-m", body)
                return self._head_from_files() or self.run("rev-parse", "HEAD")
            if new_paths:  # something else is staged (by hand): commit only our paths, leave the rest staged
                self.run("add", paths=[self.rel(p) for p in new_paths])
            faults.point("in-commit", self.git_dir)
            try:
                self.run("commit", "-q", "-m", body, paths=rels)
            except GitFailed as exc:
                if "did not match any file(s) known to git" not in exc.stderr:
                    raise
                self.run("add", paths=rels)  # a lead file made by hand and never committed: commit it now
                self.run("commit", "-q", "-m", body, paths=rels)
            return self._head_from_files() or self.run("rev-parse", "HEAD")
        except GitFailed as exc:
            raise RepoUnusable(self._commit_failure(exc)) from None

    def _commit_failure(self, exc: GitFailed) -> str:
        """Why a commit failed, in one line: a hook's own words, git's words, or what to check."""
        hooks = [h for h in ("pre-commit", "commit-msg", "prepare-commit-msg") if self._hook(h)]
        said = git_error_text(exc, with_stdout=True)
        if hooks and said:
            return f"a git hook of this repository ({', '.join(hooks)}) refused the commit: {said}"
        return f"git commit failed: {said}"

    def _hook(self, name: str) -> bool:
        hooks_dir = self.run("config", "--get", "core.hooksPath", check=False).strip() if (
            "hookspath" in config_text(self.git_dir)) else ""
        folder = (self.top / hooks_dir) if hooks_dir else self.git_dir / "hooks"
        path = folder / name
        return path.is_file() and os.access(path, os.X_OK)

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

    def refuse_half_done(self, then: str) -> None:
        """A merge, rebase, cherry-pick or revert git left half done: say how to finish or abort it (exit 3)."""
        g = self.git_dir
        if (g / "rebase-merge").exists() or (g / "rebase-apply").exists():
            raise RepoUnusable("a git rebase is half done here; finish it (fix the files, git add, git rebase "
                               f"--continue) or abort it (git rebase --abort), {then}")
        if (g / "MERGE_HEAD").exists():
            raise RepoUnusable("a git merge is half done here; finish it (fix the files, git add, git commit) or "
                               f"abort it (git merge --abort), {then}")
        for name, what in (("CHERRY_PICK_HEAD", "cherry-pick"), ("REVERT_HEAD", "revert")):
            if (g / name).exists():
                raise RepoUnusable(f"a git {what} is half done here; finish it (git {what} --continue) or abort "
                                   f"it (git {what} --abort), {then}")

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

    def blobs(self, specs: list[str]) -> list[bytes | None]:
        """The contents of `REV:path` specs through one `git cat-file --batch` (None where there is none)."""
        if not specs:
            return []
        proc = subprocess.run(["git", "cat-file", "--batch"], cwd=self.top, capture_output=True, check=False,
                              input="".join(s + "\n" for s in specs).encode())
        data, out, pos = proc.stdout, [], 0
        for _ in specs:
            end = data.index(b"\n", pos)
            header = data[pos:end].decode(errors="replace").split()
            pos = end + 1
            if len(header) == 3 and header[1] == "blob":
                size = int(header[2])
                out.append(data[pos:pos + size])
                pos += size + 1
            else:
                out.append(None)
        return out

    def head(self) -> str | None:
        return self.run("rev-parse", "--verify", "-q", "HEAD", check=False) or None

    def is_tracked(self, path: Path) -> bool:
        try:
            self.run("ls-files", "--error-unmatch", "--", self.rel(path))
            return True
        except GitFailed:
            return False

    def unstage(self, path: Path) -> bool:
        """Take path out of the index (back to HEAD's version); False when git could not (a full disk)."""
        args = (("reset", "-q", "HEAD", "--", self.rel(path)) if self.head() else
                ("rm", "-q", "--cached", "--ignore-unmatch", "--", self.rel(path)))
        try:
            self.run(*args)
        except GitFailed:
            return False
        return not self.run("diff", "--cached", "--name-only", "--", self.rel(path), check=False).strip()


def recover_before_reading(root: Path) -> None:
    """Every command starts here: when a guarded write was killed (its journal is there: one `stat`), put its
    files back before anything reads them. If that cannot happen now (git busy), say so and go on."""
    from pipeline_tui.core.git.pending import JOURNAL, announce, journal_path

    found = find_plain_repo(Path(root))
    if found is not None and not (found[1] / JOURNAL).exists():
        return
    try:
        repo = GitRepo(root)
        if not journal_path(repo).exists():
            return
        with repo.write_lock():  # recovers
            pass
    except PipelineError as exc:
        announce(f"an interrupted write left files half written and they cannot be put back yet: {exc.message}")


def _with_trailers(message: str, action: str, extra: dict[str, str] | None) -> str:
    """The commit message with our trailers, which `undo` reads back."""
    trailers = {TRAILER: action, **(extra or {})}
    return message + "\n\n" + "\n".join(f"{k}: {v}" for k, v in trailers.items())


