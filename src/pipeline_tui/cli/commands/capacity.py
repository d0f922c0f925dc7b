"""`pipeline capacity [--weeks N] [--json]`: is follow-up keeping up? Per week and owner: leads in, first
contacts, qualification decisions, the uncontacted and unqualified backlogs, and the warnings
(`core.views.capacity` defines every figure)."""

from __future__ import annotations

import click

from pipeline_tui.cli import render
from pipeline_tui.cli.context import Ctx
from pipeline_tui.cli.options import json_option
from pipeline_tui.core.views.capacity import DEFAULT_WEEKS, MAX_WEEKS


@click.command()
@click.option("--weeks", type=click.IntRange(1, MAX_WEEKS), default=DEFAULT_WEEKS, show_default=True,
              help="How many ISO weeks to show, ending with this week.")
@json_option('{"weeks": [{"week", "owner", "in", "first_contacts", "decided", "waiting", "undecided"}], '
             '"warnings": [{"code", "text"}]}')
@click.pass_obj
def capacity(obj: Ctx, weeks: int, as_json: bool) -> None:
    """Is follow-up keeping up? Per week and owner: leads in, first contacts, decisions, backlog."""
    from pipeline_tui.cli.render_capacity import capacity_lines
    from pipeline_tui.core.git.stage_history import stage_history
    from pipeline_tui.core.views.capacity import build_capacity

    pipe = obj.pipeline()
    result = build_capacity(pipe.leads(), pipe.playbook, stage_history(pipe.root), obj.today, weeks)
    if as_json:
        render.emit_json(result)
        return
    for line in capacity_lines(result):
        click.echo(line)


COMMANDS = (capacity,)
