"""`pipeline export`: every lead as CSV (one row per lead) or JSON, in a shape `pipeline import` reads
back into the same leads.

CSV columns: the id, then the known fields (nested ones dotted: `qualification.fit`, `next.due`), tags
joined by `;`, the log as JSON text, then every other key the files carry, in the order first seen.

A CSV is opened in spreadsheets and printed at terminals, and has no way to escape a character: a cell
holding a control, bidi or zero-width character (which `check` reports) is written with it made visible
(`\\x1b`), and the caller is told how many. JSON keeps them exactly, as `\\u` escapes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from pipeline_tui.core.lead import Lead, multiline_path
from pipeline_tui.core.safetext import json_text, unsafe_char, visible
from pipeline_tui.core.yamlio import plain_data

COLUMNS = ["id", "name", "company", "title", "email", "phone", "owner", "source", "source_detail", "origin",
           "stage", "horizon", "qualification.interest", "qualification.authority", "qualification.fit",
           "qualification.pain", "value", "created", "first_contact", "closed", "next.action", "next.due", "tags",
           "log"]
_NESTED = {"qualification", "next"}


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


def export_json(leads: list[Lead]) -> str:
    out = []
    for lead in leads:
        if lead.broken:
            continue
        out.append({"id": lead.id, **plain_data(lead.data)})
    return json_text(json.dumps(out, ensure_ascii=False, indent=2)) + "\n"


def export_csv(leads: list[Lead]) -> str:
    return export_csv_counted(leads)[0]


def export_csv_counted(leads: list[Lead]) -> tuple[str, int]:
    """The CSV text, and how many cells had characters made visible."""
    live = [x for x in leads if not x.broken]
    extra: list[str] = []
    for lead in live:
        for k in lead.data:
            if k not in extra and k not in _NESTED and k not in COLUMNS:
                extra.append(k)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    header = [str(h) for h in COLUMNS + extra]
    writer.writerow([visible(h) for h in header])
    free = [multiline_path(tuple(h.split("."))) for h in header]  # where line breaks belong
    escaped = 0
    for lead in live:
        d = lead.data
        row = []
        for col in COLUMNS + extra:
            if col == "id":
                row.append(lead.id)
            elif col == "tags":
                tags = d.get("tags")
                row.append(";".join(str(t) for t in tags) if isinstance(tags, list) else _cell(tags))
            elif "." in col:
                parent, child = col.split(".", 1)
                sub = d.get(parent)
                row.append(_cell(sub.get(child)) if isinstance(sub, dict) else "")
            else:
                row.append(_cell(d.get(col)))
        for i, cell in enumerate(row):
            if unsafe_char(cell, multiline=free[i]) is not None:
                row[i] = visible(cell, multiline=free[i])
                escaped += 1
        writer.writerow(row)
    return buf.getvalue(), escaped
