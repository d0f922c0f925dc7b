"""Commands that change leads, one commit each: add, set, note, done, rm, and undo/redo of the last change."""

from __future__ import annotations

import click

from pipeline_tui.cli import completion as comp
from pipeline_tui.cli.context import Ctx
from pipeline_tui.cli.options import lead_id_argument
from pipeline_tui.core.safetext import show as txt


@click.command()
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
    from pipeline_tui.core.changes.leads import add_lead, find_duplicates

    pipe = obj.pipeline()
    dups = find_duplicates(pipe, name, company, email)
    change = add_lead(pipe, name, source, company=company, email=email, stage=stage, horizon=horizon, owner=owner,
                      value=value, tags=list(tags), next_action=next_action, due=due, today=obj.today)
    for d in dups:
        click.echo(f"pipeline: warning: {change.lead_id} looks like a duplicate of {txt(d)}", err=True)
    click.echo(change.lead_id)


@click.command("set")
@lead_id_argument
@click.argument("assignments", nargs=-1, required=True, metavar="KEY=VALUE...", shell_complete=comp.assignments)
@click.option("--new-key", "new_keys", is_flag=True,
              help="Allow keys of your own this lead does not have yet (without it an unknown key is refused as a "
                   "typo; custom_keys: in pipeline.yaml lists keys allowed always).")
@click.pass_obj
def set_cmd(obj: Ctx, lead_id: str, assignments: tuple[str, ...], new_keys: bool) -> None:
    """Change fields: stage=proposal next.due=+3d qualification.fit=strong tags+=q4 owner= (empty removes)."""
    from pipeline_tui.core.changes.leads import set_fields

    change = set_fields(obj.pipeline(), lead_id, list(assignments), today=obj.today, new_keys=new_keys)
    if change.commit is None:
        click.echo(f"{lead_id}: nothing changed")
    else:
        click.echo(f"{lead_id}: {txt(change.description)}")


@click.command("note", hidden=False)
@lead_id_argument
@click.argument("text", required=False, default="")
@click.option("--kind", "-k", default="note", show_default=True, shell_complete=comp.activity_kinds,
              help="call, email, meeting or note (or a kind the playbook's activity_kinds: adds).")
@click.pass_obj
def note_cmd(obj: Ctx, lead_id: str, text: str, kind: str) -> None:
    """Log an activity on a lead (the first call or email records first_contact)."""
    from pipeline_tui.core.changes.activities import log_activity

    change = log_activity(obj.pipeline(), lead_id, kind, text, today=obj.today)
    click.echo(f"{lead_id}: {txt(change.description)}")


@click.command("done")
@lead_id_argument
@click.argument("text", required=False, default="")
@click.option("--kind", "-k", default="note", show_default=True, shell_complete=comp.activity_kinds, help="What it was: call, email, meeting, note.")
@click.option("--next", "next_action", metavar="TEXT", help="The next action (default: the playbook's cadence).")
@click.option("--due", metavar="DATE", help="When (default: the cadence's interval from today).")
@click.pass_obj
def done_cmd(obj: Ctx, lead_id: str, text: str, kind: str, next_action: str | None, due: str | None) -> None:
    """Mark the next action done and plan the next one (the horizon's cadence proposes it)."""
    from pipeline_tui.core.changes.activities import complete_next

    change = complete_next(obj.pipeline(), lead_id, text, kind, next_action, due, today=obj.today)
    click.echo(f"{lead_id}: {txt(change.description)}")


@click.command("rm")
@lead_id_argument
@click.pass_obj
def rm_cmd(obj: Ctx, lead_id: str) -> None:
    """Delete a lead (one commit; pipeline undo brings it back)."""
    from pipeline_tui.core.changes.leads import remove_lead

    change = remove_lead(obj.pipeline(), lead_id)
    click.echo(f"{lead_id}: {txt(change.description)}")


@click.command()
@click.pass_obj
def undo(obj: Ctx) -> None:
    """Revert your last change made with the tool in this pipeline (as a new commit)."""
    from pipeline_tui.core.changes.undo import undo_last

    change = undo_last(obj.pipeline())
    click.echo(txt(change.description))


@click.command()
@click.pass_obj
def redo(obj: Ctx) -> None:
    """Redo what the last undo reverted (before any new change)."""
    from pipeline_tui.core.changes.undo import redo_last

    change = redo_last(obj.pipeline())
    click.echo(txt(change.description))


COMMANDS = (add, set_cmd, note_cmd, done_cmd, rm_cmd, undo, redo)
