"""The `pipeline` group: its global options, the commands put on it, and the mapping of errors to the
contract's exit codes (SPEC section 4).

Exit codes: 0 success; 1 `check` found problems; 2 bad usage or bad input (one line on stderr,
nothing written); 3 the repository is not usable. Heavy imports (git, Textual) happen only in the
commands that need them.
"""

from __future__ import annotations

import sys

import click

from pipeline_tui.cli import completion as comp
from pipeline_tui.cli.commands import capacity as capacity_commands
from pipeline_tui.cli.commands import costs as costs_commands
from pipeline_tui.cli.commands import forecast as forecast_commands
from pipeline_tui.cli.commands import leads, setup, sync, transfer, views
from pipeline_tui.cli.context import Ctx, run_tui
from pipeline_tui.core.errors import PipelineError
from pipeline_tui.core.safetext import visible


class PipelineGroup(click.Group):
    """Turns core errors into one line on stderr and the contract's exit code."""

    def invoke(self, ctx: click.Context):  # noqa: ANN201
        try:
            return super().invoke(ctx)
        except PipelineError as exc:
            click.echo(f"pipeline: {visible(exc.one_line())}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("pipeline: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            ctx.exit(0)
        except OSError as exc:  # a full disk, a read-only folder, a permission: one line, never a traceback
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            click.echo(f"pipeline: {visible(where + (exc.strerror or str(exc)))}; check the disk and the "
                       "permissions of the pipeline folder", err=True)
            ctx.exit(3)


# Commands that touch one lead and end: the entry point (`__main__`) starts every process with the
# cyclic garbage collector paused, and these finish without it. The rest read many leads or run long.
ONE_LEAD_COMMANDS = frozenset({"set", "note", "done", "undo", "redo", "rm", "show", "log", "merge-driver"})


def _collect_garbage() -> None:
    """Turn the collector back on; what the imports made is frozen first, as it lives as long as the process."""
    import gc

    if not gc.isenabled():
        gc.freeze()
        gc.enable()


@click.group(cls=PipelineGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-C", "path", metavar="PATH", shell_complete=comp.folders, help="The pipeline folder (default: $PIPELINE_DIR, the nearest folder "
              "upward with pipeline.yaml, else your default pipeline).")
@click.version_option(package_name="pipeline-tui", prog_name="pipeline")
@click.pass_context
def cli(ctx: click.Context, path: str | None) -> None:
    """A plain-text, git-backed sales pipeline. With no command, opens the terminal UI."""
    ctx.obj = Ctx(path)
    if ctx.invoked_subcommand not in ONE_LEAD_COMMANDS:
        _collect_garbage()
    if ctx.invoked_subcommand is None:
        run_tui(ctx.obj.pipeline().root)


for _module in (setup, leads, views, sync, transfer, costs_commands, capacity_commands, forecast_commands):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    """Entry point: usage errors are one line too (`pipeline: ...`), exit 2."""
    try:
        code = cli.main(prog_name="pipeline", standalone_mode=False)
    except click.UsageError as exc:
        hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx else ""
        click.echo(f"pipeline: {visible(exc.format_message())}{hint}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"pipeline: {visible(exc.format_message())}", err=True)
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("pipeline: aborted", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
