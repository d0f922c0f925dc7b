"""Everything the CLI prints: JSON on stdout, and the text views (the lead table, one lead, a lead's log,
check, agenda, mix, report, an import's preview), measured in terminal cells so wide characters line up.

Every piece of data printed goes through `txt`/`visible` (escape codes, bidi overrides and other controls
in a lead, a file name, a commit message or a CSV cell are printed as `\\x1b`, never sent to the
terminal); JSON goes through `json_text`. Only the program's own strings carry styles.
"""

from __future__ import annotations

import datetime as dt
import sys

import click

from pipeline_tui.cells import cells, fit, pad
from pipeline_tui.core.safetext import json_text
from pipeline_tui.core.safetext import show as txt


def emit_json(data) -> None:  # noqa: ANN001
    """JSON on stdout: indented for a person at a terminal; compact (the C encoder, ~10x faster on
    thousands of leads) when a program reads it."""
    import json

    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json_text(json.dumps(data, ensure_ascii=False, indent=indent, default=str)))
    sys.stdout.write("\n")


def due_style(state: str) -> dict:
    return {"overdue": {"fg": "red", "bold": True}, "today": {"fg": "green", "bold": True},
            "later": {"fg": "bright_black"}, "none": {"fg": "yellow"}}.get(state, {})


# --- leads ------------------------------------------------------------------------------------------

def print_table(leads, today: dt.date) -> None:  # noqa: ANN001
    """A table sized to the terminal; ids are never cut (they are what people copy)."""
    import shutil

    width = shutil.get_terminal_size((120, 24)).columns
    id_w = max([cells(lead.id) for lead in leads] + [2])
    cols = [("GRADE", 5), ("ID", id_w), ("NAME", 18), ("COMPANY", 16), ("SOURCE", 11), ("STAGE", 11),
            ("DUE", 10), ("NEXT", 20), ("OWNER", 8)]
    fixed = sum(w for _, w in cols) + 2 * (len(cols) - 1)
    if width > fixed:
        cols[7] = ("NEXT", 20 + min(30, width - fixed))
    header = "  ".join(name.ljust(w) for name, w in cols)
    click.echo(click.style(header.rstrip(), bold=True))
    for lead in leads:
        state = lead.due_state(today)
        due = lead.next_due.isoformat() if lead.next_due else ("-" if lead.closed else "none")
        row = [lead.qualification_label, lead.id, lead.name, lead.company, lead.source, lead.stage, due,
               lead.next_action or "", lead.owner]
        parts = []
        for (name, w), cell in zip(cols, row, strict=True):
            text = fit(str(cell), w)
            if name == "DUE":
                text = click.style(text, **due_style(state))
            parts.append(text)
        click.echo("  ".join(parts).rstrip())


def print_lead(lead, problems, today: dt.date, outlook=()) -> None:  # noqa: ANN001
    """`pipeline show`: every field, the grade, the next action, the outlook, the log and the problems."""
    import json

    from pipeline_tui.core.model.rules import KNOWN_KEYS
    from pipeline_tui.core.yaml.reader import plain_data

    d = lead.data
    title = txt(lead.name) + (f" — {txt(lead.company)}" if lead.company else "")
    click.echo(click.style(title, bold=True) + click.style(f"  ({txt(lead.id)})", fg="bright_black"))
    rows = [
        ("title", d.get("title")), ("email", d.get("email")), ("phone", d.get("phone")), ("owner", lead.owner),
        ("source", f"{lead.source} ({lead.group}, {lead.origin}-generated)" + (f" — {txt(d['source_detail'])}" if d.get("source_detail") else "")),
        ("stage", lead.stage), ("horizon", lead.horizon),
        ("grade", f"{lead.grade} ({'sales-qualified' if lead.sales_qualified else 'marketing-qualified: nurture'})"),
        ("value", lead.value), ("created", d.get("created")), ("first contact", d.get("first_contact")),
        ("closed", d.get("closed")), ("expected close", d.get("expected_close")), ("tags", ", ".join(lead.tags)),
    ]
    for k, v in rows:
        if v not in (None, ""):
            click.echo(f"  {k:<14}{txt(plain_data(v))}")
    q = d.get("qualification")
    if isinstance(q, dict):
        click.echo("  qualification " + ", ".join(f"{txt(k)}: {txt(v)}" for k, v in q.items() if k != "pain"))
        if q.get("pain"):
            click.echo(f"  {'pain':<14}{txt(q['pain'])}")
    state = lead.due_state(today)
    if lead.next_action or lead.next_due:
        due = lead.next_due.isoformat() if lead.next_due else "no date"
        click.echo(f"  {'next':<14}{txt(lead.next_action)} — " + click.style(f"{due} ({state})", **due_style(state)))
    elif lead.is_open:
        click.echo(f"  {'next':<14}" + click.style("none — plan one: pipeline set ID next.action=... next.due=+3d", fg="yellow"))
    for label, text, severity in outlook:
        click.echo(f"  {label:<14}" + (click.style(txt(text), fg="yellow") if severity else txt(text)))
    extra = {k: v for k, v in d.items() if k not in KNOWN_KEYS}
    for k, v in extra.items():
        shown = json.dumps(plain_data(v), ensure_ascii=False) if isinstance(v, (dict, list)) else plain_data(v)
        click.echo(f"  {pad(txt(k), 14)}{txt(shown)}")
    log = d.get("log")
    if isinstance(log, list) and log:
        click.echo(click.style("log", bold=True))
        for e in log:
            if isinstance(e, dict):
                click.echo(f"  {txt(plain_data(e.get('date')))}  {pad(txt(e.get('kind', '')), 8)} "
                           f"{txt(e.get('text', '') or '', multiline=True)}".rstrip())
    for p in problems:
        click.echo(click.style(txt(p), fg="red" if p.severity == "error" else "yellow"))


