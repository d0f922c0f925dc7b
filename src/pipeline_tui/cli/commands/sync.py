"""Commands that meet other people's changes: sync (fetch, merge field by field, push) and resolve (choose
between the two versions a merge kept of a field)."""

from __future__ import annotations

import click

from pipeline_tui.cli import completion as comp
from pipeline_tui.cli import render
from pipeline_tui.cli.context import Ctx
from pipeline_tui.cli.options import json_option
from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.safetext import show as txt


@click.command()
@click.option("--resolve", "resolutions", multiple=True, metavar="ID.KEY=ours|theirs",
              help="For a field changed differently here and on the remote: keep ours or take theirs. "
                   "ID=... applies to every such field of a lead, all=... to every one. Repeatable.")
@click.option("--commit", "commit_edits", is_flag=True, help="Commit hand-edited files first (they must parse).")
@json_option()
@click.pass_obj
def sync(obj: Ctx, resolutions: tuple[str, ...], commit_edits: bool, as_json: bool) -> None:
    """Fetch, merge field by field, push. Stops (exit 3) on a field changed differently on both sides."""
    from pipeline_tui.core.sync.exchange import sync as run_sync
    from pipeline_tui.core.sync.result import SyncConflict, parse_resolutions

    resolve = parse_resolutions(resolutions)
    try:
        result = run_sync(obj.pipeline(create_default=False), resolve=resolve, commit_edits=commit_edits)
    except SyncConflict as exc:
        if as_json:
            render.emit_json({"conflicts": exc.conflicts, "remote": exc.remote})
        for line in exc.lines():
            click.echo(f"pipeline: {txt(line)}", err=True)
        raise
    if as_json:
        render.emit_json(result.as_json())
        return
    for line in result.lines():
        click.echo(txt(line))


@click.command()
@click.argument("ref", metavar="[ID]", required=False, shell_complete=comp.lead_ids)
@click.argument("choices", nargs=-1, metavar="[KEY=ours|theirs ...]")
@json_option()
@click.pass_obj
def resolve(obj: Ctx, ref: str | None, choices: tuple[str, ...], as_json: bool) -> None:
    """Choose between the two versions a merge kept of a field (after a plain git pull or rebase).

    With no ID: every file holding them. With an ID: its conflicts. With choices (owner=theirs,
    next.due=ours, all=theirs): applied and committed (undoable). A file git wrote conflict markers
    into is merged field by field first."""
    from pipeline_tui.core.git.conflicts import SIDES, has_markers_in, pending
    from pipeline_tui.core.sync.resolve import resolve as resolve_fields
    from pipeline_tui.core.yaml.reader import plain_data

    pipe = obj.pipeline()
    wanted: dict[str, str] = {}
    for item in choices:
        key, sep, side = item.partition("=")
        side = side.strip().lower()
        if not sep or not key.strip() or side not in SIDES:
            raise BadInput(f"{item!r}: write KEY=ours or KEY=theirs (or all=ours, all=theirs)")
        wanted["*" if key.strip() in ("all", "*") else key.strip()] = side
    if ref is None or (not wanted and not has_markers_in(pipe, ref)):
        found = pending(pipe, ref)
        if as_json:
            render.emit_json([{"ref": p.ref, "path": p.path, "markers": p.markers,
                               "conflicts": {k: {s: plain_data(v) for s, v in item.items()}
                                             for k, item in p.record.items()}}
                              for p in found])
            return
        for p in found:
            for line in p.lines():
                click.echo(txt(line))
        if not found:
            click.echo("no merge conflicts here" if ref is None else f"{txt(ref)}: no merge conflict recorded")
        return
    summary, left = resolve_fields(pipe, ref, wanted)
    click.echo(f"{txt(ref)}: {txt(summary)}")
    if left:
        click.echo(f"{txt(ref)}: still to choose: {txt(', '.join(left))} (pipeline resolve {txt(ref)} KEY=ours|theirs)")


COMMANDS = (sync, resolve)
