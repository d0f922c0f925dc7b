"""Commands that move leads in and out of a pipeline: import (CSV or JSON, one commit) and export (CSV or
JSON; --excel for spreadsheets)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline_tui.cli import completion as comp
from pipeline_tui.cli import render
from pipeline_tui.cli.context import Ctx
from pipeline_tui.cli.options import json_option
from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.safetext import show as txt


@click.command("import")
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
@json_option()
@click.pass_obj
def import_cmd(obj: Ctx, file: Path, dry_run: bool, duplicates: str, mapping_file: Path | None, map_column,
               map_source, map_stage, map_owner, default_source, default_owner, as_json: bool) -> None:  # noqa: ANN001
    """Import leads from a CSV (CRM or spreadsheet export) or a JSON export, as one commit."""
    from pipeline_tui.core.importing.importer import apply_import, plan_import
    from pipeline_tui.core.importing.plan import Mapping

    pipe = obj.pipeline()
    mapping = Mapping.load(mapping_file)
    mapping.add_flags(map_column, map_source, map_stage, map_owner)
    mapping.default_source = default_source or mapping.default_source
    mapping.default_owner = default_owner or mapping.default_owner
    today = obj.today
    plan = plan_import(pipe, file, mapping, duplicates, today)
    commit, new_ids, merged = (None, [], []) if dry_run else apply_import(pipe, plan, today)
    if as_json:
        render.emit_json({**plan.as_json(), "dry_run": dry_run, "commit": commit, "created": new_ids, "merged_ids": merged})
    else:
        for line in render.import_lines(plan, dry_run, commit):
            click.echo(line)
    for r in plan.rows:
        if r.status == "error":
            click.echo(f"pipeline: {txt(file)}: row {r.row}: {txt(r.reason)}", err=True)
        elif r.dropped and r.status in ("new", "merge"):
            click.echo(f"pipeline: {txt(file)}: row {r.row}: imported; not used (kept under extra:): "
                       f"{txt('; '.join(r.dropped))}", err=True)
    if plan.count("error") and not any(r.status in ("new", "merge", "duplicate") for r in plan.rows):
        sys.exit(2)  # not one row could be read: bad input


@click.command("export")
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


COMMANDS = (import_cmd, export_cmd)
