"""One field of an import row: the checks every cell gets, choices and tags, dates and serials, log entries, and
whether the lead a row becomes can be written at all."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.importing import values
from pipeline_tui.core.importing.crm import FIELDS, rank
from pipeline_tui.core.importing.table import norm
from pipeline_tui.core.model.rules import multiline_path
from pipeline_tui.core.model.vocabulary import AUTHORITY, FIT, INTEREST
from pipeline_tui.core.safetext import check_text, visible

DATE_FIELDS = ("created", "closed", "first_contact", "next.due")


class Cells:
    """One row's cells by field: the preferred column's non-empty cell, the rest remembered for extra:."""

    def __init__(self, rec: dict, columns: dict[str, str]) -> None:
        self.by_field: dict[str, list[tuple[str, Any]]] = {}
        for h, v in rec.items():
            self.by_field.setdefault(columns.get(h, h), []).append((h, v))
        for f, cells in self.by_field.items():
            cells.sort(key=lambda hv, f=f: rank(f, hv[0]))
        self.used: set[str] = set()

    def get(self, f: str) -> tuple[str, Any]:
        for h, v in self.by_field.get(f, ()):
            if v not in (None, "") and not (isinstance(v, str) and not v.strip()):
                self.used.add(h)
                return h, v
        return "", None

    def text(self, f: str) -> str:
        v = self.get(f)[1]
        return "" if v is None else (v if isinstance(v, str) else str(v)).strip()


def check_cells(rec: dict) -> list[str]:
    """Every cell is data: nothing in it may drive a terminal or hide text (one reason per bad cell)."""
    problems = []
    for k, v in list(rec.items()):
        if isinstance(v, str):
            v = rec[k] = v.replace("\r\n", "\n").replace("\r", "\n")
            try:
                check_text(v, visible(str(k)), multiline=k in ("notes", "log") or multiline_path((k,)) or
                           k not in FIELDS)
            except BadInput as exc:
                problems.append(exc.message)
    return problems


def qualification(cells: Cells, drop) -> dict:  # noqa: ANN001
    qual: dict[str, str] = {}
    for crit, allowed in (("interest", INTEREST), ("authority", AUTHORITY), ("fit", FIT)):
        header, raw = cells.get(f"qualification.{crit}")
        v = "" if raw is None else str(raw).strip()
        if v and v not in allowed:
            drop(header, raw, f"not one of {', '.join(allowed)}")
        elif v:
            qual[crit] = v
    if cells.text("qualification.pain"):
        qual["pain"] = cells.text("qualification.pain")
    return qual


def checked_choice(cells: Cells, key: str, allowed: tuple | list, drop) -> str | None:  # noqa: ANN001
    header, raw = cells.get(key)
    value = "" if raw is None else str(raw).strip()
    if value and value not in allowed:
        drop(header, raw, f"not {' or '.join(allowed)}")
        return None
    return value or None


_TAG_BAD = re.compile(r"[\[\]{}#\n]")


def split_tags(header: str, raw: Any, drop) -> list[str]:  # noqa: ANN001
    tags = [str(t) for t in raw] if isinstance(raw, list) else [t.strip() for t in re.split(r"[;,|]", str(raw))
                                                                  if t.strip()]
    good = [t for t in tags if not _TAG_BAD.search(t)]
    if len(good) < len(tags):
        drop(header, ", ".join(t for t in tags if _TAG_BAD.search(t)), "a tag may not contain [ ] { } # or "
             "line breaks")
    return good


def unwritable(data: dict, lead_id: str, pb) -> tuple[list[str], str]:  # noqa: ANN001
    """What `check` would call an error in the lead a row makes (a JSON or our own export is not trusted
    more than a CRM's file), or the YAML it would be written as not reading back as this data; and that
    YAML when it is good (written as it is, not made again)."""
    from pipeline_tui.core.errors import YamlProblem
    from pipeline_tui.core.model.rules import validate
    from pipeline_tui.core.storage.files import MAX_BYTES
    from pipeline_tui.core.yaml import reader as yamlio
    from pipeline_tui.core.yaml.edit import render_mapping

    if not isinstance(data.get("name"), str):
        return [f"name {data.get('name')!r} is not text"], ""
    try:
        found = validate(lead_id or "imported-lead", data, pb)
    except (TypeError, ValueError, RecursionError) as exc:
        return [f"not a lead: {exc}"], ""
    errors = [msg for _keys, msg, sev in found if sev == "error"]
    if errors:
        return errors, ""
    try:
        text = render_mapping(data)
        if len(text.encode("utf-8")) > MAX_BYTES:
            return [f"the lead would be {len(text.encode('utf-8')):,} bytes; a lead file's limit is {MAX_BYTES:,}"], ""
        if yamlio.loads(text) != data:
            return ["cannot be written as YAML that reads back as this data"], ""
    except (YamlProblem, TypeError, ValueError, RecursionError) as exc:
        return [f"cannot be written as YAML: {exc}"], ""
    return [], text


def as_day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def serials(column: list[str], day_first: bool) -> bool:
    """A date column holding spreadsheet day numbers: every number is one, and every other value a date."""
    numbers = [v for v in column if v.strip().replace(".", "", 1).isdigit()]
    if not numbers or not values.serial_column(numbers):
        return False
    for v in column:
        if v in numbers:
            continue
        try:
            values.parse_when(v, day_first)
        except ValueError:
            return False
    return True


def lookup(value: str, explicit: dict[str, str], defaults: dict[str, list[str]], allowed) -> str | None:  # noqa: ANN001
    n = norm(value)
    if n in explicit:
        return explicit[n]
    for name in allowed:
        if n == norm(name):
            return name
    for name, aliases in defaults.items():
        if name in allowed and n in {norm(a) for a in aliases}:
            return name
    return None


def log_entry(e: Any) -> dict:
    if not isinstance(e, dict):
        raise ValueError
    out = dict(e)
    d = out.get("date")
    if isinstance(d, str):
        out["date"] = dt.date.fromisoformat(d[:10])
    return out
