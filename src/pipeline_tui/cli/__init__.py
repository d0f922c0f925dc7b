"""The `pipeline` command line: the fixed CLI contract of SPEC section 4 over the headless core.

Exit codes: 0 success; 1 `check` found problems; 2 bad usage or bad input (one line on stderr,
nothing written); 3 the repository is not usable. Heavy imports (git, Textual) happen only in the
commands that need them.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from pipeline_tui.cli import completion as comp
from pipeline_tui.core.errors import BadInput, PipelineError, RepoUnusable
from pipeline_tui.core.safetext import json_text, visible
from pipeline_tui.core.safetext import show as txt

# Every piece of data printed goes through `txt`/`visible` (escape codes, bidi overrides and other
# controls in a lead, a file name, a commit message or a CSV cell are printed as `\x1b`, never sent to the
# terminal); JSON goes through `json_text`. Only the program's own strings carry styles.


def _today() -> dt.date:
    forced = os.environ.get("PIPELINE_TODAY")
    if forced:
        try:
            return dt.date.fromisoformat(forced)
        except ValueError:
            raise BadInput(f"PIPELINE_TODAY={forced!r} is not an ISO date") from None
    return dt.date.today()


class Ctx:
    def __init__(self, path: str | None):
        self.explicit = path

    def pipeline(self, create_default: bool = True):  # noqa: ANN201
        from pipeline_tui.core.model.pipeline import Pipeline, default_pipeline_dir, find_pipeline

        root = find_pipeline(self.explicit)
        if root is None:
            root = default_pipeline_dir()
            if not (root / "pipeline.yaml").is_file():
                if not create_default:
                    raise RepoUnusable("no pipeline here; run `pipeline init PATH` or `pipeline demo`")
                from pipeline_tui.core.changes.ops import init_pipeline

                init_pipeline(root)
                click.echo(f"pipeline: created your pipeline at {txt(root)}", err=True)
        pipe = Pipeline.open(root)
        from pipeline_tui.core.git.repo import check_ownership

        check_ownership(pipe.root)  # git's safe.directory refusal, once, before any command reads git
        from pipeline_tui.core.storage.pending import recover_before_reading

        recover_before_reading(pipe.root)  # an import, undo or sync killed half way: put back first
        return pipe


def _emit_json(data) -> None:  # noqa: ANN001
    """JSON on stdout: indented for a person at a terminal; compact (the C encoder, ~10x faster on
    thousands of leads) when a program reads it."""
    import json

    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json_text(json.dumps(data, ensure_ascii=False, indent=indent, default=str)))
    sys.stdout.write("\n")


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
        _run_tui(ctx.obj.pipeline().root)


def _run_tui(root: Path) -> None:
    served = os.environ.get("TEXTUAL_DRIVER") == "textual.drivers.web_driver:WebDriver"  # by `pipeline serve`
    if not sys.stdout.isatty() and not served and not os.environ.get("PIPELINE_FORCE_TUI"):
        raise BadInput("the terminal UI needs a terminal; use a command (pipeline list, pipeline --help)")
    from pipeline_tui.ui.app import make_app

    make_app(root, today=_today() if os.environ.get("PIPELINE_TODAY") else None).run()


# --- init / demo ----------------------------------------------------------------------------------

@cli.command()
@click.argument("path", required=False, type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Make a pipeline in a folder that already holds other files.")
@click.pass_obj
def init(obj: Ctx, path: str | None, force: bool) -> None:
    """Create a new pipeline at PATH (default: the current folder), which must be empty (but for a .git)
    unless --force."""
    from pipeline_tui.core.changes.ops import init_pipeline

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


@cli.command()
@click.argument("path", required=False, type=click.Path(file_okay=False))
@click.option("--no-tui", is_flag=True, help="Build the demo and stop (do not open the UI).")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed for the demo's random parts.")
def demo(path: str | None, no_tui: bool, seed: int) -> None:
    """Build a demo pipeline with realistic leads and months of history, then open it."""
    from pipeline_tui.core.changes.demo import build_demo, default_demo_dir

    target = Path(path) if path else default_demo_dir()
    if (target / "pipeline.yaml").is_file():
        click.echo(f"pipeline: {txt(target)} already holds a pipeline; opening it", err=True)
    else:
        pipe = build_demo(target, today=_today(), seed=seed)
        click.echo(f"demo pipeline at {txt(pipe.root)}")
    if not no_tui:
        _run_tui(target.resolve())


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; any other than a loopback one lets others reach the pipeline.")
@click.option("--port", type=int, default=8000, show_default=True, help="The port to listen on (1-65535).")
@click.pass_obj
def serve(obj: Ctx, host: str, port: int) -> None:
    """Open the terminal UI in a web browser: serves it on http://HOST:PORT until Ctrl+C."""
    from pipeline_tui.ui.serve import serve_pipeline

    serve_pipeline(lambda: obj.pipeline().root, host=host, port=port)


