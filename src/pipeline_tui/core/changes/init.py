"""`pipeline init`: a new pipeline folder (or one inside an existing repository), its playbook, and git's merge
driver for lead files registered in the repository's config."""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import sys
from pathlib import Path

from pipeline_tui.core import faults
from pipeline_tui.core.errors import BadInput, RepoUnusable
from pipeline_tui.core.git.binary import IDENTITY_HELP
from pipeline_tui.core.git.repo import GitRepo
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.model.playbook import INIT_TEXT
from pipeline_tui.core.model.vocabulary import PLAYBOOK_FILE

MERGE_DRIVER = "pipeline-lead"


GITATTRIBUTES = (f"# Lead files and the playbook merge field by field (pipeline-tui's YAML merge driver).\n"
                 f"leads/*.yaml merge={MERGE_DRIVER}\npipeline.yaml merge={MERGE_DRIVER}\n")


# When the driver cannot run (its program gone, a crash: exit 2 or more; 1 means conflicts recorded in the
# file), git's own line merge writes its diff3 markers instead of leaving our side alone, which `git add`
# would commit as if theirs never happened; `pipeline resolve` later merges such a file field by field.
DRIVER_FALLBACK = "; s=$?; [ $s -le 1 ] && exit $s; git merge-file --diff3 -L ours -L base -L theirs %A %O %B"


def driver_command() -> str:
    """How git runs the merge driver: by the command's name when the `pipeline` on PATH is this very
    installation (it survives a recreated virtual environment), else by this Python's path; with git's
    line merge as the fallback (DRIVER_FALLBACK)."""
    return _driver_program() + DRIVER_FALLBACK


def _driver_program() -> str:
    import shutil

    found = shutil.which("pipeline")
    if found:
        try:
            first = Path(found).read_bytes()[:512].split(b"\n", 1)[0].decode("utf-8", "replace")
        except OSError:
            first = ""
        shebang = first[2:].strip().split()[0] if first.startswith("#!") and first[2:].strip() else ""
        if shebang and Path(os.path.abspath(shebang)).parent == Path(os.path.abspath(sys.executable)).parent:
            return "pipeline merge-driver %O %A %B %P"
    return f"{shlex.quote(sys.executable)} -m pipeline_tui merge-driver %O %A %B %P"


def merge_driver_problem(repo: GitRepo) -> str | None:
    """Why git would not run the merge driver in this clone (not registered, or its program is gone)."""
    registered = repo.run("config", "--get", f"merge.{MERGE_DRIVER}.driver", check=False).strip()
    if not registered:
        return ("the YAML merge driver is not registered in this clone, so a plain git pull merges lead files "
                "line by line: run pipeline sync once (it registers it)")
    program = shlex.split(registered)[0] if registered else ""
    import shutil

    if not (shutil.which(program) or Path(program).is_file()):
        return (f"the registered YAML merge driver's program is gone ({program}; a recreated virtual "
                "environment?): run pipeline sync once (it registers it again)")
    return None


def configure_merge_driver(repo: GitRepo) -> None:
    driver = driver_command()
    if repo.run("config", "--get", f"merge.{MERGE_DRIVER}.driver", check=False) == driver:
        return
    repo.run("config", f"merge.{MERGE_DRIVER}.name", "pipeline-tui field-wise YAML merge for lead files")
    repo.run("config", f"merge.{MERGE_DRIVER}.driver", driver)


def _identity_outside_repo(cwd: Path) -> str | None:
    try:
        for var in ("GIT_COMMITTER_IDENT", "GIT_AUTHOR_IDENT"):
            subprocess.run(["git", "var", var], cwd=cwd, check=True, capture_output=True)
    except FileNotFoundError:
        raise RepoUnusable("git is not installed or not on PATH; install git and try again") from None
    except subprocess.CalledProcessError:
        return IDENTITY_HELP
    return None


def _interrupted_init(path: Path, playbook_text: str) -> bool:
    """An init killed before its commit: the playbook it writes is there, byte for byte, and git has never
    committed it. Then init simply runs again (a playbook a person wrote is never overwritten)."""
    try:
        if (path / PLAYBOOK_FILE).read_text(encoding="utf-8") != playbook_text:
            return False
        repo = GitRepo(path)
    except (OSError, UnicodeDecodeError, RepoUnusable):
        return False
    return not repo.run("ls-tree", "--name-only", "HEAD", "--", repo.rel(path / PLAYBOOK_FILE), check=False).strip()


def init_pipeline(path: Path, playbook_text: str = INIT_TEXT, message: str = "init pipeline",
                  need_identity: bool = True) -> Pipeline:
    """New pipeline at path: git init if needed, playbook, leads/, .gitattributes, merge driver, commit."""
    path = Path(path).expanduser()
    for parent in path.absolute().parents:  # a pipeline inside another's leads/ would be read as its leads
        if parent.name == "leads" and (parent.parent / PLAYBOOK_FILE).exists():
            raise BadInput(f"{path} is inside the leads folder of the pipeline {parent.parent}; choose another place")
    if (path / PLAYBOOK_FILE).exists() and not _interrupted_init(path, playbook_text):
        raise BadInput(f"{path} is already a pipeline ({PLAYBOOK_FILE} exists)")
    if path.exists() and not path.is_dir():
        raise BadInput(f"{path} exists and is not a folder")
    existing = path if path.exists() else next(p for p in path.parents if p.exists())
    if need_identity:
        problem = _identity_outside_repo(existing)
        if problem:
            raise RepoUnusable(problem)
    path.mkdir(parents=True, exist_ok=True)
    repo = GitRepo.init(path)
    pipe = Pipeline(path)
    made_leads = not pipe.leads_dir.exists()
    pipe.leads_dir.mkdir(exist_ok=True)
    keep = pipe.leads_dir / ".gitkeep"
    made_keep = not keep.exists()
    keep.touch()
    attrs = path / ".gitattributes"
    attrs_before = attrs.read_bytes() if attrs.exists() else None
    try:
        (path / PLAYBOOK_FILE).write_text(playbook_text, encoding="utf-8")
        if attrs_before is None or MERGE_DRIVER.encode() not in attrs_before:
            with attrs.open("a", encoding="utf-8") as fh:
                fh.write(GITATTRIBUTES)
        configure_merge_driver(repo)
        if repo.shared_mode():  # a team's repository: every member writes lead files (a temp file, a rename)
            with contextlib.suppress(OSError):
                pipe.leads_dir.chmod(0o2775)
        files = [path / PLAYBOOK_FILE, attrs, keep]
        faults.point("init-written")
        repo.commit(files, message, "init", new_paths=files)
    except BaseException:  # git refused (a signing key missing, a hook): leave nothing half made behind
        for f in (path / PLAYBOOK_FILE, attrs, keep):
            repo.unstage(f)
        (path / PLAYBOOK_FILE).unlink(missing_ok=True)
        if attrs_before is None:
            attrs.unlink(missing_ok=True)
        else:
            attrs.write_bytes(attrs_before)
        if made_keep:
            keep.unlink(missing_ok=True)
        if made_leads:
            with contextlib.suppress(OSError):
                pipe.leads_dir.rmdir()
        raise
    return pipe