def print_history(entries) -> None:  # noqa: ANN001
    """`pipeline log`: a lead's commits, newest first, with the fields each changed."""
    for e in entries:
        click.echo(f"{click.style(txt(e.commit[:8]), fg='yellow')}  {txt(e.date[:16].replace('T', ' '))}  "
                   f"{pad(txt(e.author), 14)} {txt(e.message)}")
        if e.changed:
            click.echo(click.style(f"          changed: {', '.join(txt(c) for c in e.changed)}", fg="bright_black"))


# --- the pipeline's views ----------------------------------------------------------------------------

def print_check(pipe, problems) -> None:  # noqa: ANN001
    """`pipeline check`: each problem on stdout, the count on stderr."""
    errors = sum(p.severity == "error" for p in problems)
    for p in problems:
        click.echo(txt(p))
    click.echo(f"{errors} error(s), {len(problems) - errors} warning(s) in {len(pipe.lead_ids())} lead files", err=True)


def print_agenda(sections, playbook, today: dt.date, hist, now: dt.datetime) -> None:  # noqa: ANN001
    """`pipeline agenda`: the uncontacted requests with how long each has waited, then a table a section."""
    from pipeline_tui.core.views.agenda import wait_words, waiting_hours

    for i, s in enumerate(sections):
        click.echo(click.style(f"{s.name} ({len(s.leads)})", bold=True))
        if i == 0:
            limit = float(playbook.follow_up.get("first_contact_hours", 24))
            for lead in s.leads:
                hours = waiting_hours(lead, hist, now)
                age = wait_words(hours)
                late = hours is not None and hours > limit
                click.echo(click.style(f"  waiting {age:>5}", fg="red" if late else "green", bold=late)
                           + f"  {fit(lead.name, 20)} {fit(lead.company, 18)} {pad(txt(lead.source), 12)} "
                           f"{txt(lead.email)}  {txt(lead.id)}")
        elif s.leads:
            print_table(s.leads, today)
        click.echo()


def print_mix(result) -> None:  # noqa: ANN001
    """`pipeline mix`: open leads by group, origin and owner as bars, then the warnings with advice."""
    for title, table in (("group", result.groups), ("origin", result.origins), ("owner", result.owners)):
        click.echo(click.style(f"open leads by {title}", bold=True))
        for name, share in table.items():
            bar = "#" * round(share["share"] * 30)
            click.echo(f"  {pad(txt(name), 16)} {share['open']:>6}  {share['share']:>5.0%}  {bar}")
    click.echo(click.style("warnings", bold=True))
    if not result.warnings:
        click.echo(f"  {result.no_warnings_text()}")
    for w in result.warnings:
        click.echo(click.style(f"  {w.code}: {txt(w.message)}", fg="yellow"))
        click.echo(f"    {txt(w.advice)}")


