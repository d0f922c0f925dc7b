"""What every command works on: the pipeline folder (found, or your default one made) and today's date
(PIPELINE_TODAY pins it), held by `Ctx`; and the terminal UI's launcher (bare `pipeline`, `pipeline demo`)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from functools import cached_property
from pathlib import Path

import click

from pipeline_tui.core.errors import BadInput, RepoUnusable
from pipeline_tui.core.safetext import show as txt


def forced_today() -> dt.date | None:
    """The date PIPELINE_TODAY pins (tests, demos, screenshots), or None when it is not set."""
    forced = os.environ.get("PIPELINE_TODAY")
    if not forced:
        return None
    try:
        return dt.date.fromisoformat(forced)
    except ValueError:
        raise BadInput(f"PIPELINE_TODAY={forced!r} is not an ISO date") from None


class Ctx:
    """The group's object (`click.pass_obj`): the `-C PATH` given, the pipeline it names, and today."""

    def __init__(self, path: str | None):
        self.explicit = path

    @cached_property
    def today(self) -> dt.date:
        """Today for this command, read once on first use: PIPELINE_TODAY, else the clock."""
        return forced_today() or dt.date.today()

    def pipeline(self, create_default: bool = True):  # noqa: ANN201
        from pipeline_tui.core.model.pipeline import Pipeline, default_pipeline_dir, find_pipeline

        root = find_pipeline(self.explicit)
        if root is None:
            root = default_pipeline_dir()
            if not (root / "pipeline.yaml").is_file():
                if not create_default:
                    raise RepoUnusable("no pipeline here; run `pipeline init PATH` or `pipeline demo`")
                from pipeline_tui.core.changes.init import init_pipeline

                init_pipeline(root)
                click.echo(f"pipeline: created your pipeline at {txt(root)}", err=True)
        pipe = Pipeline.open(root)
        from pipeline_tui.core.git.binary import check_ownership

        check_ownership(pipe.root)  # git's safe.directory refusal, once, before any command reads git
        from pipeline_tui.core.git.repo import recover_before_reading

        recover_before_reading(pipe.root)  # an import, undo or sync killed half way: put back first
        return pipe


def run_tui(root: Path) -> None:
    """Open the terminal UI on the pipeline at `root` (refused without a terminal)."""
    served = os.environ.get("TEXTUAL_DRIVER") == "textual.drivers.web_driver:WebDriver"  # by `pipeline serve`
    if not sys.stdout.isatty() and not served and not os.environ.get("PIPELINE_FORCE_TUI"):
        raise BadInput("the terminal UI needs a terminal; use a command (pipeline list, pipeline --help)")
    from pipeline_tui.ui.app import make_app

    make_app(root, today=forced_today()).run()
