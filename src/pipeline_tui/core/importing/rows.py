"""Each row of an import, decided: the lead it becomes (or every reason it cannot), the duplicates among
the rows and the pipeline's leads, and what a merge into an existing lead writes.

Decisions made once per file come first (`RowReader`): whether 01/02/2026 is day first, how each amount
column writes its numbers (`1.250` is 1250 in a column that also holds `12.500,00`), whether a date
column holds Excel's day numbers. A row is bad only for what makes a lead impossible (no name, an unknown
source or stage, a cell that would drive a terminal); any other cell that cannot be used is dropped from
its field, said, and kept under `extra:`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.importing import values
from pipeline_tui.core.importing.crm import FIELDS, PLACEHOLDERS, SOURCE_VALUES, STAGE_VALUES, rank
from pipeline_tui.core.importing.importer import Mapping, Plan, RowResult
from pipeline_tui.core.importing.table import Table, norm
from pipeline_tui.core.model.lead import multiline_path
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.model.playbook import AUTHORITY, FIT, HORIZONS, INTEREST, ORIGINS
from pipeline_tui.core.safetext import check_text, visible

_DATE_FIELDS = ("created", "closed", "first_contact", "next.due")


class _Cells:
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


def qualification(cells: _Cells, drop) -> dict:  # noqa: ANN001
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


def checked_choice(cells: _Cells, key: str, allowed: tuple | list, drop) -> str | None:  # noqa: ANN001
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


class RowReader:
    def __init__(self, pipe: Pipeline, plan: Plan, mapping: Mapping, typed_rows: list, table: Table | None,
                 today: dt.date) -> None:
        self.pipe, self.plan, self.mapping, self.today = pipe, plan, mapping, today
        self.pb = pipe.playbook
        self.created_today = 0
        self.closed_undated = 0
        self.kept_extra: dict[str, int] = {}
        self.joined = table.joined if table is not None else {}
        self.unjoined = table.unjoined if table is not None else {}
        columns = plan.columns
        shifted = table.joined if table is not None else {}  # a row whose cells may be shifted says nothing
        text_rows = [rec for n, rec, typed in typed_rows if not typed and n not in shifted]
        by_header: dict[str, list[str]] = {}
        for rec in text_rows:
            for h, v in rec.items():
                if isinstance(v, str) and v.strip():
                    by_header.setdefault(h, []).append(v)
        date_headers = [h for h, f in columns.items() if f in _DATE_FIELDS]
        samples = [v for h in date_headers for v in by_header.get(h, [])][:2000]
        self.day_first = mapping.day_first
        if self.day_first is None:
            self.day_first = values.day_first_of(samples, any("." in s for s in samples)
                                                 or (table is not None and table.delimiter == "semicolon"))
            if any(re.match(r"\s*\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}", s) for s in samples):
                plan.notes.append("dates like 01/02/2026 read as " + ("day/month/year" if self.day_first else
                                  "month/day/year") + " (set defaults: {day_first: ...} in a mapping file to change)")
        self.serial = {h for h in date_headers if _serials(by_header.get(h, []), bool(self.day_first))}
        hint = None
        if table is not None:
            hint = "," if table.delimiter == "semicolon" and self.day_first else "." if table.delimiter == "comma" else None
        self.formats = {h: values.number_format(by_header.get(h, []), hint)
                        for h, f in columns.items() if f == "value"}
        for h, fmt in self.formats.items():
            if fmt.ambiguous and by_header.get(h):
                plan.notes.append(f"amounts in {h!r} could be read two ways (1.250: 1250 or 1.25?); those rows "
                                  "keep the amount under extra: (set it by hand)")

    # --- one row ---
    def row(self, number: int, rec: dict, typed: bool) -> RowResult:  # noqa: C901 - one rule per field
        plan, pb, mapping = self.plan, self.pb, self.mapping
        res = RowResult(number, "new")
        if not plan.own_format:  # "[not provided]", "n/a": a CRM's word for an empty cell
            rec = {h: "" if isinstance(v, str) and v.strip().lower() in PLACEHOLDERS else v for h, v in rec.items()}
        problems = check_cells(rec)
        cells = _Cells(rec, plan.columns)
        dropped = res.dropped
        extra: dict[str, Any] = {}
        data: dict[str, Any] = {}

        def drop(header: str, value: Any, why: str) -> None:
            dropped.append(f"{header} {value!r}: {why}")
            extra[header] = value

        name = cells.text("name") or " ".join(p for p in (cells.text("first_name"), cells.text("last_name")) if p)
        if not name:
            problems.append("no name (a name column, or first and last name)")
        else:
            data["name"] = cells.get("name")[1] if plan.own_format else " ".join(name.split())
        for key in ("company", "title", "source_detail"):
            if cells.text(key):
                data[key] = cells.get(key)[1] if plan.own_format else cells.text(key)
        # contact details: the main column, else its fallback (a mobile, a home address)
        for key in ("email", "phone"):
            header, raw = cells.get(key)
            if plan.own_format:
                if raw not in (None, ""):
                    data[key] = raw
                continue
            value, why = self._contact(key, str(raw or ""))
            if value is None and raw or why:
                drop(header, raw, why)
            if value is None:
                header, raw = cells.get(f"{key}.other")
                value, why = self._contact(key, str(raw or ""))
                if value is None and raw:
                    drop(header, raw, why)
            if value is not None:
                data[key] = value
        # source and stage: the file's value mapped to the playbook's; an unknown value is never replaced
        source, why = self._choose("source", cells.text("source"), mapping.sources, SOURCE_VALUES,
                                   list(pb.sources), mapping.default_source, None)
        problems.extend([why] if why else [])
        data["source"] = source
        stage_header, stage_raw = self._stage_cell(cells)
        stage, why = self._choose("stage", stage_raw, mapping.stages, STAGE_VALUES, pb.stage_names,
                                  mapping.default_stage, pb.first_stage)
        if why and stage_raw:  # a status the tables do not know (a custom one): said, kept, the first stage
            drop(stage_header, stage_raw, why.split(";")[0])
            stage, why = self._choose("stage", "", mapping.stages, STAGE_VALUES, pb.stage_names,
                                      mapping.default_stage, pb.first_stage)
        problems.extend([why] if why else [])
        data["stage"] = stage
        for key, allowed in (("origin", ORIGINS), ("horizon", HORIZONS)):
            v = checked_choice(cells, key, allowed, drop)
            if v:
                data[key] = v
        owner = self._owner(cells, drop)
        if owner:
            data["owner"] = owner
        qual = qualification(cells, drop)
        if qual:
            data["qualification"] = qual
        header, raw_value = cells.get("value")
        if raw_value not in (None, ""):
            amount = self._amount(header, raw_value, typed)
            if isinstance(amount, str):
                drop(header, raw_value, amount)
            else:
                data["value"] = amount
        for key in _DATE_FIELDS:
            header, raw = cells.get(key)
            if raw in (None, ""):
                continue
            if plan.own_format:  # as our export wrote it
                if key == "next.due":
                    data.setdefault("next", {})["due"] = raw
                else:
                    data[key] = raw
                continue
            if typed and isinstance(raw, dt.date):
                when: Any = raw
            else:
                try:
                    when = values.parse_when(str(raw), bool(self.day_first), serial=header in self.serial)
                except ValueError as exc:
                    drop(header, raw, str(exc) or "not a date")
                    continue
            if key == "first_contact":
                data[key] = (when if isinstance(when, dt.datetime) else dt.datetime.combine(when, dt.time(9))
                             ).strftime("%Y-%m-%dT%H:%M")
            elif key == "next.due":
                data.setdefault("next", {})["due"] = when.date() if isinstance(when, dt.datetime) else when
            else:
                data[key] = when.date() if isinstance(when, dt.datetime) else when
        if "created" not in data:  # the day of the import, or the row's own earliest date when it has one
            known = [as_day(data.get("first_contact")), as_day(data.get("closed"))]
            data["created"] = min([d for d in known if d is not None and d < self.today] or [self.today])
            self.created_today += 1
        if cells.text("next.action"):
            data.setdefault("next", {})["action"] = cells.get("next.action")[1] if plan.own_format else \
                cells.text("next.action")
        if "next" in data and "action" not in data["next"]:
            data["next"]["action"] = "Follow up"
        if stage and pb.is_closed(stage) and "closed" not in data:
            self.closed_undated += 1  # never invented: the report leaves it out of cycle times
        header, tags = cells.get("tags")
        if tags not in (None, ""):
            data["tags"] = split_tags(header, tags, drop)
            if not data["tags"]:
                del data["tags"]
        header, log = cells.get("log")
        if log not in (None, "", []):
            try:
                entries = json.loads(log) if isinstance(log, str) else log
                if not isinstance(entries, list):
                    raise ValueError
                data["log"] = [_log_entry(e) for e in entries]
            except (ValueError, TypeError):
                if plan.own_format:
                    problems.append("log: not a list of entries (JSON, as `pipeline export` writes it)")
                else:  # a CRM's "Log" column of text: a note, as a notes column is
                    data["log"] = [{"date": data.get("created", self.today), "kind": "note", "text": str(log)}]
        notes = "" if plan.own_format else cells.text("notes")  # in our export, `notes` is a key like any
        if notes:
            data.setdefault("log", []).append({"date": data["created"], "kind": "note", "text": notes})
        crm_id = cells.text("crm_id")
        if crm_id:
            data["crm_id"] = crm_id
        wanted_id = cells.text("id")
        if wanted_id:
            from pipeline_tui.core.model.lead import valid_id

            if valid_id(wanted_id):
                res.lead_id = wanted_id
            else:
                problems.append(f"id {wanted_id!r} is not a valid id")
        self._rest(cells, data, extra, typed)
        if extra:
            data["extra"] = extra
            for h in extra:
                self.kept_extra[h] = self.kept_extra.get(h, 0) + 1
        if not problems:
            problems, res.text = unwritable(data, res.lead_id, pb)
        if number in self.joined and (problems or dropped):  # the join does not fit: the row is bad as it came
            problems = [self.unjoined[number]]
        if problems:  # every problem of the row, the cells it would not have used too
            res.status, res.reason = "error", "; ".join(problems + dropped)
            return res
        if number in self.joined:
            dropped.append(self.joined[number])
        res.data = data
        if dropped:
            res.reason = "; ".join(dropped)
        return res

    def _rest(self, cells: _Cells, data: dict, extra: dict, typed: bool) -> None:
        """Every cell not used (a column with no field, a mobile beside the phone used, a second stage
        column) is kept under extra: by its header. In our own export every column is its key, typed as
        written."""
        own = self.plan.own_format
        for f, hv in cells.by_field.items():
            for h, v in hv:
                if h in cells.used or (not own and v in (None, "")):
                    continue
                # in our own export every column not a field is the key it names (notes: too)
                own_key = own and f not in data and (f not in FIELDS or f in ("notes", "first_name", "last_name"))
                if own_key:
                    data[f] = v
                elif not own:
                    extra[h] = v

    def _contact(self, key: str, raw: str) -> tuple[str | None, str]:
        if not raw.strip():
            return None, ""
        if key == "email":
            addr, notes = values.clean_email(raw)
            if addr is None:
                return None, "; ".join(notes) or "not an email address"
            return addr, "; ".join(n for n in notes if n.startswith("other address"))
        phone = values.clean_phone(raw)
        return (phone, "") if phone else (None, "not a phone number")

    def _stage_cell(self, cells: _Cells) -> tuple[str, str]:
        """The most specific stage column with a value: a deal's won/lost status, its stage, a lead
        status, a lifecycle stage (a deal status `open` says: see the stage)."""
        for h, v in cells.by_field.get("stage", ()):
            text = "" if v is None else str(v).strip()
            if not text:
                continue
            if norm(h).endswith("deal status") and norm(text) == "open":
                cells.used.add(h)
                continue
            cells.used.add(h)
            return h, text
        return "", ""

    def _choose(self, what: str, raw: str, explicit: dict[str, str], defaults: dict[str, list[str]],
                allowed: list[str], default: str | None, fallback: str | None) -> tuple[str, str]:
        """The playbook's value for a file's source or status, or "" and why not. A default fills only an
        empty cell: an unknown value is reported, never replaced."""
        value = _lookup(raw, explicit, defaults, allowed) if raw else None
        if value is None:
            if raw:
                return "", (f"unknown {what} {raw!r}; map it (--map-{what} '{raw}={allowed[0]}' or a mapping file)")
            value = default or fallback
            if value is None:
                return "", f"no {what}; add a {what} column or give --default-{what}"
        if value not in allowed:
            return "", f"{what} {value!r} is not in the playbook ({', '.join(allowed)})"
        if raw:
            seen = self.plan.source_values if what == "source" else self.plan.stage_values
            seen[raw] = (value, seen.get(raw, (value, 0))[1] + 1)
        return value, ""

    def _owner(self, cells: _Cells, drop) -> str | None:  # noqa: ANN001
        header, raw = cells.get("owner")
        owner = "" if raw is None else str(raw).strip()
        team = self.pb.team
        if owner:
            mapped = self.mapping.owners.get(norm(owner))
            if mapped is None and team:
                first = norm(owner).split(" ")[0] if norm(owner) else ""
                mapped = owner if owner in team else (first if first in team else None)
                if mapped is None:
                    drop(header, raw, f"not in the playbook's team ({', '.join(team)}); map it (--map-owner "
                                      f"'{owner}=alice')")
                    owner = ""
            owner = mapped or owner
        return owner or self.mapping.default_owner

    def _amount(self, header: str, raw: Any, typed: bool) -> int | float | str:
        if typed and isinstance(raw, (int, float)) and not isinstance(raw, bool):
            amount: int | float = raw
        else:
            fmt = self.formats.get(header) or values.number_format([str(raw)], None)
            try:
                amount = values.parse_amount(str(raw), fmt)
            except ValueError as exc:
                return str(exc) or "not an amount"
        if amount < 0:
            return "a negative amount is not a deal value"
        return amount

    def summary(self) -> list[str]:
        out = []
        if self.created_today:
            out.append(f"{self.created_today} row(s) without a create date are created {self.today.isoformat()}, or "
                       "on their first contact or close date when that is earlier")
        if self.closed_undated:
            out.append(f"{self.closed_undated} won or lost row(s) have no close date: left empty (the report "
                       "leaves them out of cycle times)")
        if self.kept_extra:
            out.append("kept under extra: " + ", ".join(f"{h} ({n})" for h, n in self.kept_extra.items()))
        return out


def unwritable(data: dict, lead_id: str, pb) -> tuple[list[str], str]:  # noqa: ANN001
    """What `check` would call an error in the lead a row makes (a JSON or our own export is not trusted
    more than a CRM's file), or the YAML it would be written as not reading back as this data; and that
    YAML when it is good (written as it is, not made again)."""
    from pipeline_tui.core.errors import YamlProblem
    from pipeline_tui.core.model.lead import validate
    from pipeline_tui.core.storage.files import MAX_BYTES
    from pipeline_tui.core.yaml import reader as yamlio
    from pipeline_tui.core.yaml.edit import render_mapping

    if not isinstance(data.get("name"), str):
        return [f"name {data.get('name')!r} is not text"], ""
    try:
        issues = validate(lead_id or "imported-lead", data, pb)
    except (TypeError, ValueError, RecursionError) as exc:
        return [f"not a lead: {exc}"], ""
    errors = [msg for _keys, msg, sev in issues if sev == "error"]
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


def _serials(column: list[str], day_first: bool) -> bool:
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


def _lookup(value: str, explicit: dict[str, str], defaults: dict[str, list[str]], allowed) -> str | None:  # noqa: ANN001
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


def _log_entry(e: Any) -> dict:
    if not isinstance(e, dict):
        raise ValueError
    out = dict(e)
    d = out.get("date")
    if isinstance(d, str):
        out["date"] = dt.date.fromisoformat(d[:10])
    return out


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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


# --- duplicates -----------------------------------------------------------------------------------------------

def dup_keys(data: dict, lead_id: str = "") -> list[tuple]:
    keys: list[tuple] = []
    if lead_id:
        keys.append(("id", lead_id))
    crm = str(data.get("crm_id") or "").strip()
    if crm:
        keys.append(("crm id", crm))
    email = str(data.get("email") or "").strip().casefold()
    if email:
        keys.append(("email", email))
    name = values.fold_name(str(data.get("name") or ""))
    if name:
        keys.append(("name and company", name, values.fold_company(str(data.get("company") or ""))))
    return keys


def mark_duplicates(pipe: Pipeline, plan: Plan, rows: list[RowResult], today: dt.date) -> None:
    """A row matching a lead (by id, CRM id, email, or name and company folded) or an earlier row."""
    existing: dict[tuple, str] = {}
    for lead in pipe.leads():
        if not lead.broken:
            for k in dup_keys(lead.data, lead.id):
                existing.setdefault(k, lead.id)
    seen: dict[tuple, RowResult] = {}
    for r in rows:
        if r.status not in ("new",):
            continue
        keys = dup_keys(r.data, r.lead_id)
        if plan.own_format and r.lead_id:  # our own export: its ids say which lead a row is
            keys = [("id", r.lead_id)]
        match = next(((k, existing[k]) for k in keys if k in existing), None)
        earlier = next((seen[k] for k in keys if k in seen), None)
        if match is not None:
            (kind, *_), lead_id = match
            r.lead_id = lead_id
            r.status, r.reason = "duplicate", f"same {kind} as {lead_id}; skipped"
            if plan.duplicates == "merge":
                ops = merge_ops(pipe.read(lead_id).data, r.data, plan, r.row, today)
                if ops:
                    r.status, r.reason = "merge", f"same {kind} as {lead_id}; " + ops[-1].value["text"].split(": ", 1)[1]
                else:
                    r.reason = f"same {kind} as {lead_id}; nothing new"
        elif earlier is not None:
            r.status, r.reason = "duplicate", f"same person as row {earlier.row} of this file; skipped"
            if plan.duplicates == "merge":  # into the lead the earlier row makes, before it is written
                from pipeline_tui.core.model.pipeline import apply_to_data

                ops = merge_ops(earlier.data, r.data, plan, r.row, today)
                if ops:
                    earlier.data, earlier.text = apply_to_data(earlier.data, ops), ""
                    r.reason = (f"same person as row {earlier.row} of this file; merged into it: "
                                + ops[-1].value["text"].split(": ", 1)[1])
        else:
            for k in keys:
                seen.setdefault(k, r)


def _said(value: Any) -> str:
    """A value as the log says it: 'text', 2026-01-02, 5000, ["a", "b"]."""
    from pipeline_tui.core.yaml.reader import plain_data

    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return json.dumps(plain_data(value), ensure_ascii=False, default=str)


def merge_ops(old: dict, new: dict, plan: Plan, row: int, today: dt.date) -> list:
    """Fill in what the existing lead lacks; never overwrite; the row's notes join the log, and a value
    that differs from the lead's is written into the log with where it came from. Nothing of the row is lost."""
    from pipeline_tui.core.model.pipeline import Op

    ops, filled, differ = [], [], []
    for k, v in new.items():
        if k in ("log", "created", "closed"):
            continue
        if isinstance(v, dict) and isinstance(old.get(k), dict):
            for sub, sv in v.items():
                if old[k].get(sub) in (None, ""):
                    ops.append(Op("set", (k, sub), sv))
                    filled.append(f"{k}.{sub}")
                elif old[k].get(sub) != sv:
                    differ.append(f"{k}.{sub} {_said(sv)} (the lead has {_said(old[k][sub])})")
        elif old.get(k) in (None, "", []):
            ops.append(Op("set", (k,), v))
            filled.append(k)
        elif old.get(k) != v:
            differ.append(f"{k} {_said(v)} (the lead has {_said(old[k])})")
    for entry in new.get("log", []):
        ops.append(Op("append", ("log",), entry))
    said = []
    if filled:
        said.append("filled in " + ", ".join(filled))
    if any(o.path == ("log",) for o in ops):
        said.append(f"{sum(1 for o in ops if o.path == ('log',))} log entr(ies) added")
    if differ:
        said.append("the file differs: " + "; ".join(differ))
    if said:
        ops.append(Op("append", ("log",), {"date": today, "kind": "note",
                                           "text": f"Imported again from {Path(plan.path).name} row {row}: "
                                                   + "; ".join(said)}))
    return ops


# --- our own export, exactly ----------------------------------------------------------------------------------

def exact_rows(table: Table | None, records: list | None) -> dict[int, tuple[str, dict, list[str]]]:
    """Rows of our own export that carry the lead's data as YAML (`$yaml`): row -> (id, data, the columns
    edited since). A row whose other cells still say exactly what that data says is that data, types,
    nested keys and all. In a CSV whose row was edited in a spreadsheet, the edited cells are laid over
    that data and the rest stays as exported (a cell nobody touched is never re-read). A JSON record
    edited since, or a row whose $yaml is not the export's own, is read from its cells."""
    from pipeline_tui.core.importing.export import EXACT, csv_cells, exact_text, json_record, same

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

    from pipeline_tui.core.importing.export import COLUMNS

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
    from pipeline_tui.core.importing.export import COLUMNS, EXACT

    if header in COLUMNS or header == EXACT or header in data:
        return header
    return next((k for k in data if str(k) == header), header)
