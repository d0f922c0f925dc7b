"""`pipeline import`: leads from a CRM or spreadsheet export (CSV), or from `pipeline export` (CSV, JSON).

Reading is `import_table`'s; what columns and values mean is `import_crm`'s; cells are read by
`import_values`. This module decides every row and writes the good ones.

A row becomes a new lead, a duplicate (the same CRM id, email, or name and company folded: case, accents,
punctuation and company suffixes do not count) that is skipped or merged, bad (with every reason it has),
or skipped as not data (a totals row, a footer). No cell is lost: a cell that cannot be used where its
column says (an amount `TBD`, an address `nora@blakeflorist`, an owner not on the team) is dropped from
its field, said, and kept under `extra:` with every column the tool has no field for. Nothing is
invented: a won or lost row without a close date has none. Applying writes the new and merged rows as one
commit (`undo` reverts it); if anything fails half way, every file is put back as it was.

Our own export (CSV with the `id` and `next.action` columns, or JSON) is read as it was written: every
column is the key it names, cells are values as they are, and its ids are the leads' ids.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.importing.crm import (
    COLUMN_NAMES,
    SOURCE_VALUES,
    STAGE_VALUES,
)
from pipeline_tui.core.importing.plan import Mapping, Plan, RowResult, map_columns
from pipeline_tui.core.importing.table import Table, norm, read_table
from pipeline_tui.core.importing.values import parse_when  # noqa: F401 - part of this module's API
from pipeline_tui.core.model.pipeline import Pipeline

__all__ = ["COLUMN_NAMES", "SOURCE_VALUES", "STAGE_VALUES", "apply_import",
           "norm", "parse_when", "plan_import"]


def plan_import(pipe: Pipeline, path: Path, mapping: Mapping | None = None, duplicates: str = "skip",
                today: dt.date | None = None) -> Plan:
    """Read and map the file; decide every row. Writes nothing."""
    from pipeline_tui.core.importing.duplicates import mark_duplicates
    from pipeline_tui.core.importing.exact import exact_rows
    from pipeline_tui.core.importing.rows import RowReader

    today = today or dt.date.today()
    mapping = mapping or Mapping()
    if duplicates not in ("skip", "merge"):
        raise BadInput("--duplicates is skip or merge")
    path = Path(path)
    plan = Plan(str(path), duplicates=duplicates)
    table: Table | None = None
    raw_records = None
    if path.suffix.lower() == ".json":
        raw_records = _read_json(path)
        records = [(n, _flatten(_text_marks(rec))) for n, rec in raw_records]
        plan.encoding, plan.delimiter, plan.own_format = "UTF-8", "JSON", True
        plan.columns = {h: h for h in sorted({k for _, rec in records for k in rec})}
        typed_rows = [(n, rec, True) for n, rec in records]
    else:
        table = read_table(path)
        plan.own_format = bool(table.header) and table.header[0] == "id" and "next.action" in table.header
        if plan.own_format:  # our own export: as written (cells unstripped, every column its key)
            from pipeline_tui.core.importing.cells import EXACT, typed_cell

            table = read_table(path, strip=False)
            plan.columns = {h: h for h in table.header if h and h != EXACT}
            typed_rows = [(n, {h: c if h in ("id", "tags") else typed_cell(c)  # an empty cell: absent
                               for h, c in zip(table.header, cells, strict=False) if h in plan.columns and c != ""},
                           True) for n, cells in table.rows]
        else:
            plan.columns, plan.ignored, plan.kept = map_columns(table.header, mapping)
            typed_rows = [(n, {h: cells[i] for i, h in enumerate(table.header) if h and h not in plan.ignored},
                           False) for n, cells in table.rows]
        plan.encoding, plan.delimiter = table.encoding, table.delimiter
        plan.notes.extend(table.notes)
    from pipeline_tui.core.importing.cells import EXACT

    exact = exact_rows(table if plan.own_format else None, raw_records)
    reader = RowReader(pipe, plan, mapping, typed_rows, table, today)
    rows = [reader.row(number, rec, typed) if number not in exact else _exact_row(pipe, number, *exact[number])
            for number, rec, typed in typed_rows]
    edited = [(n, cols) for n, (_, _, cols) in exact.items() if cols]
    carries_exact = (table is not None and plan.own_format and EXACT in table.header) or any(
        isinstance(rec, dict) and EXACT in rec for _, rec in raw_records or ())
    if carries_exact:
        plan.notes.append(f"{len(exact) - len(edited)} row(s) of our own export read exactly from their {EXACT} cell"
                          + (f"; {len(typed_rows) - len(exact)} edited since, read from their cells"
                             if len(exact) < len(typed_rows) else ""))
        plan.notes.extend(f"row {n}: edited since the export: {', '.join(cols)} (the rest as exported)"
                          for n, cols in edited)
    if table is not None:
        rows += [RowResult(n, "error", why) for n, why in table.bad]
        rows += [RowResult(n, "skipped", why) for n, why in table.skipped]
    rows.sort(key=lambda r: r.row)
    mark_duplicates(pipe, plan, rows, today)
    plan.rows = rows
    plan.notes.extend(reader.notes())
    return plan


def _exact_row(pipe: Pipeline, number: int, lead_id: str, data: dict, edited: list[str]) -> RowResult:
    from pipeline_tui.core.importing.fields import unwritable
    from pipeline_tui.core.model.rules import valid_id

    problems, text = unwritable(data, lead_id, pipe.playbook)
    if not valid_id(lead_id):
        problems.append(f"id {lead_id!r} is not a valid id")
    if problems:
        return RowResult(number, "error", "; ".join(problems))
    return RowResult(number, "new", data=data, lead_id=lead_id, text=text)


def _read_json(path: Path) -> list[tuple[int, dict]]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadInput(f"not readable as JSON: {str(exc)[:200]}", path=str(path)) from None
    if isinstance(data, dict) and isinstance(data.get("leads"), list):
        data = data["leads"]
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise BadInput("a JSON import is a list of lead objects (as `pipeline export --format json` writes)",
                       path=str(path))
    return list(enumerate(data, start=1))


TEXT_MARK = "$text"  # in a JSON lead of our export: the keys whose texts only look like dates


def _text_marks(rec: dict) -> dict:
    """A JSON lead with the dates revived, except under the keys its `$text` names (texts like 2026-01-02)."""
    from pipeline_tui.core.importing.cells import EXACT, revive

    keep = rec.get(TEXT_MARK) if isinstance(rec.get(TEXT_MARK), list) else []
    return {k: v if k in keep else revive(v) for k, v in rec.items() if k not in (TEXT_MARK, EXACT)}


def _flatten(rec: dict) -> dict:
    """A JSON lead's known nested fields as the dotted columns a CSV has (`next.due`)."""
    out = {}
    for k, v in rec.items():
        if k in ("next", "qualification") and isinstance(v, dict):
            for sub, sv in v.items():
                out[f"{k}.{sub}"] = sv
        else:
            out[k] = v
    return out


