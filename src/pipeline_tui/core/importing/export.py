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
import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline_tui.core.importing.cells import (
    COLUMNS,
    EXACT,
    EXCEL_FIRST_HEADER,
    NESTED,
    csv_cells,
    exact_text,
    excel_cell,
    json_record,
)
from pipeline_tui.core.model.lead import Lead
from pipeline_tui.core.model.rules import multiline_path, refusal
from pipeline_tui.core.safetext import json_text, unsafe_char, visible

if TYPE_CHECKING:
    from pipeline_tui.core.model.pipeline import Pipeline


BOM = "\ufeff"


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
            line = next((k[0] for k, _, _ in lead.problems if k and isinstance(k[0], int)), None)
            out.append(Unexportable(lead.path, line, lead.broken))
        elif "merge_conflicts" in lead.data:  # (merge.RECORD_KEY) the two versions wait for a person
            msg = refusal(lead.id, lead.data["merge_conflicts"])
            line = next((p.line for p in pipe.problems_of(lead) if p.message == msg), None)
            out.append(Unexportable(lead.path, line, msg))
    return out


def export_json(leads: list[Lead]) -> str:
    out = []
    for lead in leads:
        if lead.broken:
            continue
        out.append({**json_record(lead.id, lead.data), EXACT: exact_text(lead.data)})
    return json_text(json.dumps(out, ensure_ascii=False, indent=2)) + "\n"


def export_csv(leads: list[Lead], excel: bool = False) -> str:
    return export_csv_counted(leads, excel)[0]


def export_csv_counted(leads: list[Lead], excel: bool = False) -> tuple[str, int]:
    """The CSV text, and how many cells had characters made visible. `excel`: for spreadsheets (BOM, no
    cell a formula, the first header cell `'id`; see the module's docstring)."""
    live = [x for x in leads if not x.broken]
    extra: list[str] = []
    for lead in live:
        for k in lead.data:
            if k not in extra and k not in NESTED and k not in COLUMNS and k != EXACT:
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