# --- add / set ------------------------------------------------------------------------------------

@cli.command()
@click.argument("name")
@click.option("--source", "-s", required=True, shell_complete=comp.sources, help="A source of the playbook (referral, inbound-web, ...).")
@click.option("--company", "-c")
@click.option("--email", "-e")
@click.option("--stage", shell_complete=comp.stages)
@click.option("--horizon", type=click.Choice(["short", "long"]))
@click.option("--owner", "-o", shell_complete=comp.owners)
@click.option("--value", "-v")
@click.option("--tag", "-t", "tags", multiple=True, help="A tag (repeat for more).")
@click.option("--next", "next_action", metavar="TEXT", help="The next action.")
@click.option("--due", metavar="DATE", help="When: today, tomorrow, +3d, mon, or 2026-11-25.")
@click.pass_obj
def add(obj: Ctx, name: str, source: str, company, email, stage, horizon, owner, value, tags, next_action, due) -> None:  # noqa: ANN001
    """Add a lead; prints its id."""
    from pipeline_tui.core.changes.ops import add_lead, find_duplicates

    pipe = obj.pipeline()
    dups = find_duplicates(pipe, name, company, email)
    change = add_lead(pipe, name, source, company=company, email=email, stage=stage, horizon=horizon, owner=owner,
                      value=value, tags=list(tags), next_action=next_action, due=due, today=_today())
    for d in dups:
        click.echo(f"pipeline: warning: {change.lead_id} looks like a duplicate of {txt(d)}", err=True)
    click.echo(change.lead_id)


@cli.command("set")
@click.argument("lead_id", metavar="ID", shell_complete=comp.lead_ids)
@click.argument("assignments", nargs=-1, required=True, metavar="KEY=VALUE...", shell_complete=comp.assignments)
@click.option("--new-key", "new_keys", is_flag=True,
              help="Allow keys of your own this lead does not have yet (without it an unknown key is refused as a "
                   "typo; custom_keys: in pipeline.yaml lists keys allowed always).")
@click.pass_obj
def set_cmd(obj: Ctx, lead_id: str, assignments: tuple[str, ...], new_keys: bool) -> None:
    """Change fields: stage=proposal next.due=+3d qualification.fit=strong tags+=q4 owner= (empty removes)."""
    from pipeline_tui.core.changes.ops import set_fields

    change = set_fields(obj.pipeline(), lead_id, list(assignments), today=_today(), new_keys=new_keys)
    if change.commit is None:
        click.echo(f"{lead_id}: nothing changed")
    else:
        click.echo(f"{lead_id}: {txt(change.summary)}")


@cli.command("note", hidden=False)
@click.argument("lead_id", metavar="ID", shell_complete=comp.lead_ids)
@click.argument("text", required=False, default="")
@click.option("--kind", "-k", default="note", show_default=True, shell_complete=comp.activity_kinds,
              help="call, email, meeting or note (or a kind the playbook's activity_kinds: adds).")