def report_lines(result: dict) -> list[str]:
    """The report as text: the sources table, the funnel, and the qualifiers."""
    from pipeline_tui.core.views.report import fmt_num as _num
    from pipeline_tui.core.views.report import fmt_pct as _pct

    out = [click.style("by source", bold=True),
           f"  {'source':<14} {'group':<16} {'origin':<7} {'leads':>6} {'SQL':>5} {'won':>5} {'lost':>5} {'win':>5} "
           f"{'cycle':>7} {'1st contact':>11}   expected close, cycle"]
    for name, f in [*result["sources"].items(), ("all", result["totals"])]:
        exp = f.get("expected")
        expected = ""
        if exp:
            expected = f"{_pct(exp['close_rate'])}, {_num(exp['cycle_days'], 'd')} ({exp['basis']}"
            expected += ")" if exp["basis"] == "learned" else f", {exp['closed']}/{exp['learn_after_closed']} closed)"
        line = (f"  {pad(txt(name), 14)} {pad(str(f.get('group') or ''), 16)} {pad(str(f.get('origin') or ''), 7)} "
                f"{f['leads']:>6} "
                f"{_pct(f['qualified_rate']):>5} {f['won']:>5} {f['lost']:>5} {_pct(f['win_rate']):>5} "
                f"{_num(f['median_cycle_days'], 'd'):>7} {_num(f['median_first_contact_hours'], 'h'):>11}   {expected}")
        out.append(click.style(line, bold=True) if name == "all" else line)
    out += ["", click.style("funnel (leads that ever reached each stage)", bold=True)]
    rows = result["funnel"]
    top = max((r["reached"] for r in rows), default=0) or 1
    prev = None
    for r in rows:
        conv = "ended" if r["lost"] else f"{r['reached'] / prev:>5.0%}" if prev else "     "
        out.append(f"  {pad(txt(r['stage']), 14)} {r['reached']:>6} {conv}  now {r['now']:<6} {'#' * round(r['reached'] / top * 30)}")
        prev = r["reached"] if r["reached"] and not r["lost"] else prev
    out += ["", click.style("qualifiers (leads per answer, share sales-qualified)", bold=True)]
    for crit, table in result["qualifiers"].items():
        answers = [f"{a} {t['leads']} ({_pct(t['qualified_rate'])})" for a, t in table.items() if t["leads"]]
        out.append(f"  {crit:<10} " + txt(", ".join(answers)))
    return out


# --- import -------------------------------------------------------------------------------------------

def import_lines(plan, dry_run: bool, commit: str | None) -> list[str]:  # noqa: ANN001
    """The preview (and outcome) of an import, as text."""
    out = [click.style(f"{txt(plan.path)}: {plan.encoding}, {plan.delimiter}-separated, {len(plan.rows)} row(s)",
                       bold=True), click.style("columns", bold=True)]
    for header, key in plan.columns.items():
        out.append(f"  {pad(txt(header), 28)} -> {txt(key)}")
    if plan.kept:
        out.append(f"  kept under extra: {', '.join(txt(h) for h in plan.kept)}  (a field: --map-column "
                   "'COLUMN=field'; left out: --map-column 'COLUMN=')")
    if plan.ignored:
        out.append(f"  left out (your word): {', '.join(txt(h) for h in plan.ignored)}")
    for title, table in (("sources", plan.source_values), ("stages", plan.stage_values)):
        if table:
            out.append(click.style(title, bold=True))
            for value, (target, n) in table.items():
                out.append(f"  {pad(txt(value), 28)} -> {txt(target)}  ({n} row(s))")
    for note in plan.notes:
        out.append(click.style(f"note: {txt(note)}", fg="bright_black"))
    out.append(click.style("rows", bold=True))
    for r in plan.rows:  # every row, the new ones too: junk shows before it is imported
        if r.status == "error":
            continue  # said once, with its reasons, on stderr
        color = {"new": "green", "error": "red", "duplicate": "yellow", "merge": "cyan", "skipped": "bright_black"}[
            r.status]
        what = r.reason
        if r.status == "new":
            name = r.data.get("name", "")
            what = f"{name} ({r.data.get('company')})" if r.data.get("company") else str(name)
            what += f" as {r.data.get('stage') or 'the first stage'}, {r.data.get('source')}"
            if r.dropped:
                what += "; not used (kept under extra:): " + "; ".join(r.dropped)
        out.append(click.style(f"  row {r.row}: {r.status}: {txt(what)}", fg=color))
    verb = "would import" if dry_run else "imported"
    summary = (f"{verb} {plan.count('new')} new lead(s); {plan.count('merge')} merged, "
               f"{plan.count('duplicate')} duplicate(s) skipped, {plan.count('error')} bad row(s) (on stderr), "
               f"{plan.count('skipped')} row(s) not data")
    if dry_run:
        summary += " (dry run: nothing written)"
    elif commit:
        summary += f"; one commit {commit[:8]} (pipeline undo reverts it)"
    out.append(click.style(summary, bold=True))
    return out
