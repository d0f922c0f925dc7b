"""`pipeline export`: every lead as CSV (one row per lead) or JSON, in a shape `pipeline import` reads
back into the same leads.

CSV columns: the id, then the known fields (nested ones dotted: `qualification.fit`, `next.due`), tags
joined by `;`, the log as JSON text, then every other key the files carry, in the order first seen.

A CSV is opened in spreadsheets and printed at terminals, and has no way to escape a character: a cell
holding a control, bidi or zero-width character (which `check` reports) is written with it made visible
(`\\x1b`), and the caller is told how many. JSON keeps them exactly, as `\\u` escapes.

A lead file that cannot be exported as it is (`unexportable`: it does not parse, is not a regular file, is
too big, or still holds a merge's two versions) is never silently dropped: the caller refuses the export,
or leaves it out by request and names it. A lead that parses but has validation problems is exported as
it is.

`excel=True` (`pipeline export --excel`) writes the CSV for spreadsheets: UTF-8 with a BOM, rows ending
CRLF, and no cell a spreadsheet would run as a formula. Following OWASP's CSV injection guidance, every
cell starting with `=`, `+`, `-`, `@`, a tab or a CR gets a leading `'` (a spreadsheet's "this is text"
mark). That includes a plain negative number and a phone number like `+49 30 1234`: a "looks like a
number" exception would need Excel's idea of a number in every locale (`-1,5`, `-2%`, `-1E5`), which is
exactly where a formula slips through; `value` is never negative in a valid lead; and a spreadsheet may read
`+49 30 1234` as a formula anyway, so as text it shows as typed. A cell that already starts with `'`
gets one more, and the header's first cell is written `'id`, which marks the file: an importer that sees
`'id` as the first header cell (after the BOM) removes one leading `'` from every cell that has one, which
gives back exactly the cells of a plain export (`unmark_excel_cell`). Without `excel` the CSV is as it
always was, so `pipeline import` reads it back byte for byte.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipeline_tui.core.importing.rows import typed_cell  # how import reads a cell back: every cell asks it
from pipeline_tui.core.model.lead import Lead, multiline_path, refusal
from pipeline_tui.core.safetext import json_text, unsafe_char, visible
from pipeline_tui.core.yaml.reader import double_quoted, plain_data

if TYPE_CHECKING:
    from pipeline_tui.core.model.pipeline import Pipeline

COLUMNS = ["id", "name", "company", "title", "email", "phone", "owner", "source", "source_detail", "origin",
           "stage", "horizon", "qualification.interest", "qualification.authority", "qualification.fit",
           "qualification.pain", "value", "created", "first_contact", "closed", "next.action", "next.due", "tags",
           "log"]
_NESTED = {"qualification", "next"}

BOM = "\ufeff"
# A cell starting with one of these is run as a formula by Excel, LibreOffice or Google Sheets (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"  # a spreadsheet's "this cell is text" prefix
EXCEL_FIRST_HEADER = TEXT_MARK + "id"  # the first header cell of an --excel export: how an importer knows it


@dataclass(frozen=True)
class Unexportable:
    """A lead file left out of an export, where, and why."""

    path: str
    line: int | None
    reason: str

    def describe(self) -> str:
        """`leads/x.yaml (line 3: ...)`, one line, safe to print."""
        reason = visible(" ".join(self.reason.split()))
        return f"{visible(self.path)} ({f'line {self.line}: ' if self.line else ''}{reason})"


def unexportable(pipe: Pipeline, leads: list[Lead]) -> list[Unexportable]:
    """The leads an export cannot carry as they are: a file that does not parse (broken YAML, a FIFO or
    other non-regular file, too big, not a mapping) or that still holds a merge's two versions
    (`merge_conflicts:`, chosen with `pipeline resolve`). Validation problems of a lead that parses are
    not in this list: such a lead is exported as it is."""
    out = []
    for lead in leads:
        if lead.broken:
            line = next((k[0] for k, _, _ in lead.issues if k and isinstance(k[0], int)), None)
            out.append(Unexportable(lead.path, line, lead.broken))
        elif "merge_conflicts" in lead.data:  # (merge.RECORD_KEY) the two versions wait for a person
            msg = refusal(lead.id, lead.data["merge_conflicts"])
            line = next((p.line for p in pipe.problems_of(lead) if p.message == msg), None)
            out.append(Unexportable(lead.path, line, msg))
    return out


def excel_cell(cell: str) -> str:
    """A cell as --excel writes it: a leading `'` when a spreadsheet would run it as a formula, or when it
    already starts with `'` (so that removing one `'` on import always gives the cell back)."""
    return TEXT_MARK + cell if cell.startswith((*FORMULA_STARTS, TEXT_MARK)) else cell


def unmark_excel_cell(cell: str) -> str:
    """The inverse of `excel_cell`, for an importer reading a file whose first header cell is
    `EXCEL_FIRST_HEADER`: one leading `'` removed (apply it to every cell, header included, before any
    stripping of spaces)."""
    return cell[1:] if cell.startswith(TEXT_MARK) else cell


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(plain_data(value), ensure_ascii=False)
    return str(value)


_ABSENT = object()
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _own_cell(value: Any) -> str:
    """A cell `pipeline import` reads back as this very value. Absent is an empty cell, null is `null`; a
    text that would read as something else (`01067`, `true`, `2026-01-02`, `""`, padded, quoted) is
    written as a YAML double-quoted string; anything else as `_cell` writes it."""
    if value is _ABSENT:
        return ""
    if value is None:
        return "null"
    if isinstance(value, str):
        back = typed_cell(value)
        return value if value and type(back) is str and back == value else double_quoted(value)
    return _cell(value)


EXACT = "$yaml"  # the lead's data as YAML: what `pipeline import` takes when the rest of the row agrees with it


def same(a: Any, b: Any) -> bool:
    """Equal as data: the same types (1, 1.0 and true differ) and NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (a != a and b != b)
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def exact_text(data: dict) -> str:
    """The lead's data as YAML (types, nested keys and all), or "" when it cannot be written so."""
    from pipeline_tui.core.yaml import reader as yamlio
    from pipeline_tui.core.yaml.edit import render_mapping

    try:
        text = render_mapping(data)
        return text if same(yamlio.loads(text), data) else ""
    except Exception:  # noqa: BLE001 - the columns still carry the lead
        return ""


