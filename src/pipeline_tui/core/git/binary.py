"""The git program itself: whether it is there, the environment every call runs with, finding an ordinary
repository without asking git, and git's refusals (a failed command, a repository another user owns) as errors."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from pipeline_tui.core.errors import RepoUnusable


def git_on_path() -> bool:
    """Whether a `git` program is on PATH (shutil.which's test, without importing shutil)."""
    return any(os.access(os.path.join(d, "git"), os.X_OK) for d in os.get_exec_path() if d)


def git_module():  # noqa: ANN202
    if not git_on_path():
        raise RepoUnusable("git is not installed or not on PATH; install git (https://git-scm.com) and try again")
    import git  # lazy: costly import

    return git


MANY_PATHS = 1000  # more pathspecs than this go to git on standard input


def git_env() -> dict[str, str]:
    # No prompts; and no optional locks: a `git status` that reads (the TUI's health check, `check`) would
    # take index.lock to refresh the index, and a commit starting then fails with "index.lock: File exists".
    return {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}


def find_plain_repo(path: Path, ignore_env: bool = False) -> tuple[Path, Path] | None:
    """(work tree, .git folder) of an ordinary repository holding path; None when git must be asked."""
    if not ignore_env and any(v in os.environ for v in ("GIT_DIR", "GIT_WORK_TREE", "GIT_CEILING_DIRECTORIES")):
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
    """A git command exited non-zero; `stderr` (and what it printed on stdout, where hooks often write) says why."""

    def __init__(self, args: tuple[str, ...], stderr: str, returncode: int = 1, stdout: str = ""):
        self.args_run = args
        self.stderr = stderr
        self.stdout = stdout
        self.returncode = returncode
        super().__init__(f"git {' '.join(args[:2])}: {stderr.strip()}")


DUBIOUS = "dubious ownership"


def refuse_dubious(stderr: str) -> None:
    """git refuses a repository another user owns (`safe.directory`): say so with git's own advice, exit 3,
    instead of reading its silence as "nothing to commit" or "no history"."""
    if DUBIOUS not in stderr:
        return
    advice = next((ln.strip() for ln in stderr.splitlines() if "safe.directory" in ln and "git config" in ln), "")
    where = next((ln.split("'", 2)[1] for ln in stderr.splitlines() if DUBIOUS in ln and "'" in ln), "this repository")
    raise RepoUnusable(f"git refuses to work in {where}: it is owned by another user (dubious ownership). If you "
                       f"trust it, run: {advice or 'git config --global --add safe.directory ' + where}")


def check_ownership(path: Path) -> None:
    """Before anything reads git's answers: is this a repository git refuses for its owner? One `stat` when
    the repository is ours (the common case); git itself is asked only when another user owns it."""
    found = find_plain_repo(Path(path))
    if found is not None and hasattr(os, "geteuid"):
        top, dot = found
        try:
            mine = os.stat(top).st_uid == os.geteuid() and os.stat(dot).st_uid == os.geteuid()
        except OSError:
            mine = False
        if mine:
            return
    if not git_on_path():
        return
    res = subprocess.run(["git", "rev-parse", "--git-dir"], cwd=path, capture_output=True, text=True,
                         env={**os.environ, **git_env()})
    refuse_dubious(res.stderr)


def config_text(git_dir: Path) -> str:
    try:
        return (git_dir / "config").read_text(encoding="utf-8", errors="replace").lower()
    except OSError:
        return ""


def git_error_text(exc: Exception, with_stdout: bool = False) -> str:
    """git's reason in one line, without its `hint:` lines; when git said nothing, what was run and what to check."""
    stderr = getattr(exc, "stderr", "") or ""
    if with_stdout:
        stderr = f"{stderr}\n{getattr(exc, 'stdout', '') or ''}"
    lines = [line.strip() for line in str(stderr).splitlines() if line.strip() and not line.startswith("hint:")]
    text = " ".join(lines).removeprefix("stderr: ").strip("' ")
    if "Please tell me who you are" in text or "Author identity unknown" in text or "empty ident" in text:
        return IDENTITY_HELP
    if text:
        return text
    args = " ".join(getattr(exc, "args_run", ()) or ())
    code = getattr(exc, "returncode", None)
    return (f"`git {args}` exited with code {code} and gave no reason; check that the repository is writable "
            "and the disk has space (git status shows its state)")


IDENTITY_HELP = (
    "git does not know who you are, so it cannot commit. Run: "
    'git config --global user.name "Your Name" && git config --global user.email you@example.com'
)