def apply_import(pipe: Pipeline, plan: Plan, today: dt.date | None = None) -> tuple[str | None, list[str], list[str]]:
    """Write the new and merged rows and commit them as one commit. (commit, new ids, merged ids)."""
    from pipeline_tui.core import faults
    from pipeline_tui.core.changes.change import update_text_ops
    from pipeline_tui.core.git import pending
    from pipeline_tui.core.git.repo import GitRepo
    from pipeline_tui.core.importing.duplicates import merge_ops
    from pipeline_tui.core.importing.fields import unwritable
    from pipeline_tui.core.model.lead import new_id
    from pipeline_tui.core.storage.files import atomic_write

    today = today or dt.date.today()
    todo = [r for r in plan.rows if r.status in ("new", "merge")]
    if not todo:
        return None, [], []
    repo = GitRepo(pipe.root)
    repo.require_identity()
    writes: dict[Path, bytes] = {}  # every file the import writes, worked out before the first is written
    new_paths: list[Path] = []
    new_ids: list[str] = []
    merged: list[str] = []
    shared = repo.shared_mode()
    with repo.write_lock():
        taken: set[str] = set()
        for r in todo:
            if r.status == "new":
                lead_id = r.lead_id if r.lead_id and r.lead_id not in taken and not (
                    pipe.leads_dir / f"{r.lead_id}.yaml").exists() else new_id(
                    r.data["name"], r.data.get("company"),
                    exists=lambda i: i in taken or (pipe.leads_dir / f"{i}.yaml").exists())
                text = r.text  # written and read back as the data when planned
                if not text:  # a row another row of the file merged into since: planned again
                    problems, text = unwritable(r.data, lead_id, pipe.playbook)
                    if problems:
                        raise BadInput(f"row {r.row}: {'; '.join(problems)}")
                path = pipe.lead_path(lead_id)
                writes[path] = text.encode("utf-8")
                new_paths.append(path)
                taken.add(lead_id)
                r.lead_id = lead_id
                new_ids.append(lead_id)
            else:
                lead, raw = pipe.read_raw(r.lead_id)
                new_bytes = update_text_ops(pipe, lead, raw, merge_ops(lead.data, r.data, plan, r.row, today))
                if new_bytes is not None:
                    writes[pipe.lead_path(r.lead_id)] = new_bytes
                    merged.append(r.lead_id)
        if not writes:
            return None, [], []
        name = Path(plan.path).name
        message = f"import {name}: {len(new_ids)} new" + (f", {len(merged)} merged" if merged else "")
        # all or nothing, even under kill -9: a journal names every file first (core.git.pending)
        with pending.guarded(repo, "import", dict(writes)):
            pipe.refuse_links()
            for path, data in writes.items():
                atomic_write(path, data, shared)
                faults.point("import-writing")
            sha = repo.commit(list(writes), message, "import", new_paths=new_paths)
    return sha, new_ids, merged

