"""Commands that read and write nothing: list, show, log, check, agenda, mix, report (text from `render`,
or JSON with --json)."""

from __future__ import annotations

import datetime as dt
import sys

import click

from pipeline_tui.cli import completion as comp
from pipeline_tui.cli import render
from pipeline_tui.cli.context import Ctx
from pipeline_tui.cli.options import json_option, lead_id_argument
from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.safetext import show as txt


@click.command("list", context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1, shell_complete=comp.query_words)
@json_option("A JSON array of lead objects.")
@click.option("--sort", "sort_key", default="due", show_default=True, shell_complete=comp.sort_keys,
              help="due, name, company, source, stage, grade, owner, value, created.")
@click.option("--reverse", is_flag=True)
@click.pass_obj
def list_cmd(obj: Ctx, query: tuple[str, ...], as_json: bool, sort_key: str, reverse: bool) -> None:
    """Leads matching QUERY (words AND-ed: stage:qualified source:referral overdue due:<7d acme ...)."""
    from pipeline_tui.core.views.query import compile_predicates, narrow, sort_leads

    pipe = obj.pipeline()
    today = obj.today
    words = [w for q in query for w in (q.split() if " " in q and ":" in q else [q])]
    preds = compile_predicates(words, pipe.playbook, today)
    leads = pipe.leads()
    if any(w.lstrip("-").lower() == "rotting" for w in words):  # time in stage comes from git history
        from pipeline_tui.core.git.stage_history import attach, stage_history

        attach(leads, stage_history(pipe.root))
    broken = [lead for lead in leads if lead.broken]
    shown = sort_leads(narrow((lead for lead in leads if not lead.broken), preds), sort_key, pipe.playbook, reverse)
    if as_json:
        if sys.stdout.isatty():
            render.emit_json([lead.record() for lead in shown])
        else:  # each lead's JSON text comes from the cache: join, do not encode 10,000 objects again
            sys.stdout.write("[" + ",".join(lead.record_json() for lead in shown) + "]\n")
    else:
        render.print_table(shown, today)
        click.echo(f"{len(shown)} of {len(leads) - len(broken)} leads", err=True)
    if broken:  # schema problems are `check`'s job: validating every lead here would slow every list
        click.echo(f"pipeline: {len(broken)} lead file(s) cannot be read and are not listed; run `pipeline check`",
                   err=True)


@click.command()
@lead_id_argument
@json_option()
@click.pass_obj
def show(obj: Ctx, lead_id: str, as_json: bool) -> None:
    """One lead: every field, its grade, next action and log."""
    from pipeline_tui.core.yaml.reader import plain_data

    pipe = obj.pipeline()
    lead = pipe.read(lead_id)
    problems = pipe.problems_of(lead)
    if lead.broken:
        for p in problems:
            click.echo(txt(p), err=True)
        raise BadInput(f"cannot read lead {lead_id}: {lead.broken}", path=lead.path)
    if as_json:
        out = plain_data(lead.data)
        out.update(lead.record())
        out["problems"] = [p.as_json() for p in problems]
        render.emit_json(out)
        return
    from pipeline_tui.core.git.stage_history import attach, stage_history
    from pipeline_tui.core.views.report import outlook_lines

    hist = stage_history(pipe.root)
    attach([lead], hist)
    today = obj.today
    render.print_lead(lead, problems, today, outlook_lines(lead, pipe.leads(), pipe.playbook, today, hist))


@click.command("log")
@lead_id_argument
@json_option()
@click.pass_obj
def log_cmd(obj: Ctx, lead_id: str, as_json: bool) -> None:
    """The lead's history from git: commit, author, date, message, changed fields."""
    from pipeline_tui.core.git.history import lead_history

    pipe = obj.pipeline()
    entries = lead_history(pipe, lead_id)
    gone = not pipe.lead_path(lead_id).exists()
    if not entries and gone:
        raise BadInput(f"no lead {lead_id!r} (no file and no history)")
    if gone and not as_json:  # one line, and only when there is a past to show
        click.echo(f"pipeline: note: {txt(lead_id)} has no file now; showing its past", err=True)
    if as_json:
        render.emit_json([e.as_json() for e in entries])
        return
    render.print_history(entries)


@click.command()
@json_option()
@click.pass_obj
def check(obj: Ctx, as_json: bool) -> None:
    """Validate every file against the schema and the playbook; exit 1 on problems."""
    from pipeline_tui.core.views.checks import check_pipeline

    pipe = obj.pipeline()
    problems = check_pipeline(pipe, today=obj.today)
    errors = [p for p in problems if p.severity == "error"]
    if as_json:
        render.emit_json({"problems": [p.as_json() for p in problems], "errors": len(errors),
                          "warnings": len(problems) - len(errors)})
    else:
        render.print_check(pipe, problems)
    if errors:
        sys.exit(1)


@click.command()
@json_option()
@click.pass_obj
def agenda(obj: Ctx, as_json: bool) -> None:
    """Today's work: uncontacted requests, overdue, due today, this week, open leads with no next action."""
    from pipeline_tui.core.git.stage_history import stage_history
    from pipeline_tui.core.views.agenda import age_days, build_agenda, waiting_hours

    pipe = obj.pipeline()
    today = obj.today
    sections = build_agenda(pipe.leads(), pipe.playbook, today)
    hist = stage_history(pipe.root) if sections[0].leads else None
    now = dt.datetime.combine(today, dt.datetime.now().time())
    if as_json:
        render.emit_json({"sections": [
            {"name": s.name, "leads": [
                {**lead.record(), "age_days": age_days(lead, today),
                 **({"waiting_hours": _round(waiting_hours(lead, hist, now))} if i == 0 else {})}
                for lead in s.leads]}
            for i, s in enumerate(sections)
        ]})
        return
    render.print_agenda(sections, pipe.playbook, today, hist, now)


def _round(x):  # noqa: ANN001, ANN202
    return None if x is None else round(x, 1)


@click.command()
@json_option()
@click.pass_obj
def mix(obj: Ctx, as_json: bool) -> None:
    """The source mix of open leads by group, origin and owner, and its warnings."""
    from pipeline_tui.core.views.mix import compute_mix

    pipe = obj.pipeline()
    result = compute_mix(pipe.leads(), pipe.playbook, obj.today)
    if as_json:
        render.emit_json(result.as_json())
        return
    render.print_mix(result)


@click.command()
@json_option()
@click.pass_obj
def report(obj: Ctx, as_json: bool) -> None:
    """What the pipeline teaches, by source: win rate, cycle, response time, qualified rate; the funnel."""
    from pipeline_tui.core.git.stage_history import stage_history
    from pipeline_tui.core.views.report import build_report

    pipe = obj.pipeline()
    result = build_report(pipe.leads(), pipe.playbook, stage_history(pipe.root))
    if as_json:
        render.emit_json(result)
        return
    for line in render.report_lines(result):
        click.echo(line)


COMMANDS = (list_cmd, show, log_cmd, check, agenda, mix, report)