@click.pass_obj
def note_cmd(obj: Ctx, lead_id: str, text: str, kind: str) -> None:
    """Log an activity on a lead (the first call or email records first_contact)."""
    from pipeline_tui.core.changes.ops import log_activity

    change = log_activity(obj.pipeline(), lead_id, kind, text, today=_today())
    click.echo(f"{lead_id}: {txt(change.summary)}")


@cli.command("done")
@click.argument("lead_id", metavar="ID", shell_complete=comp.lead_ids)
@click.argument("text", required=False, default="")
@click.option("--kind", "-k", default="note", show_default=True, shell_complete=comp.activity_kinds, help="What it was: call, email, meeting, note.")
@click.option("--next", "next_action", metavar="TEXT", help="The next action (default: the playbook's cadence).")
@click.option("--due", metavar="DATE", help="When (default: the cadence's interval from today).")
@click.pass_obj
def done_cmd(obj: Ctx, lead_id: str, text: str, kind: str, next_action: str | None, due: str | None) -> None:
    """Mark the next action done and plan the next one (the horizon's cadence proposes it)."""
    from pipeline_tui.core.changes.ops import complete_next

    change = complete_next(obj.pipeline(), lead_id, text, kind, next_action, due, today=_today())
    click.echo(f"{lead_id}: {txt(change.summary)}")


@cli.command()
@click.pass_obj
def undo(obj: Ctx) -> None:
    """Revert your last change made with the tool in this pipeline (as a new commit)."""
    from pipeline_tui.core.changes.ops import undo_last

    change = undo_last(obj.pipeline())
    click.echo(txt(change.summary))


@cli.command("rm")
@click.argument("lead_id", metavar="ID", shell_complete=comp.lead_ids)
@click.pass_obj
def rm_cmd(obj: Ctx, lead_id: str) -> None:
    """Delete a lead (one commit; pipeline undo brings it back)."""
    from pipeline_tui.core.changes.ops import remove_lead

    change = remove_lead(obj.pipeline(), lead_id)
    click.echo(f"{lead_id}: {txt(change.summary)}")


@cli.command()
@click.pass_obj
def redo(obj: Ctx) -> None:
    """Redo what the last undo reverted (before any new change)."""
    from pipeline_tui.core.changes.ops import redo_last

    change = redo_last(obj.pipeline())
    click.echo(txt(change.summary))


# --- reading --------------------------------------------------------------------------------------

def _due_style(state: str) -> dict:
    return {"overdue": {"fg": "red", "bold": True}, "today": {"fg": "green", "bold": True},
            "later": {"fg": "bright_black"}, "none": {"fg": "yellow"}}.get(state, {})


def _cut(text: str, width: int) -> str:
    text = visible(text)
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def print_table(leads, today: dt.date) -> None:  # noqa: ANN001
    """A table sized to the terminal; ids are never cut (they are what people copy)."""
    import shutil

    width = shutil.get_terminal_size((120, 24)).columns
    id_w = max([len(lead.id) for lead in leads] + [2])
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
        cells = [lead.qualification_label, lead.id, lead.name, lead.company, lead.source, lead.stage, due,
                 lead.next_action or "", lead.owner]
        parts = []
        for (name, w), cell in zip(cols, cells, strict=True):
            text = _cut(str(cell), w).ljust(w)
            if name == "DUE":
                text = click.style(text, **_due_style(state))
            parts.append(text)
        click.echo("  ".join(parts).rstrip())


@cli.command("list", context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1, shell_complete=comp.query_words)
@click.option("--json", "as_json", is_flag=True, help="A JSON array of lead objects.")
@click.option("--sort", "sort_key", default="due", show_default=True, shell_complete=comp.sort_keys,
              help="due, name, company, source, stage, grade, owner, value, created.")