MARKS = ("id", "$text", EXACT)  # a JSON record's own keys: a lead's keys of these names live in its $yaml


def json_record(lead_id: str, data: dict) -> dict:
    """A lead as JSON export writes it (without its exact YAML): its id first, then its data."""
    record = {"id": lead_id, **{k: v for k, v in plain_data(data).items() if k not in MARKS}}
    texts = [k for k, v in data.items() if isinstance(v, str) and _ISO_DAY.match(v) and k not in MARKS]
    if texts:  # texts that only look like dates: pipeline import keeps them texts
        record["$text"] = texts
    return record


def export_json(leads: list[Lead]) -> str:
    out = []
    for lead in leads:
        if lead.broken:
            continue
        out.append({**json_record(lead.id, lead.data), EXACT: exact_text(lead.data)})
    return json_text(json.dumps(out, ensure_ascii=False, indent=2)) + "\n"


def csv_cells(lead_id: str, d: dict, columns: list) -> list[str]:
    """A lead's row of a CSV export, for these columns (the known ones, then keys of its own)."""
    row = []
    for col in columns:
        if col == "id":
            row.append(lead_id)
        elif col == "tags":
            tags = d.get("tags")
            row.append(";".join(str(t) for t in tags) if isinstance(tags, list) else _cell(tags))
        elif col in COLUMNS and "." in col:
            parent, child = col.split(".", 1)
            sub = d.get(parent)
            row.append(_own_cell(sub.get(child, _ABSENT)) if isinstance(sub, dict) else "")
        elif col == EXACT:
            row.append(exact_text(d))
        else:
            row.append(_own_cell(d.get(col, _ABSENT)))
    return row


def export_csv(leads: list[Lead], excel: bool = False) -> str:
    return export_csv_counted(leads, excel)[0]


def export_csv_counted(leads: list[Lead], excel: bool = False) -> tuple[str, int]:
    """The CSV text, and how many cells had characters made visible. `excel`: for spreadsheets (BOM, no
    cell a formula, the first header cell `'id`; see the module's docstring)."""
    live = [x for x in leads if not x.broken]
    extra: list[str] = []
    for lead in live:
        for k in lead.data:
            if k not in extra and k not in _NESTED and k not in COLUMNS and k != EXACT:
                extra.append(k)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    columns = COLUMNS + extra + [EXACT]
    header = [str(h) for h in columns]
    if excel:
        buf.write(BOM)
        writer.writerow([EXCEL_FIRST_HEADER] + [excel_cell(visible(h)) for h in header[1:]])
    else:
        writer.writerow([visible(h) for h in header])
    free = [h == EXACT or multiline_path(tuple(h.split("."))) for h in header]  # where line breaks belong
    escaped = 0
    for lead in live:
        row = csv_cells(lead.id, lead.data, columns)
        for i, cell in enumerate(row):
            if unsafe_char(cell, multiline=free[i]) is not None:
                row[i] = visible(cell, multiline=free[i])
                escaped += 1
        writer.writerow([excel_cell(c) for c in row] if excel else row)
    return buf.getvalue(), escaped
