"""Git's merge driver for lead files, as the repository knows it: the command git runs (`pipeline merge-driver`,
with git's line merge as the fallback where the tool is gone), registering it in the repository's config and
`.gitattributes`, and what is wrong with a registration that is there."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from pipeline_tui.core.git.repo import GitRepo

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


def driver_warning(root: Path) -> str | None:
    """What the status line says of a clone where a plain `git pull` would merge lead files line by line (no
    merge driver, or its program gone), with what to run; None when all is well or git cannot tell."""
    from pipeline_tui.core.errors import PipelineError

    try:
        return merge_driver_problem(GitRepo(root))
    except (PipelineError, OSError):
        return None
