"""Commands that make or open a pipeline, or plug it into other tools: init, demo, serve, completion, and
the merge driver git calls."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline_tui.cli import completion as comp
from pipeline_tui.cli.context import Ctx, run_tui
from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.safetext import show as txt


@click.command()
@click.argument("path", required=False, type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Make a pipeline in a folder that already holds other files.")
@click.pass_obj
def init(obj: Ctx, path: str | None, force: bool) -> None:
    """Create a new pipeline at PATH (default: the current folder), which must be empty (but for a .git)
    unless --force."""
    from pipeline_tui.core.changes.init import init_pipeline

    target = Path(path or obj.explicit or ".")
    try:
        others = sorted(p.name for p in target.iterdir() if p.name != ".git") if target.is_dir() else []
    except OSError:
        others = []  # unreadable: init says why
    if others and not force and not (target / "pipeline.yaml").exists():
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise BadInput(f"{target} is not empty ({shown}) and not a pipeline: give a new folder, or --force to "
                       "make it one (git init there, a pipeline.yaml and a leads/ folder beside your files)")
    pipe = init_pipeline(target)
    click.echo(f"new pipeline at {txt(pipe.root)}")
    click.echo(f"next: pipeline -C {txt(pipe.root)} add \"Jane Doe\" --source referral --company \"Acme Corp\"", err=True)


@click.command()
@click.argument("path", required=False, type=click.Path(file_okay=False))
@click.option("--no-tui", is_flag=True, help="Build the demo and stop (do not open the UI).")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed for the demo's random parts.")
@click.pass_obj
def demo(obj: Ctx, path: str | None, no_tui: bool, seed: int) -> None:
    """Build a demo pipeline with realistic leads and months of history, then open it."""
    from pipeline_tui.core.changes.demo import build_demo, default_demo_dir

    target = Path(path) if path else default_demo_dir()
    if (target / "pipeline.yaml").is_file():
        click.echo(f"pipeline: {txt(target)} already holds a pipeline; opening it", err=True)
    else:
        pipe = build_demo(target, today=obj.today, seed=seed)
        click.echo(f"demo pipeline at {txt(pipe.root)}")
    if not no_tui:
        run_tui(target.resolve())


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; any other than a loopback one lets others reach the pipeline.")
@click.option("--port", type=int, default=8000, show_default=True, help="The port to listen on (1-65535).")
@click.pass_obj
def serve(obj: Ctx, host: str, port: int) -> None:
    """Open the terminal UI in a web browser: serves it on http://HOST:PORT until Ctrl+C."""
    from pipeline_tui.ui.serve import serve_pipeline

    serve_pipeline(lambda: obj.pipeline().root, host=host, port=port)


@click.command("completion")
@click.argument("shell", required=False, type=click.Choice(comp.SHELLS))
@click.pass_context
def completion_cmd(ctx: click.Context, shell: str | None) -> None:
    """Print the script that makes Tab complete pipeline's commands, ids, stages, sources, owners and
    query words in SHELL (default: the shell $SHELL names). Install it once, then open a new shell:

    \b
      bash:  echo 'eval "$(pipeline completion bash)"' >> ~/.bashrc
      zsh:   echo 'eval "$(pipeline completion zsh)"' >> ~/.zshrc     (after compinit)
      fish:  pipeline completion fish > ~/.config/fish/completions/pipeline.fish

    For a quicker shell start, save the script once (pipeline completion bash > ~/.pipeline-complete.bash)
    and source that file instead; save it again after upgrading pipeline."""
    click.echo(comp.completion_script(ctx.find_root().command, shell), nl=False)


@click.command("merge-driver", hidden=True)
@click.argument("base")
@click.argument("ours")
@click.argument("theirs")
@click.argument("path", nargs=-1)
def merge_driver(base: str, ours: str, theirs: str, path: tuple[str, ...]) -> None:
    """Git merge driver for lead files and the playbook (called by git, not by people)."""
    from pipeline_tui.core.git.merge import merge_files

    # an older git passes %P unquoted: a folder name with spaces arrives as several arguments
    try:
        code = merge_files(Path(base), Path(ours), Path(theirs), " ".join(path))
    except Exception as exc:  # noqa: BLE001 - exit 2, not 1 (a conflict): git's line merge then takes over
        click.echo(f"pipeline merge-driver: {txt(type(exc).__name__)}: {txt(str(exc))}", err=True)
        sys.exit(2)
    sys.exit(code)


COMMANDS = (init, demo, serve, completion_cmd, merge_driver)
