"""`pipeline costs`: spend, leads, sales-qualified leads, wins and their value per source over a period of
months, with the cost per lead, per sales-qualified lead and per win, and the return (text from
`render_costs`, or JSON with --json). Definitions: `core.views.costs`."""

from __future__ import annotations

import click

from pipeline_tui.cli import render, render_costs
from pipeline_tui.cli.context import Ctx
from pipeline_tui.cli.options import json_option
from pipeline_tui.core.errors import BadInput


@click.command()
@click.option("--from", "start", metavar="YYYY-MM", help="First month of the period (default: the earliest).")
@click.option("--to", "end", metavar="YYYY-MM", help="Last month of the period, included (default: the latest).")
@json_option('{"period": {"from", "to"}, "sources": [...], "total": {...}, "warnings": [...]}.')
@click.pass_obj
def costs(obj: Ctx, start: str | None, end: str | None, as_json: bool) -> None:
    """What each source cost and brought: spend (the playbook's `spend:`), leads, sales-qualified, won, won
    value, cost per lead / sales-qualified lead / win, and return (won value over spend)."""
    from pipeline_tui.core.views.costs import build_costs, parse_period

    try:
        period = parse_period(start, end)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    pipe = obj.pipeline()
    result = build_costs(pipe.leads(), pipe.playbook, period)
    if as_json:
        render.emit_json(result)
        return
    for line in render_costs.costs_lines(result):
        click.echo(line)
    if any(p.message.startswith("spend") for p in pipe.playbook.problems):
        click.echo("pipeline: some spend entries of pipeline.yaml are ignored; run `pipeline check`", err=True)


COMMANDS = (costs,)