@click.option("--reverse", is_flag=True)
@click.pass_obj
def list_cmd(obj: Ctx, query: tuple[str, ...], as_json: bool, sort_key: str, reverse: bool) -> None:
    """Leads matching QUERY (words AND-ed: stage:qualified source:referral overdue due:<7d acme ...)."""
    from pipeline_tui.core.views.query import compile_predicates, narrow, sort_leads

    pipe = obj.pipeline()
    today = _today()
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
            _emit_json([lead.summary() for lead in shown])
        else:  # each lead's JSON text comes from the cache: join, do not encode 10,000 objects again
            sys.stdout.write("[" + ",".join(lead.summary_json() for lead in shown) + "]\n")
    else:
        print_table(shown, today)
        click.echo(f"{len(shown)} of {len(leads) - len(broken)} leads", err=True)
    if broken:  # schema problems are `check`'s job: validating every lead here would slow every list
        click.echo(f"pipeline: {len(broken)} lead file(s) cannot be read and are not listed; run `pipeline check`",
                   err=True)


@cli.command()
@click.argument("lead_id", metavar="ID", shell_complete=comp.lead_ids)
@click.option("--json", "as_json", is_flag=True)
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
        out.update(lead.summary())
        out["problems"] = [p.as_json() for p in problems]
        _emit_json(out)
        return
    from pipeline_tui.core.git.stage_history import attach, stage_history
    from pipeline_tui.core.views.report import outlook_lines

    hist = stage_history(pipe.root)
    attach([lead], hist)
    today = _today()
    _print_lead(lead, problems, today, outlook_lines(lead, pipe.leads(), pipe.playbook, today, hist))


def _print_lead(lead, problems, today: dt.date, outlook=()) -> None:  # noqa: ANN001
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
        ("closed", d.get("closed")), ("tags", ", ".join(lead.tags)),
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
        click.echo(f"  {'next':<14}{txt(lead.next_action)} — " + click.style(f"{due} ({state})", **_due_style(state)))
    elif lead.is_open:
        click.echo(f"  {'next':<14}" + click.style("none — plan one: pipeline set ID next.action=... next.due=+3d", fg="yellow"))
    for label, text, severity in outlook:
        click.echo(f"  {label:<14}" + (click.style(txt(text), fg="yellow") if severity else txt(text)))
    import json

    from pipeline_tui.core.model.lead import KNOWN_KEYS

    extra = {k: v for k, v in d.items() if k not in KNOWN_KEYS}
    for k, v in extra.items():
        shown = json.dumps(plain_data(v), ensure_ascii=False) if isinstance(v, (dict, list)) else plain_data(v)
        click.echo(f"  {txt(k):<14}{txt(shown)}")
    log = d.get("log")
    if isinstance(log, list) and log:
        click.echo(click.style("log", bold=True))
        for e in log:
            if isinstance(e, dict):
                click.echo(f"  {txt(plain_data(e.get('date')))}  {txt(e.get('kind', '')):<8} "
                           f"{txt(e.get('text', '') or '', multiline=True)}".rstrip())
    for p in problems:
        click.echo(click.style(txt(p), fg="red" if p.severity == "error" else "yellow"))


