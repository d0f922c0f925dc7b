"""`pipeline forecast`: open value, best case / weighted / committed, by the month (or quarter, owner,
source) each lead is expected to close (text from `render_forecast`, or JSON with --json)."""

from __future__ import annotations

import click

from pipeline_tui.cli.context import Ctx
from pipeline_tui.cli.options import json_option


@click.command()
@click.option("--by", "by", type=click.Choice(["month", "quarter", "owner", "source"]), default="month",
              show_default=True, help="Group by the month or quarter of the expected close, or by owner or source.")
@json_option('{"periods": [...], "total": {...}, "probabilities": {STAGE: {"p", "from"}}}.')
@click.pass_obj
def forecast(obj: Ctx, by: str, as_json: bool) -> None:
    """Open value weighted by each stage's learned chance of a win, by expected close month."""
    from pipeline_tui.cli import render, render_forecast
    from pipeline_tui.core.git.stage_history import stage_history
    from pipeline_tui.core.views.forecast import build_forecast

    pipe = obj.pipeline()
    result = build_forecast(pipe.leads(), pipe.playbook, stage_history(pipe.root), obj.today, by)
    if as_json:
        render.emit_json(result)
        return
    for line in render_forecast.forecast_lines(result, by):
        click.echo(line)


COMMANDS = (forecast,)
