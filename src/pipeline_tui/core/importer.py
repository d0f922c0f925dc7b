"""`pipeline import`: leads from a CRM or spreadsheet export (CSV), or from `pipeline export` (CSV, JSON).

Reading: any encoding a spreadsheet saves (UTF-8 with or without BOM, UTF-16 with BOM, cp1252), `,` `;`
or tab separators (sniffed). Mapping: the column names of the usual contacts and leads exports
(HubSpot, Salesforce, Pipedrive, Zoho, Excel lists) to lead fields, and their source and status values
to the playbook's sources and stages, with defaults a person can override (a mapping file or flags); the
plan shows the mapping before anything is written.

Rows: each becomes a new lead, a duplicate (same email, or same name and company, as an existing lead or
an earlier row) that is skipped or merged (empty fields filled, nothing overwritten), or an error with
its row number and reason. Applying writes the good rows and commits them as one commit (`undo` reverts
it); if anything fails half way, every file is put back as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.lead import EMAIL_RE, multiline_path, valid_id
from pipeline_tui.core.playbook import AUTHORITY, FIT, HORIZONS, INTEREST, ORIGINS
from pipeline_tui.core.safetext import check_text, visible
from pipeline_tui.core.store import Pipeline

MAX_IMPORT_BYTES = 50 * 1024 * 1024


def norm(text: str) -> str:
    """`Lead Status` / `lead_status` / `LEAD-STATUS ` -> `lead status`."""
    return re.sub(r"[^a-z0-9]+", " ", str(text).lower()).strip()


# --- columns ------------------------------------------------------------------------------------

COLUMN_NAMES: dict[str, list[str]] = {
    "name": ["name", "full name", "contact name", "lead name", "person name", "contact", "contact full name"],
    "first_name": ["first name", "firstname", "given name", "first"],
    "last_name": ["last name", "lastname", "surname", "family name", "last"],
    "email": ["email", "e mail", "email address", "e mail address", "primary email", "work email",
              "email 1 value", "email work", "email 1"],
    "phone": ["phone", "phone number", "mobile", "mobile phone", "mobile phone number", "work phone",
              "telephone", "phone 1 value", "phone work", "business phone"],
    "company": ["company", "company name", "account name", "account", "organization", "organisation",
                "company account", "company / account",
                "organization name", "organisation name", "employer", "business name"],
    "title": ["title", "job title", "position", "role", "job role"],
    "stage": ["stage", "lead status", "status", "lifecycle stage", "deal stage", "lead stage", "hs lead status"],
    "source": ["source", "lead source", "original source", "original source type", "source type", "channel",
               "lead source type"],
    "source_detail": ["source detail", "source_detail", "original source drill down 1", "original source data 1",
                      "campaign", "campaign name", "lead source detail"],
    "created": ["created", "create date", "created date", "date created", "created time", "created at",
                "lead created", "create time", "creation date", "date added", "became a lead date"],
    "owner": ["owner", "contact owner", "lead owner", "record owner", "owner name", "assigned to", "sales rep",
              "hubspot owner", "account owner"],
    "value": ["value", "amount", "deal value", "deal amount", "expected revenue", "opportunity amount"],
    "tags": ["tags", "labels", "tag", "label"],
    # Pipedrive-style names ("Person - Email - Work") are matched after their entity word is dropped
    "notes": ["notes", "description", "comments", "note"],
    "horizon": ["horizon"],
    "origin": ["origin"],
    "first_contact": ["first contact", "first_contact", "first contact date", "first response",
                      "first outreach date"],
    "closed": ["closed", "close date", "closed date", "date closed"],
    "id": ["id", "pipeline id"],
    "next.action": ["next action", "next.action", "next step"],
    "next.due": ["next due", "next.due", "next step date", "next activity date", "follow up date"],
    "qualification.interest": ["interest", "qualification.interest"],
    "qualification.authority": ["authority", "qualification.authority"],
    "qualification.fit": ["fit", "qualification.fit"],
    "qualification.pain": ["pain", "qualification.pain", "pain point"],
    "log": ["log"],
}
_COLUMN_INDEX = {norm(alias): key for key, aliases in COLUMN_NAMES.items() for alias in aliases}
FIELDS = set(COLUMN_NAMES)
_KEY_RE = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")


# --- values -------------------------------------------------------------------------------------

SOURCE_VALUES: dict[str, list[str]] = {
    "referral": ["referral", "referrals", "word of mouth", "partner", "partner referral", "employee referral",
                 "external referral", "customer referral", "recommendation"],
    "inbound-web": ["web", "website", "web site", "web form", "webform", "contact form", "organic search", "seo",
                    "paid search", "ppc", "google ads", "direct traffic", "inbound", "phone inquiry",
                    "public relations", "inbound web", "online", "landing page"],
    "social": ["social", "social media", "organic social", "paid social", "linkedin", "facebook", "twitter",
               "instagram", "x", "tiktok", "youtube"],
    "campaign": ["campaign", "email", "email marketing", "email campaign", "mailing", "direct mail", "newsletter",
                 "advertisement", "ads", "other campaigns", "marketing campaign"],
    "event": ["event", "events", "trade show", "tradeshow", "conference", "seminar", "seminar internal",
              "seminar partner", "webinar", "lunch and learn", "expo", "meetup", "talk"],
    "prospecting": ["prospecting", "cold call", "cold calling", "outbound", "purchased list", "list", "cold email",
                    "offline sources", "offline", "drop by", "door to door", "sales prospecting"],
}
STAGE_VALUES: dict[str, list[str]] = {
    "new": ["new", "open", "open not contacted", "not contacted", "subscriber", "lead", "marketingqualifiedlead",
            "marketing qualified lead", "mql", "raw"],
    "contacted": ["contacted", "working", "working contacted", "attempted to contact", "in progress", "connected",
                  "attempting contact", "engaged"],
    "qualified": ["qualified", "sales qualified lead", "salesqualifiedlead", "sql", "opportunity", "open deal"],
    "proposal": ["proposal", "proposal sent", "quote sent", "presentation scheduled", "quote"],
    "negotiation": ["negotiation", "negotiation review", "contract sent", "decision maker bought in"],
    "won": ["won", "closed won", "customer", "converted", "closed converted", "evangelist"],
    "lost": ["lost", "closed lost", "closed not converted", "unqualified", "disqualified", "bad timing", "junk",
             "dead", "not interested"],
}


@dataclass
class Mapping:
    """How columns and values map to the playbook; built from defaults, a mapping file and flags."""

    columns: dict[str, str] = field(default_factory=dict)  # header as in the file -> field (or "" to ignore)
    sources: dict[str, str] = field(default_factory=dict)  # normalised CRM value -> playbook source
    stages: dict[str, str] = field(default_factory=dict)  # normalised CRM value -> playbook stage
    owners: dict[str, str] = field(default_factory=dict)  # normalised CRM owner -> team member
    default_source: str | None = None
    default_owner: str | None = None
    default_stage: str | None = None
    day_first: bool | None = None  # dates like 01/11/2026: None = work it out from the column

    @classmethod
    def load(cls, path: Path | None) -> Mapping:
        m = cls()
        if path is None:
            return m
        from pipeline_tui.core import yamlio

        try:
            data = yamlio.loads_bytes(Path(path).read_bytes())
        except OSError as exc:
            raise BadInput(f"cannot read the mapping file: {exc.strerror}", path=str(path)) from None
        if not isinstance(data, dict):
            raise BadInput("a mapping file is a mapping: columns:, sources:, stages:, owners:, defaults:",
                           path=str(path))
        for section in ("columns", "sources", "stages", "owners"):
            conf = data.get(section) or {}
            if not isinstance(conf, dict):
                raise BadInput(f"{section}: must map names to names", path=str(path))
            target = getattr(m, section)
            for k, v in conf.items():
                target[str(k) if section == "columns" else norm(k)] = "" if v is None else str(v)
        defaults = data.get("defaults") or {}
        if isinstance(defaults, dict):
            m.default_source = defaults.get("source") or m.default_source
            m.default_owner = defaults.get("owner") or m.default_owner
            m.default_stage = defaults.get("stage") or m.default_stage
            if "day_first" in defaults:
                m.day_first = bool(defaults["day_first"])
        return m

    def add_flags(self, columns=(), sources=(), stages=(), owners=()) -> None:  # noqa: ANN001
        for items, target, key_norm in ((columns, self.columns, False), (sources, self.sources, True),
                                        (stages, self.stages, True), (owners, self.owners, True)):
            for item in items:
                left, sep, right = item.rpartition("=")
                if not sep or not left.strip():
                    raise BadInput(f"{item!r}: write NAME=VALUE, for example 'Lead Source=source' or 'Web=inbound-web'")
                target[norm(left) if key_norm else left.strip()] = right.strip()


# --- reading ------------------------------------------------------------------------------------

@dataclass
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as a spreadsheet shows it, cells)
    encoding: str
    delimiter: str


def decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "UTF-16"
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", "strict"), "UTF-8 with BOM"
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "Latin-1"


def read_table(path: Path) -> Table:
    try:
        size = path.stat().st_size
        if size > MAX_IMPORT_BYTES:
            raise BadInput(f"the file is {size:,} bytes; the limit is {MAX_IMPORT_BYTES:,}", path=str(path))
        raw = path.read_bytes()
    except IsADirectoryError:
        raise BadInput("is a folder, not a file to import", path=str(path)) from None
    except FileNotFoundError:
        raise BadInput("no such file", path=str(path)) from None
    except OSError as exc:
        raise BadInput(f"cannot read: {exc.strerror}", path=str(path)) from None
    text, encoding = decode(raw)
    if "\x00" in text:
        raise BadInput("this is not a text file (CSV or JSON)", path=str(path))
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        all_rows = list(reader)
    except csv.Error as exc:
        raise BadInput(f"not readable as CSV: {exc}", path=str(path)) from None
    if not all_rows:
        raise BadInput("the file is empty", path=str(path))
    header = [h.strip() for h in all_rows[0]]
    rows = []
    for i, cells in enumerate(all_rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        rows.append((i, [c.strip() for c in cells] + [""] * (len(header) - len(cells))))
    return Table(header, rows, encoding, {",": "comma", ";": "semicolon", "\t": "tab"}[delimiter])


# --- planning -----------------------------------------------------------------------------------

@dataclass
class RowResult:
    row: int
    status: str  # new | duplicate | merge | error
    reason: str = ""
    data: dict = field(default_factory=dict)
    lead_id: str = ""  # the new id, or the existing lead a duplicate matches

    def as_json(self) -> dict:
        from pipeline_tui.core.yamlio import plain_data

        return {"row": self.row, "status": self.status, "reason": self.reason, "lead": self.lead_id or None,
                "name": self.data.get("name")} | ({"data": plain_data(self.data)} if self.status == "new" else {})


@dataclass
class Plan:
    path: str
    encoding: str = ""
    delimiter: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # header -> field
    ignored: list[str] = field(default_factory=list)
    source_values: dict[str, tuple[str, int]] = field(default_factory=dict)  # value -> (source, rows)
    stage_values: dict[str, tuple[str, int]] = field(default_factory=dict)
    rows: list[RowResult] = field(default_factory=list)
    duplicates: str = "skip"
    notes: list[str] = field(default_factory=list)
    own_format: bool = False  # written by `pipeline export`: other keys' cells are typed YAML values

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    def as_json(self) -> dict:
        return {
            "file": self.path, "encoding": self.encoding, "delimiter": self.delimiter,
            "columns": self.columns, "ignored_columns": self.ignored,
            "sources": {k: {"source": v, "rows": n} for k, (v, n) in self.source_values.items()},
            "stages": {k: {"stage": v, "rows": n} for k, (v, n) in self.stage_values.items()},
            "new": self.count("new"), "duplicates": self.count("duplicate"), "merged": self.count("merge"),
            "errors": self.count("error"), "notes": self.notes, "rows": [r.as_json() for r in self.rows],
        }


_ENTITY_WORDS = ("person ", "contact ", "lead ", "people ")
_EXTRA_ALIASES = {"organization": "company", "email work": "email", "email home": "email", "email other": "email",
                  "phone work": "phone", "phone mobile": "phone", "phone home": "phone", "person created": "created",
                  "lead created": "created", "organization name": "company", "labels": "tags"}


def column_key(header: str) -> str | None:
    """The field a column name means, or None."""
    n = norm(header)
    if n in _COLUMN_INDEX:
        return _COLUMN_INDEX[n]
    for word in _ENTITY_WORDS:
        if n.startswith(word):
            rest = n[len(word):]
            return _COLUMN_INDEX.get(rest) or _EXTRA_ALIASES.get(rest)
    return _EXTRA_ALIASES.get(n)


def _map_columns(header: list[str], mapping: Mapping) -> tuple[dict[str, str], list[str]]:
    out: dict[str, str] = {}
    ignored = []
    taken: set[str] = set()
    for h in header:
        explicit = mapping.columns.get(h, mapping.columns.get(norm(h)))
        if explicit is not None:
            key = explicit
        else:
            key = column_key(h) or (h if _KEY_RE.match(h) and h not in FIELDS else "")
            if key and key in taken:
                key = ""  # the first column for a field wins (Email, then Email 2)
        if key:
            out[h] = key
            taken.add(key)
        else:
            ignored.append(h)
    return out, ignored


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


_DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%d %b %Y", "%b %d %Y", "%d %B %Y", "%B %d %Y",
                 "%b %d, %Y", "%B %d, %Y"]


def parse_when(text: str, day_first: bool) -> dt.date | dt.datetime:
    """A date or date-time as CRMs and spreadsheets write them; ValueError if it is none."""
    t = text.strip().replace("Z", "").strip()
    if not t:
        raise ValueError("empty")
    iso = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:[+-]\d{2}:?\d{2})?)?", t)
    if iso:
        day = dt.date.fromisoformat(iso.group(1))
        if iso.group(2) is None:
            return day
        return dt.datetime(day.year, day.month, day.day, int(iso.group(2)), int(iso.group(3)))
    m = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})(?:,?\s+(\d{1,2}):(\d{2})(?::\d{2})?\s*([AaPp][Mm])?)?", t)
    if m:
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        y = y + 2000 if y < 100 else y
        d, mo = (a, b) if day_first else (b, a)
        day = dt.date(y, mo, d)
        if m.group(4) is None:
            return day
        hour = int(m.group(4)) % 12 + (12 if (m.group(6) or "").lower() == "pm" else 0) if m.group(6) else int(m.group(4))
        return dt.datetime(y, mo, d, hour, int(m.group(5)))
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r}")


def _day_first(values: list[str], text_sep_hint: bool) -> bool:
    """Decide 01/11/2026 for a whole column: a first part over 12 means day first; `.` means day first."""
    for v in values:
        m = re.match(r"\s*(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}", v)
        if m:
            if int(m.group(1)) > 12:
                return True
            if int(m.group(2)) > 12:
                return False
    return text_sep_hint


def _number(text: str) -> int | float:
    t = re.sub(r"[^\d,.\-]", "", text)
    if "," in t and "." in t:
        t = t.replace(",", "") if t.rfind(".") > t.rfind(",") else t.replace(".", "").replace(",", ".")
    elif "," in t:
        parts = t.split(",")
        t = t.replace(",", "") if len(parts[-1]) == 3 else t.replace(",", ".")
    n = float(t)
    if n < 0 or n != n:
        raise ValueError("negative")
    return int(n) if n.is_integer() else n


def plan_import(pipe: Pipeline, path: Path, mapping: Mapping | None = None, duplicates: str = "skip",
                today: dt.date | None = None) -> Plan:
    """Read and map the file; decide every row. Writes nothing."""
    today = today or dt.date.today()
    mapping = mapping or Mapping()
    if duplicates not in ("skip", "merge"):
        raise BadInput("--duplicates is skip or merge")
    path = Path(path)
    plan = Plan(str(path), duplicates=duplicates)
    if path.suffix.lower() == ".json":
        records = _read_json(path)
        plan.encoding, plan.delimiter = "UTF-8", "JSON"
        header = sorted({k for _, rec in records for k in rec})
        records = [(n, _flatten(rec)) for n, rec in records]
        header = sorted({k for _, rec in records for k in rec})
        plan.columns = {h: h for h in header}
        typed_rows = [(n, rec, True) for n, rec in records]
    else:
        table = read_table(path)
        plan.encoding, plan.delimiter = table.encoding, table.delimiter
        plan.columns, plan.ignored = _map_columns(table.header, mapping)
        plan.own_format = bool(table.header) and table.header[0] == "id" and "next.action" in table.header
        typed_rows = [(n, {h: cells[i] for i, h in enumerate(table.header) if i < len(cells) and h in plan.columns},
                       False) for n, cells in table.rows]
    date_cols = [h for h, f in plan.columns.items() if f in ("created", "closed", "next.due", "first_contact")]
    day_first = mapping.day_first
    if day_first is None and not all(t for _, _, t in typed_rows):
        samples = [str(rec.get(h, "")) for _, rec, _ in typed_rows for h in date_cols][:500]
        day_first = _day_first(samples, any("." in s for s in samples))
        if any(re.match(r"\s*\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}", s) for s in samples):
            plan.notes.append("dates like 01/02/2026 read as " + ("day/month/year" if day_first else "month/day/year")
                              + " (set defaults: {day_first: ...} in a mapping file to change)")
    existing = _existing_keys(pipe)
    seen_in_file: dict[tuple, int] = {}
    for number, rec, typed in typed_rows:
        result = _plan_row(pipe, number, rec, plan, mapping, bool(day_first), typed, today)
        if result.status != "error":
            keys = _dup_keys(result.data)
            match = next((existing[k] for k in keys if k in existing), None)
            earlier = next((seen_in_file[k] for k in keys if k in seen_in_file), None)
            if match is not None:
                same = "email" if keys and keys[0][0] == "email" and keys[0] in existing else "name and company"
                result.lead_id = match
                result.status, result.reason = "duplicate", f"same {same} as {match}; skipped"
                if duplicates == "merge":
                    fills = [".".join(op.path) for op in _merge_ops(pipe.read(match).data, result.data, plan,
                                                                     number, today)[:-1]]
                    if fills:
                        result.status, result.reason = "merge", f"same {same} as {match}; fills in {', '.join(fills)}"
                    else:
                        result.reason = f"same {same} as {match}; nothing new to fill in"
            elif earlier is not None:
                result.status = "duplicate"
                result.reason = f"same person as row {earlier} of this file; skipped"
            else:
                for k in keys:
                    seen_in_file.setdefault(k, number)
        plan.rows.append(result)
    if "created-today" in plan.notes:
        plan.notes[plan.notes.index("created-today")] = f"rows without a create date are created {today.isoformat()}"
    return plan


def _read_json(path: Path) -> list[tuple[int, dict]]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BadInput(f"not readable as JSON: {exc}", path=str(path)) from None
    if isinstance(data, dict) and isinstance(data.get("leads"), list):
        data = data["leads"]
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise BadInput("a JSON import is a list of lead objects (as `pipeline export --format json` writes)",
                       path=str(path))
    return list(enumerate(data, start=1))


def _existing_keys(pipe: Pipeline) -> dict[tuple, str]:
    out: dict[tuple, str] = {}
    for lead in pipe.leads():
        if lead.broken:
            continue
        for k in _dup_keys({"email": lead.email, "name": lead.name, "company": lead.company}):
            out.setdefault(k, lead.id)
    return out


def _dup_keys(data: dict) -> list[tuple]:
    keys = []
    email = str(data.get("email") or "").strip().lower()
    if email:
        keys.append(("email", email))
    name = str(data.get("name") or "").strip().lower()
    if name:
        keys.append(("name", name, str(data.get("company") or "").strip().lower()))
    return keys


_RESERVED = {"first_name", "last_name", "notes", "id", "log"}


def _plan_row(pipe: Pipeline, number: int, rec: dict, plan: Plan, mapping: Mapping, day_first: bool, typed: bool,
              today: dt.date) -> RowResult:  # noqa: C901 - one rule per field
    pb = pipe.playbook
    res = RowResult(number, "new")
    get = {plan.columns.get(h, h): v for h, v in rec.items()}

    def text(key: str) -> str:
        v = get.get(key)
        return "" if v is None else (v if isinstance(v, str) else str(v)).strip()

    def fail(reason: str) -> RowResult:
        res.status, res.reason = "error", reason
        return res

    for k, v in list(get.items()):
        if isinstance(v, str):  # a cell is data: nothing in it may drive a terminal or hide text
            v = get[k] = v.replace("\r\n", "\n").replace("\r", "\n")
            try:
                check_text(v, visible(str(k)), multiline=k in ("notes", "log") or multiline_path((k,)))
            except BadInput as exc:
                return fail(exc.message)
    data: dict[str, Any] = {}
    name = text("name") or " ".join(p for p in (text("first_name"), text("last_name")) if p)
    if not name:
        return fail("no name (a name column, or first and last name)")
    data["name"] = " ".join(name.split())
    for key in ("company", "title", "phone", "source_detail"):
        if text(key):
            data[key] = text(key)
    email = text("email")
    if email:
        if not EMAIL_RE.match(email):
            return fail(f"email {email!r} does not look like an address")
        data["email"] = email
    # source and stage: the file's value, mapped to the playbook's
    source, why = _choose(text("source"), mapping.sources, SOURCE_VALUES, list(pb.sources), mapping.default_source,
                          None, "source", plan.source_values)
    if why:
        return fail(why)
    data["source"] = source
    if text("origin"):
        if text("origin") not in ORIGINS:
            return fail(f"origin {text('origin')!r} is not buyer or seller")
        data["origin"] = text("origin")
    stage, why = _choose(text("stage"), mapping.stages, STAGE_VALUES, pb.stage_names, mapping.default_stage,
                         pb.first_stage, "stage", plan.stage_values)
    if why:
        return fail(why)
    data["stage"] = stage
    horizon = text("horizon")
    if horizon:
        if horizon not in HORIZONS:
            return fail(f"horizon {horizon!r} is not short or long")
        data["horizon"] = horizon
    # owner
    owner = text("owner") or (mapping.default_owner or "")
    if owner:
        mapped = mapping.owners.get(norm(owner))
        if mapped is None and pb.team:
            first = norm(owner).split(" ")[0] if norm(owner) else ""
            mapped = owner if owner in pb.team else (first if first in pb.team else None)
            if mapped is None:
                return fail(f"owner {owner!r} is not in the playbook's team ({', '.join(pb.team)}); map it "
                            f"(--map-owner '{owner}=alice')")
        data["owner"] = mapped or owner
    # qualification
    qual: dict[str, str] = {}
    for crit, allowed in (("interest", INTEREST), ("authority", AUTHORITY), ("fit", FIT)):
        v = text(f"qualification.{crit}")
        if v:
            if v not in allowed:
                return fail(f"{crit} {v!r} is not one of {', '.join(allowed)}")
            qual[crit] = v
    if text("qualification.pain"):
        qual["pain"] = text("qualification.pain")
    if qual:
        data["qualification"] = qual
    # value
    raw_value = get.get("value")
    if raw_value not in (None, ""):
        if typed and isinstance(raw_value, (int, float)) and not isinstance(raw_value, bool) and raw_value >= 0:
            data["value"] = raw_value
        else:
            try:
                data["value"] = _number(str(raw_value))
            except ValueError:
                return fail(f"value {raw_value!r} is not an amount")
    # dates
    for key in ("created", "closed", "first_contact", "next.due"):
        raw = text(key)
        if not raw:
            continue
        try:
            when = parse_when(raw, day_first)
        except ValueError:
            return fail(f"{key}: bad date {raw!r}")
        if key == "first_contact":
            data[key] = (when if isinstance(when, dt.datetime) else dt.datetime.combine(when, dt.time(9))).strftime(
                "%Y-%m-%dT%H:%M")
        elif key == "next.due":
            data.setdefault("next", {})["due"] = when.date() if isinstance(when, dt.datetime) else when
        else:
            data[key] = when.date() if isinstance(when, dt.datetime) else when
    if "created" not in data:
        data["created"] = today
        if "created-today" not in plan.notes:
            plan.notes.append("created-today")
    if text("next.action"):
        data.setdefault("next", {})["action"] = text("next.action")
    if "next" in data and "action" not in data["next"]:
        data["next"]["action"] = "Follow up"
    if pb.is_closed(stage) and "closed" not in data:
        data["closed"] = data["created"]
    tags = get.get("tags")
    if isinstance(tags, list):
        data["tags"] = [str(t) for t in tags]
    elif tags:
        data["tags"] = [t.strip() for t in re.split(r"[;,|]", str(tags)) if t.strip()]
    if any(any(c in t for c in "[]{}#\n") for t in data.get("tags", [])):
        return fail("a tag may not contain [ ] { } # or line breaks")
    log = get.get("log")
    if log not in (None, "", []):
        try:
            entries = json.loads(log) if isinstance(log, str) else log
            if not isinstance(entries, list):
                raise ValueError
            data["log"] = [_log_entry(e) for e in entries]
        except (ValueError, TypeError):
            return fail("log: not a list of entries (JSON, as `pipeline export` writes it)")
    notes = text("notes")
    if notes:
        data.setdefault("log", []).append({"date": data["created"], "kind": "note", "text": notes})
    # keys the tool does not know: kept as they are (from our own export, or named like keys)
    for k, v in get.items():
        if k in FIELDS or k in _RESERVED or "." in k or v in (None, ""):
            continue
        if _KEY_RE.match(k):
            data[k] = _typed_cell(v) if plan.own_format and isinstance(v, str) else (_revive(v) if typed else v)
    wanted_id = text("id")
    if wanted_id:
        if not valid_id(wanted_id):
            return fail(f"id {wanted_id!r} is not a valid id")
        res.lead_id = wanted_id
    res.data = data
    return res


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


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _revive(value: Any) -> Any:
    """Dates inside JSON (which has none) back to dates, as an unquoted date in YAML is one."""
    if isinstance(value, str) and _ISO_DAY.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return [_revive(v) for v in value]
    if isinstance(value, dict):
        return {k: _revive(v) for k, v in value.items()}
    return value


def _typed_cell(text: str) -> Any:
    """A cell of our own export for a key the tool does not know: JSON for lists and mappings, else YAML."""
    from pipeline_tui.core import yamlio
    from pipeline_tui.core.errors import YamlProblem

    if text[:1] in "[{":
        try:
            return _revive(json.loads(text))
        except ValueError:
            return text
    try:
        value = yamlio.loads("v: " + yamlio.double_quoted(text) if text != text.strip() else "v: " + text)
    except YamlProblem:
        return text
    v = value.get("v") if isinstance(value, dict) else None
    return v if isinstance(v, (str, int, float, bool, dt.date)) and not isinstance(v, dt.datetime) else text


def _choose(raw: str, explicit: dict[str, str], defaults: dict[str, list[str]], allowed: list[str],
            default: str | None, fallback: str | None, what: str, seen: dict) -> tuple[str, str]:
    """(the playbook's value for a file's source or status, or "" and why not); counts it for the preview."""
    value = _lookup(raw, explicit, defaults, allowed) if raw else None
    if value is None:
        if raw and not default:
            flag = f"--map-{what} '{raw}={allowed[0]}'"
            return "", (f"unknown {what} {raw!r}; map it ({flag} or a mapping file)"
                        + (" or give --default-source" if what == "source" else ""))
        value = default or fallback
        if value is None:
            return "", f"no {what}; add a {what} column or give --default-{what}"
    if value not in allowed:
        return "", f"{what} {value!r} is not in the playbook ({', '.join(allowed)})"
    if raw:
        seen[raw] = (value, seen.get(raw, (value, 0))[1] + 1)
    return value, ""


def _log_entry(e: Any) -> dict:
    if not isinstance(e, dict):
        raise ValueError
    out = dict(e)
    d = out.get("date")
    if isinstance(d, str):
        out["date"] = dt.date.fromisoformat(d[:10])
    return out


# --- applying -----------------------------------------------------------------------------------

def apply_import(pipe: Pipeline, plan: Plan, today: dt.date | None = None) -> tuple[str | None, list[str], list[str]]:
    """Write the new and merged rows and commit them as one commit. (commit, new ids, merged ids)."""
    from pipeline_tui.core import faults, pending, yamlio
    from pipeline_tui.core.edit import render_mapping
    from pipeline_tui.core.gitrepo import GitRepo
    from pipeline_tui.core.lead import new_id
    from pipeline_tui.core.ops import update_text_ops
    from pipeline_tui.core.store import atomic_write

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
                text = render_mapping(r.data)
                if yamlio.loads(text) != r.data:
                    raise BadInput(f"row {r.row}: the new lead would not read back as intended")
                path = pipe.lead_path(lead_id)
                writes[path] = text.encode("utf-8")
                new_paths.append(path)
                taken.add(lead_id)
                r.lead_id = lead_id
                new_ids.append(lead_id)
            else:
                lead, raw = pipe.read_raw(r.lead_id)
                new_bytes = update_text_ops(pipe, lead, raw, _merge_ops(lead.data, r.data, plan, r.row, today))
                if new_bytes is not None:
                    writes[pipe.lead_path(r.lead_id)] = new_bytes
                    merged.append(r.lead_id)
        if not writes:
            return None, [], []
        name = Path(plan.path).name
        message = f"import {name}: {len(new_ids)} new" + (f", {len(merged)} merged" if merged else "")
        # all or nothing, even under kill -9: a journal names every file first (core.pending)
        with pending.guarded(repo, "import", dict(writes)):
            pipe.refuse_links()
            for path, data in writes.items():
                atomic_write(path, data, shared)
                faults.point("import-writing")
            sha = repo.commit(list(writes), message, "import", new_paths=new_paths)
    return sha, new_ids, merged


def _merge_ops(old: dict, new: dict, plan: Plan, row: int, today: dt.date) -> list:
    """Fill in what the existing lead lacks; never overwrite; note where it came from."""
    from pipeline_tui.core.store import Op

    ops = []
    for k, v in new.items():
        if k in ("log", "stage", "created", "closed", "source"):
            continue
        if isinstance(v, dict) and isinstance(old.get(k), dict):
            for sub, sv in v.items():
                if old[k].get(sub) in (None, ""):
                    ops.append(Op("set", (k, sub), sv))
        elif old.get(k) in (None, "", []):
            ops.append(Op("set", (k,), v))
    if ops:
        ops.append(Op("append", ("log",), {"date": today, "kind": "note",
                                           "text": f"Imported again from {Path(plan.path).name} row {row}: "
                                                   f"filled in {', '.join('.'.join(o.path) for o in ops)}"}))
    return ops