@cli.command("log")
@click.argument("lead_id", metavar="ID", shell_complete=comp.lead_ids)
@click.option("--json", "as_json", is_flag=True)
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
        _emit_json([e.as_json() for e in entries])
        return
    for e in entries:
        click.echo(f"{click.style(txt(e.commit[:8]), fg='yellow')}  {txt(e.date[:16].replace('T', ' '))}  "
                   f"{txt(e.author):<14} {txt(e.message)}")
        if e.changed:
            click.echo(click.style(f"          changed: {', '.join(txt(c) for c in e.changed)}", fg="bright_black"))


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def check(obj: Ctx, as_json: bool) -> None:
    """Validate every file against the schema and the playbook; exit 1 on problems."""
    from pipeline_tui.core.views.checks import check_pipeline

    pipe = obj.pipeline()
    problems = check_pipeline(pipe, today=_today())
    errors = [p for p in problems if p.severity == "error"]
    if as_json:
        _emit_json({"problems": [p.as_json() for p in problems], "errors": len(errors),
                    "warnings": len(problems) - len(errors)})
    else:
        for p in problems:
            click.echo(txt(p))
        click.echo(f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s) in {len(pipe.lead_ids())} lead files",
                   err=True)
    if errors:
        sys.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def agenda(obj: Ctx, as_json: bool) -> None:
    """Today's work: uncontacted requests, overdue, due today, this week, open leads with no next action."""
    from pipeline_tui.core.git.stage_history import stage_history
    from pipeline_tui.core.views.agenda import age_days, build_agenda, wait_words, waiting_hours

    pipe = obj.pipeline()
    today = _today()
    sections = build_agenda(pipe.leads(), pipe.playbook, today)
    hist = stage_history(pipe.root) if sections[0].leads else None
    now = dt.datetime.combine(today, dt.datetime.now().time())
    if as_json:
        _emit_json({"sections": [
            {"name": s.name, "leads": [
                {**lead.summary(), "age_days": age_days(lead, today),
                 **({"waiting_hours": _round(waiting_hours(lead, hist, now))} if i == 0 else {})}
                for lead in s.leads]}
            for i, s in enumerate(sections)
        ]})
        return
    for i, s in enumerate(sections):
        click.echo(click.style(f"{s.name} ({len(s.leads)})", bold=True))
        if i == 0:
            limit = float(pipe.playbook.follow_up.get("first_contact_hours", 24))
            for lead in s.leads:
                hours = waiting_hours(lead, hist, now)
                age = wait_words(hours)
                late = hours is not None and hours > limit
                click.echo(click.style(f"  waiting {age:>5}", fg="red" if late else "green", bold=late)
                           + f"  {_cut(lead.name, 20):<20} {_cut(lead.company, 18):<18} {txt(lead.source):<12} "
                           f"{txt(lead.email)}  {txt(lead.id)}")
        elif s.leads:
            print_table(s.leads, today)
        click.echo()


def _round(x):  # noqa: ANN001, ANN202
    return None if x is None else round(x, 1)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def mix(obj: Ctx, as_json: bool) -> None:
    """The source mix of open leads by group, origin and owner, and its warnings."""
    from pipeline_tui.core.views.mix import compute_mix

    pipe = obj.pipeline()
    result = compute_mix(pipe.leads(), pipe.playbook, _today())
    if as_json:
        _emit_json(result.as_json())
        return
    for title, table in (("group", result.groups), ("origin", result.origins), ("owner", result.owners)):
        click.echo(click.style(f"open leads by {title}", bold=True))
        for name, share in table.items():
            bar = "#" * round(share["share"] * 30)
            click.echo(f"  {txt(name):<16} {share['open']:>6}  {share['share']:>5.0%}  {bar}")
    click.echo(click.style("warnings", bold=True))
    if not result.warnings:
        click.echo(f"  {result.no_warnings_text()}")
    for w in result.warnings:
        click.echo(click.style(f"  {w.code}: {txt(w.message)}", fg="yellow"))
        click.echo(f"    {txt(w.advice)}")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def report(obj: Ctx, as_json: bool) -> None:
    """What the pipeline teaches, by source: win rate, cycle, response time, qualified rate; the funnel."""
    from pipeline_tui.core.git.stage_history import stage_history
    from pipeline_tui.core.views.report import build_report

    pipe = obj.pipeline()
    result = build_report(pipe.leads(), pipe.playbook, stage_history(pipe.root))
    if as_json:
        _emit_json(result)
        return
    for line in report_lines(result):
        click.echo(line)


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
        line = (f"  {txt(name):<14} {f.get('group') or '':<16} {f.get('origin') or '':<7} {f['leads']:>6} "
                f"{_pct(f['qualified_rate']):>5} {f['won']:>5} {f['lost']:>5} {_pct(f['win_rate']):>5} "
                f"{_num(f['median_cycle_days'], 'd'):>7} {_num(f['median_first_contact_hours'], 'h'):>11}   {expected}")
        out.append(click.style(line, bold=True) if name == "all" else line)
    out += ["", click.style("funnel (leads that ever reached each stage)", bold=True)]
    rows = result["funnel"]
    top = max((r["reached"] for r in rows), default=0) or 1
    prev = None
    for r in rows:
        conv = "ended" if r["lost"] else f"{r['reached'] / prev:>5.0%}" if prev else "     "
        out.append(f"  {txt(r['stage']):<14} {r['reached']:>6} {conv}  now {r['now']:<6} {'#' * round(r['reached'] / top * 30)}")
        prev = r["reached"] if r["reached"] and not r["lost"] else prev
    out += ["", click.style("qualifiers (leads per answer, share sales-qualified)", bold=True)]
    for crit, table in result["qualifiers"].items():
        cells = [f"{a} {t['leads']} ({_pct(t['qualified_rate'])})" for a, t in table.items() if t["leads"]]
        out.append(f"  {crit:<10} " + txt(", ".join(cells)))
    return out


