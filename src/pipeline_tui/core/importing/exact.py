"""Rows that carry a lead exactly (our export's `$yaml` cell or a JSON record): the lead's data as it was,
with any cell a person edited in the spreadsheet laid over it."""

from __future__ import annotations

import json
from typing import Any

from pipeline_tui.core.importing.cells import typed_cell
from pipeline_tui.core.importing.table import Table


def exact_rows(table: Table | None, records: list | None) -> dict[int, tuple[str, dict, list[str]]]:
    """Rows of our own export that carry the lead's data as YAML (`$yaml`): row -> (id, data, the columns
    edited since). A row whose other cells still say exactly what that data says is that data, types,
    nested keys and all. In a CSV whose row was edited in a spreadsheet, the edited cells are laid over
    that data and the rest stays as exported (a cell nobody touched is never re-read). A JSON record
    edited since, or a row whose $yaml is not the export's own, is read from its cells."""
    from pipeline_tui.core.importing.cells import EXACT, csv_cells, exact_text, json_record, same

    out: dict[int, tuple[str, dict, list[str]]] = {}
    if table is not None and EXACT in table.header and "id" in table.header:
        at, id_at = table.header.index(EXACT), table.header.index("id")
        for n, cells in table.rows:
            data = _exact_data(cells[at] if at < len(cells) else "")
            if data is None or exact_text(data) != cells[at]:
                continue
            columns = [_key_for(h, data) for h in table.header]
            exported = csv_cells(cells[id_at], data, columns)
            edited = [table.header[i] for i, (a, b) in enumerate(zip(exported, cells, strict=False))
                      if a != b and table.header[i] not in ("id", EXACT)]
            if edited:
                data = _overlay(data, {h: cells[table.header.index(h)] for h in edited}, columns, table.header)
                if data is None:
                    continue
            out[n] = (cells[id_at], data, edited)
    for n, rec in records or ():
        data = _exact_data(rec.get(EXACT)) if isinstance(rec, dict) else None
        if data is None or not isinstance(rec.get("id"), str):
            continue
        expected = json.loads(json.dumps(json_record(rec["id"], data), ensure_ascii=False))
        if same(expected, {k: v for k, v in rec.items() if k != EXACT}):
            out[n] = (rec["id"], data, [])
    return out


def _overlay(data: dict, edited: dict[str, str], columns: list, header: list[str]) -> dict | None:
    """The exported data with the edited cells laid over it (read as a cell of our export is read), or None
    when a cell cannot be laid over (a column the export did not write)."""
    import copy

    from pipeline_tui.core.importing.cells import COLUMNS

    out = copy.deepcopy(data)
    for h, cell in edited.items():
        key = columns[header.index(h)]
        if h == "tags":
            value: Any = [t for t in cell.split(";")] if cell else None
        else:
            value = typed_cell(cell) if cell != "" else None
        if h in COLUMNS and "." in h:
            parent, child = h.split(".", 1)
            sub = out.setdefault(parent, {})
            if not isinstance(sub, dict):
                return None
            if cell == "":
                sub.pop(child, None)
            else:
                sub[child] = value
        elif cell == "":
            out.pop(key, None)
        else:
            out[key] = value
    return out


def _exact_data(text: Any) -> dict | None:
    from pipeline_tui.core.errors import YamlProblem
    from pipeline_tui.core.yaml import reader as yamlio

    if not isinstance(text, str) or not text.strip():
        return None
    try:
        data = yamlio.loads(text)
    except (YamlProblem, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _key_for(header: str, data: dict) -> Any:
    """The column's key in the lead's data (a key of one's own may be no text: `1`)."""
    from pipeline_tui.core.importing.cells import COLUMNS, EXACT

    if header in COLUMNS or header == EXACT or header in data:
        return header
    return next((k for k in data if str(k) == header), header)
