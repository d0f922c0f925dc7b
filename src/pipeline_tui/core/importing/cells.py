"""Our export's cells, written and read back: the columns, a value as a cell and a cell as a value, the
`$yaml` cell that carries a lead exactly, JSON records, and a spreadsheet's text mark on cells that would run as
formulas."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from pipeline_tui.core.yaml.reader import double_quoted, plain_data

COLUMNS = ["id", "name", "company", "title", "email", "phone", "owner", "source", "source_detail", "origin",
           "stage", "horizon", "qualification.interest", "qualification.authority", "qualification.fit",
           "qualification.pain", "value", "created", "first_contact", "closed", "next.action", "next.due", "tags",
           "log"]


NESTED = {"qualification", "next"}


# A cell starting with one of these is run as a formula by Excel, LibreOffice or Google Sheets (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


TEXT_MARK = "'"  # a spreadsheet's "this cell is text" prefix


EXCEL_FIRST_HEADER = TEXT_MARK + "id"  # the first header cell of an --excel export: how an importer knows it


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


def revive(value: Any) -> Any:
    """Dates inside JSON (which has none) back to dates, as an unquoted date in YAML is one."""
    if isinstance(value, str) and _ISO_DAY.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return [revive(v) for v in value]
    if isinstance(value, dict):
        return {k: revive(v) for k, v in value.items()}
    return value


def typed_cell(text: str) -> Any:
    """A cell of our own export: JSON for lists and mappings, else a YAML scalar (`null` is None; a
    double-quoted string is that string)."""
    from pipeline_tui.core.errors import YamlProblem
    from pipeline_tui.core.yaml import reader as yamlio

    if text[:1] in "[{":
        try:
            return revive(json.loads(text))
        except ValueError:
            return text
    try:
        value = yamlio.loads("v: " + yamlio.double_quoted(text) if text != text.strip() else "v: " + text)
    except YamlProblem:
        return text
    v = value.get("v") if isinstance(value, dict) else None
    if v is None and text.strip() in ("null", "~", "Null", "NULL"):
        return None
    return v if isinstance(v, (str, int, float, bool, dt.date)) and not isinstance(v, dt.datetime) else text