@cli.command()
@click.option("--resolve", "resolutions", multiple=True, metavar="ID.KEY=ours|theirs",
              help="For a field changed differently here and on the remote: keep ours or take theirs. "
                   "ID=... applies to every such field of a lead, all=... to every one. Repeatable.")
@click.option("--commit", "commit_edits", is_flag=True, help="Commit hand-edited files first (they must parse).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def sync(obj: Ctx, resolutions: tuple[str, ...], commit_edits: bool, as_json: bool) -> None:
    """Fetch, merge field by field, push. Stops (exit 3) on a field changed differently on both sides."""
    from pipeline_tui.core.git.sync import SyncConflict, parse_resolutions
    from pipeline_tui.core.git.sync import sync as run_sync

    resolve = parse_resolutions(resolutions)
    try:
        result = run_sync(obj.pipeline(create_default=False), resolve=resolve, commit_edits=commit_edits)
    except SyncConflict as exc:
        if as_json:
            _emit_json({"conflicts": exc.conflicts, "remote": exc.remote})
        for line in exc.lines():
            click.echo(f"pipeline: {txt(line)}", err=True)
        raise
    if as_json:
        _emit_json(result.as_json())
        return
    for line in result.summary():
        click.echo(txt(line))


@cli.command()
@click.argument("ref", metavar="[ID]", required=False, shell_complete=comp.lead_ids)
@click.argument("choices", nargs=-1, metavar="[KEY=ours|theirs ...]")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def resolve(obj: Ctx, ref: str | None, choices: tuple[str, ...], as_json: bool) -> None:
    """Choose between the two versions a merge kept of a field (after a plain git pull or rebase).

    With no ID: every file holding them. With an ID: its conflicts. With choices (owner=theirs,
    next.due=ours, all=theirs): applied and committed (undoable). A file git wrote conflict markers
    into is merged field by field first."""
    from pipeline_tui.core.git import resolve as res
    from pipeline_tui.core.yaml.reader import plain_data

    pipe = obj.pipeline()
    wanted: dict[str, str] = {}
    for item in choices:
        key, sep, side = item.partition("=")
        side = side.strip().lower()
        if not sep or not key.strip() or side not in res.SIDES:
            raise BadInput(f"{item!r}: write KEY=ours or KEY=theirs (or all=ours, all=theirs)")
        wanted["*" if key.strip() in ("all", "*") else key.strip()] = side
    if ref is None or (not wanted and not res.has_markers_in(pipe, ref)):
        found = res.pending(pipe, ref)
        if as_json:
            _emit_json([{"ref": p.ref, "path": p.path, "markers": p.markers,
                         "conflicts": {k: {s: plain_data(v) for s, v in item.items()} for k, item in p.record.items()}}
                        for p in found])
            return
        for p in found:
            for line in p.lines():
                click.echo(txt(line))
        if not found:
            click.echo("no merge conflicts here" if ref is None else f"{txt(ref)}: no merge conflict recorded")
        return
    summary, left = res.resolve(pipe, ref, wanted)
    click.echo(f"{txt(ref)}: {txt(summary)}")
    if left:
        click.echo(f"{txt(ref)}: still to choose: {txt(', '.join(left))} (pipeline resolve {txt(ref)} KEY=ours|theirs)")


@cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show the mapping and what each row would become; write nothing.")
@click.option("--duplicates", type=click.Choice(["skip", "merge"]), default="skip", show_default=True,
              help="A row matching a lead (same email, or same name and company): skip it, or fill in the "
                   "lead's empty fields from it.")
@click.option("--mapping", "mapping_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A YAML file: columns:, sources:, stages:, owners:, defaults: (see README).")
@click.option("--map-column", multiple=True, metavar="'CSV COLUMN=field'", help="Repeatable.")
@click.option("--map-source", multiple=True, metavar="'CRM VALUE=source'", help="Repeatable.")
@click.option("--map-stage", multiple=True, metavar="'CRM STATUS=stage'", help="Repeatable.")
@click.option("--map-owner", multiple=True, metavar="'CRM OWNER=member'", help="Repeatable.")
@click.option("--default-source", shell_complete=comp.sources, help="For rows whose source cell is empty (an unknown value is reported, "
              "never replaced: map it with --map-source).")
@click.option("--default-owner", shell_complete=comp.owners, help="For rows whose owner cell is empty, or names someone not on the team.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def import_cmd(obj: Ctx, file: Path, dry_run: bool, duplicates: str, mapping_file: Path | None, map_column,
               map_source, map_stage, map_owner, default_source, default_owner, as_json: bool) -> None:  # noqa: ANN001
    """Import leads from a CSV (CRM or spreadsheet export) or a JSON export, as one commit."""
    from pipeline_tui.core.importing.importer import Mapping, apply_import, plan_import

    pipe = obj.pipeline()
    mapping = Mapping.load(mapping_file)
    mapping.add_flags(map_column, map_source, map_stage, map_owner)
    mapping.default_source = default_source or mapping.default_source
    mapping.default_owner = default_owner or mapping.default_owner
    today = _today()
    plan = plan_import(pipe, file, mapping, duplicates, today)
    commit, new_ids, merged = (None, [], []) if dry_run else apply_import(pipe, plan, today)
    if as_json:
        _emit_json({**plan.as_json(), "dry_run": dry_run, "commit": commit, "created": new_ids, "merged_ids": merged})
    else:
        for line in import_lines(plan, dry_run, commit):
            click.echo(line)
    for r in plan.rows:
        if r.status == "error":
            click.echo(f"pipeline: {txt(file)}: row {r.row}: {txt(r.reason)}", err=True)
        elif r.dropped and r.status in ("new", "merge"):
            click.echo(f"pipeline: {txt(file)}: row {r.row}: imported; not used (kept under extra:): "
                       f"{txt('; '.join(r.dropped))}", err=True)
    if plan.count("error") and not any(r.status in ("new", "merge", "duplicate") for r in plan.rows):
        sys.exit(2)  # not one row could be read: bad input


def import_lines(plan, dry_run: bool, commit: str | None) -> list[str]:  # noqa: ANN001
    """The preview (and outcome) of an import, as text."""
    out = [click.style(f"{txt(plan.path)}: {plan.encoding}, {plan.delimiter}-separated, {len(plan.rows)} row(s)",
                       bold=True), click.style("columns", bold=True)]
    for header, key in plan.columns.items():
        out.append(f"  {txt(header):<28} -> {txt(key)}")
    if plan.kept:
        out.append(f"  kept under extra: {', '.join(txt(h) for h in plan.kept)}  (a field: --map-column "
                   "'COLUMN=field'; left out: --map-column 'COLUMN=')")
    if plan.ignored:
        out.append(f"  left out (your word): {', '.join(txt(h) for h in plan.ignored)}")
    for title, table in (("sources", plan.source_values), ("stages", plan.stage_values)):
        if table:
            out.append(click.style(title, bold=True))
            for value, (target, n) in table.items():
                out.append(f"  {txt(value):<28} -> {txt(target)}  ({n} row(s))")
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


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="A file (default: stdout).")
@click.option("--skip-broken", is_flag=True,
              help="Export the other leads when some lead files cannot be read (broken YAML, not a regular file, "
                   "too big, a merge's two versions not yet chosen), naming on stderr each file left out. "
                   "Without it such a file stops the export (exit 2, nothing written).")
