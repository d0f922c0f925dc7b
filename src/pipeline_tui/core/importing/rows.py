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
from typing import Any

from pipeline_tui.core.importing import values
from pipeline_tui.core.importing.crm import FIELDS, PLACEHOLDERS, SOURCE_VALUES, STAGE_VALUES
from pipeline_tui.core.importing.fields import (
    DATE_FIELDS,
    Cells,
    as_day,
    check_cells,
    checked_choice,
    log_entry,
    lookup,
    qualification,
    serials,
    split_tags,
    unwritable,
)
from pipeline_tui.core.importing.plan import Mapping, Plan, RowResult
from pipeline_tui.core.importing.table import Table, norm
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.model.vocabulary import HORIZONS, ORIGINS


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
        date_headers = [h for h, f in columns.items() if f in DATE_FIELDS]
        samples = [v for h in date_headers for v in by_header.get(h, [])][:2000]
        self.day_first = mapping.day_first
        if self.day_first is None:
            self.day_first = values.day_first_of(samples, any("." in s for s in samples)
                                                 or (table is not None and table.delimiter == "semicolon"))
            if any(re.match(r"\s*\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}", s) for s in samples):
                plan.notes.append("dates like 01/02/2026 read as " + ("day/month/year" if self.day_first else
                                  "month/day/year") + " (set defaults: {day_first: ...} in a mapping file to change)")
        self.serial = {h for h in date_headers if serials(by_header.get(h, []), bool(self.day_first))}
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
        cells = Cells(rec, plan.columns)
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
        for key in DATE_FIELDS:
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
                data["log"] = [log_entry(e) for e in entries]
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
            from pipeline_tui.core.model.rules import valid_id

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

    def _rest(self, cells: Cells, data: dict, extra: dict, typed: bool) -> None:
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

    def _stage_cell(self, cells: Cells) -> tuple[str, str]:
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
        value = lookup(raw, explicit, defaults, allowed) if raw else None
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

    def _owner(self, cells: Cells, drop) -> str | None:  # noqa: ANN001
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

    def notes(self) -> list[str]:
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


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- duplicates -----------------------------------------------------------------------------------------------


# --- our own export, exactly ----------------------------------------------------------------------------------


