"""`pipeline init`: a new pipeline folder (or one inside an existing repository), its playbook, and git's merge
driver for lead files registered in the repository's config."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

from pipeline_tui.core import faults
from pipeline_tui.core.errors import BadInput, RepoUnusable
from pipeline_tui.core.git.binary import IDENTITY_HELP
from pipeline_tui.core.git.driver import GITATTRIBUTES, MERGE_DRIVER, configure_merge_driver
from pipeline_tui.core.git.repo import GitRepo
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.model.playbook import INIT_TEXT
from pipeline_tui.core.model.vocabulary import PLAYBOOK_FILE


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