@click.option("--excel", is_flag=True,
              help="CSV for spreadsheets: UTF-8 with a BOM, CRLF line ends, and every cell that starts with = + - @ "
                   "a tab or a CR written with a leading ' (a spreadsheet's mark for text), "
                   "as OWASP advises against CSV injection: a plain -2 or a phone +49 30 1234 too, so they read as "
                   "text. A cell already starting with ' gets one more, and the first header cell is 'id, which "
                   "tells pipeline import to take one ' off each cell. CSV only.")
@click.pass_obj
def export_cmd(obj: Ctx, fmt: str, output: Path | None, skip_broken: bool, excel: bool) -> None:
    """Every lead's fields as CSV (one row per lead) or JSON; pipeline import reads them back.

    A lead file that cannot be read (pipeline check shows it with its line) stops the export unless
    --skip-broken is given; a lead with validation problems is exported as it is. Plain CSV is meant for
    programs and pipeline import; use --excel for a file to open in a spreadsheet."""
    from pipeline_tui.core.importing.export import export_csv_counted, export_json, unexportable

    if excel and fmt != "csv":
        raise click.UsageError("--excel is for CSV; JSON is never read as formulas (drop --excel or --format json)",
                               ctx=click.get_current_context())
    pipe = obj.pipeline()
    leads = sorted(pipe.leads(), key=lambda x: x.id)
    left_out = unexportable(pipe, leads)
    if left_out and not skip_broken:
        shown = ", ".join(x.describe() for x in left_out[:3])
        more = f" and {len(left_out) - 3} more" if len(left_out) > 3 else ""
        raise BadInput(f"cannot export: {len(left_out)} lead file(s) cannot be exported as they are: {shown}{more}; "
                       "fix them (pipeline check shows each with its line) or pass --skip-broken to export the "
                       "others; nothing was written")
    skipped = {x.path for x in left_out}
    good = [x for x in leads if x.path not in skipped]
    text, escaped = export_csv_counted(good, excel=excel) if fmt == "csv" else (export_json(good), 0)
    if escaped:
        click.echo(f"pipeline: warning: {escaped} cell(s) held control, bidi or zero-width characters, written "
                   "visibly as \\x1b-style escapes (pipeline check lists them; --format json keeps them exactly)",
                   err=True)
    count = f"exported {len(good)} of {len(leads)} leads" if left_out else f"exported {len(good)} lead(s)"
    why = f"; left out {', '.join(x.describe() for x in left_out)}" if left_out else ""
    if output is None:
        if excel:  # exact bytes: the BOM and CRLF as written, whatever the platform does to text
            sys.stdout.flush()
            sys.stdout.buffer.write(text.encode("utf-8"))
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(text)
        if left_out:
            sys.stdout.flush()
            click.echo(count + why, err=True)
        return
    if output.is_symlink():
        raise BadInput(f"{txt(output)} is a symbolic link; not replacing it: give the file it points to, or "
                       "another name")
    if output.exists() and not output.is_file():
        raise BadInput(f"{txt(output)} is not a regular file (a FIFO, a device, a folder); not replacing it")
    if output.absolute().parent.resolve() == pipe.leads_dir.resolve():
        raise BadInput(f"{txt(output)} is inside the pipeline's leads folder, where it would be read as a lead")
    if not output.parent.is_dir():
        raise BadInput(f"cannot write {txt(output)}: the folder {txt(output.parent)} does not exist")
    from pipeline_tui.core.model.pipeline import atomic_write

    try:
        atomic_write(output, text.encode("utf-8"))
    except OSError as exc:
        raise BadInput(f"cannot write {txt(output)}: {exc.strerror or exc}") from None
    click.echo(f"{count} to {txt(output)}{why}", err=True)


@cli.command("completion")
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


@cli.command("merge-driver", hidden=True)
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


if __name__ == "__main__":
    main()
