"""The lead: a typed, validated view of one parsed lead file, its grade, and lead ids.

A `Lead` is read-only and cheap to build from already-parsed data; the file on disk stays the truth.
Validation yields `(key path, message, severity)` tuples; lines are resolved only when shown.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from pipeline_tui.core.dates import as_date, as_datetime
from pipeline_tui.core.model.playbook import AUTHORITY, FIT, GRADES, HORIZONS, INTEREST, ORIGINS, Playbook
from pipeline_tui.core.safetext import (
    MULTILINE_KEYS,
    contains_unsafe,
    describe,
    quoted,
    unsafe_char,
    visible,
    walk_strings,
)

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
KNOWN_KEYS = (
    "name", "company", "title", "email", "phone", "owner", "source", "source_detail", "origin", "stage",
    "horizon", "qualification", "value", "created", "first_contact", "closed", "next", "tags", "log",
)
REQUIRED = ("name", "source", "created")
MAX_VALUE = 10**15  # a deal value beyond this is a typo (and sums of such values lose their meaning)

Issue = tuple[tuple, str, str]  # (key path, message, severity)


def multiline_path(path: tuple) -> bool:
    """Whether the string at this key path is free text that may hold line breaks and tabs: log texts,
    notes and pain, and the keys the tool does not know (a person's own); not names, ids or choices."""
    if not path or not isinstance(path[0], str) or path[0] not in KNOWN_KEYS:
        return bool(path)
    last = next((k for k in reversed(path) if isinstance(k, str)), None)
    return last in MULTILINE_KEYS


def unsafe_text_issues(d: Any) -> list[Issue]:
    """A problem for every string (keys too) holding a character that could drive a terminal or hide text."""
    if not contains_unsafe(d):
        return []
    out: list[Issue] = []
    for path, text, is_key in walk_strings(d):
        ch = unsafe_char(text, multiline=not is_key and multiline_path(path))
        if ch is None:
            continue
        where = ".".join(visible(str(k)) for k in path if not isinstance(k, int)) or "the file"
        what = f"the key '{visible(text)}'" if is_key else where
        out.append((path, f"{what} holds {describe(ch)}: control characters, bidi overrides and zero-width "
                          "characters could hide or change what the text shows; remove it"
                          + ("" if ch not in "\n\t" else " (line breaks and tabs only belong in log texts, notes and pain)"),
                    "error"))
    return out


def valid_id(lead_id: str) -> bool:
    return bool(ID_RE.match(lead_id))


def slugify(text: str, limit: int = 60) -> str:
    """Lowercase ASCII words joined by `-`, from any script: `Иван Петров` -> `ivan-petrov`, `陈伟` ->
    `chen-wei` (each ideograph a syllable of its own), `Straße` -> `strasse`."""
    from anyascii import anyascii

    ascii_text = "".join(f" {anyascii(c)} " if "\u2e80" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" else c
                         for c in unicodedata.normalize("NFC", text))
    norm = anyascii(ascii_text).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", norm).strip("-")
    slug = slug[:limit].rstrip("-")
    return slug


def new_id(name: str, company: str | None = None, exists=lambda _id: False) -> str:  # noqa: ANN001
    """A readable slug of company and name plus a short random part: `acme-jane-doe-k3f9`."""
    import secrets

    base = slugify(" ".join(p for p in (company or "", name) if p)) or "lead"
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    for _ in range(100):
        suffix = "".join(secrets.choice(alphabet) for _ in range(4))
        candidate = f"{base}-{suffix}"
        if not exists(candidate):
            return candidate
    raise RuntimeError("could not find a free id")  # pragma: no cover - 32**4 ids per base


def score(data: dict, playbook: Playbook) -> int | float:
    q = data.get("qualification")
    if not isinstance(q, dict):
        return 0
    pts = playbook.points
    total: float = 0
    for crit in ("interest", "authority", "fit"):
        answer = q.get(crit)
        if isinstance(answer, str):
            total += pts[crit].get(answer, 0)
    pain = q.get("pain")
    if isinstance(pain, str) and pain.strip():
        total += pts.get("pain", 0)
    return total


def grade_for(total: float, playbook: Playbook) -> str:
    for g in ("A", "B", "C"):
        if total >= playbook.grade_min[g]:
            return g
    return "D"


class Lead:
    """One lead as the program sees it. Broken files are Leads too, with `broken` set."""

    __slots__ = (
        "id", "path", "_data", "_loader", "_issues", "_playbook", "broken", "name", "company", "email", "source", "group", "origin",
        "stage", "horizon", "owner", "value", "created", "next_action", "next_due", "tags", "grade",
        "sales_qualified", "closed", "won", "interest", "_text_cache", "stage_since", "_json",
    )

    def __init__(self, lead_id: str, path: str, data: Any, playbook: Playbook, broken: str | None = None,
                 broken_line: int | None = None):
        self.id = lead_id
        self.path = path
        self._issues: list[Issue] | None = None  # validated on first use: listing needs no validation
        self._playbook = playbook
        self.broken = broken
        if broken is not None:
            self._issues = [((), broken, "error") if broken_line is None else ((broken_line,), broken, "error")]
            data = {}
        elif not isinstance(data, dict):
            self._issues = [((), "a lead file must be a mapping of fields (name: ..., source: ...)", "error")]
            self.broken = "not a mapping"
            data = {}
        self._data: dict | None = data
        self._loader = None
        d = data
        self.name = _s(d.get("name")) or lead_id
        self.company = _s(d.get("company"))
        self.email = _s(d.get("email"))
        self.source = _s(d.get("source"))
        src = playbook.sources.get(self.source)
        self.group = src.group if src else ""
        origin = d.get("origin")
        self.origin = origin if origin in ORIGINS else (src.origin if src else "")
        stage = d.get("stage")
        self.stage = stage if isinstance(stage, str) and stage else (playbook.first_stage if not self.broken else "")
        horizon = d.get("horizon")
        self.horizon = horizon if horizon in HORIZONS else "short"
        self.owner = _s(d.get("owner"))
        value = d.get("value")
        self.value = value if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and 0 <= value <= MAX_VALUE else None  # a bad value (nan, -5, 1e308) is check's, never a sum's
        self.created = as_date(d.get("created"))
        nxt = d.get("next")
        if isinstance(nxt, dict):
            self.next_action = _s(nxt.get("action"))
            self.next_due = as_date(nxt.get("due"))
        else:
            self.next_action, self.next_due = "", None
        tags = d.get("tags")
        self.tags = [str(t) for t in tags] if isinstance(tags, list) else ([tags] if isinstance(tags, str) else [])
        q = d.get("qualification")
        self.interest = q.get("interest") if isinstance(q, dict) and q.get("interest") in INTEREST else "none"
        total = score(d, playbook)
        self.grade = grade_for(total, playbook) if not self.broken else ""
        self.sales_qualified = (
            not self.broken
            and INTEREST.index(self.interest) >= INTEREST.index(playbook.min_interest)
            and GRADES.index(self.grade) <= GRADES.index(playbook.min_grade)
        )
        self.closed = playbook.is_closed(self.stage)
        self.won = playbook.is_won(self.stage)
        self._text_cache = None
        self.stage_since: dt.date | None = None  # set from git history (stage_history.attach) when known
        self._json: str | None = None

    DERIVED = ("name", "company", "email", "source", "group", "origin", "stage", "horizon", "owner", "value",
               "created", "next_action", "next_due", "tags", "grade", "sales_qualified", "closed", "won", "interest")

    def derived(self) -> tuple:
        """What the constructor worked out from the data and the playbook, for the cache."""
        return tuple(getattr(self, k) for k in self.DERIVED)

    @classmethod
    def restore(cls, lead_id: str, path: str, data: dict | None, playbook: Playbook, derived: tuple,
                summary_json: str | None = None, loader=None) -> Lead:  # noqa: ANN001
        """A lead from the cache's `derived()` (made under the same playbook): no work repeated. Its parsed
        data comes from `data`, or from `loader(lead_id)` when first asked for."""
        self = cls.__new__(cls)
        self.id, self.path, self._data, self._loader, self._playbook = lead_id, path, data, loader, playbook
        self._issues, self.broken, self._text_cache, self.stage_since = None, None, None, None
        self._json = summary_json
        (self.name, self.company, self.email, self.source, self.group, self.origin, self.stage, self.horizon,
         self.owner, self.value, self.created, self.next_action, self.next_due, self.tags, self.grade,
         self.sales_qualified, self.closed, self.won, self.interest) = derived
        return self

    @property
    def data(self) -> dict:
        """The parsed file (a listing from the cache may not need it: then it is read only when asked for)."""
        if self._data is None:
            self._data = self._loader(self.id) if self._loader is not None else {}
            if not isinstance(self._data, dict):
                self._data = {}
        return self._data

    @property
    def issues(self) -> list[Issue]:
        """Schema and playbook problems, computed once when first asked for."""
        if self._issues is None:
            try:
                self._issues = validate(self.id, self.data, self._playbook)
            except Exception as exc:  # noqa: BLE001 - a strange file is a problem to show, not a crash
                self._issues = [((), f"cannot be checked ({type(exc).__name__}: {exc})", "error")]
        return self._issues

    @property
    def is_open(self) -> bool:
        return not self.closed and not self.broken

    @property
    def has_errors(self) -> bool:
        return any(sev == "error" for _, _, sev in self.issues)

    def search_text(self) -> str:
        """Lower-cased text matched by bare query words (cached: a query runs on every keystroke)."""
        if self._text_cache is None:
            self._text_cache = "\n".join((self.name, self.company, self.email, self.notes_text())).lower()
        return self._text_cache

    def notes_text(self) -> str:
        """Free text searched by bare query words besides name, company and email."""
        parts = [str(self.data.get(k) or "") for k in ("notes", "source_detail", "title")]
        log = self.data.get("log")
        if isinstance(log, list):
            parts.extend(str(e.get("text") or "") for e in log if isinstance(e, dict))
        q = self.data.get("qualification")
        if isinstance(q, dict) and q.get("pain"):
            parts.append(str(q.get("pain")))
        if isinstance(self.data.get("next"), dict):
            parts.append(self.next_action)
        return "\n".join(parts)

    def due_state(self, today: dt.date) -> str:
        """overdue | today | later | none (closed leads: closed)."""
        if self.closed:
            return "closed"
        if self.next_due is None:
            return "none"
        if self.next_due < today:
            return "overdue"
        if self.next_due == today:
            return "today"
        return "later"

    @property
    def qualification_label(self) -> str:
        """`A SQL` / `D MQL`: the grade, and sales- or marketing-qualified (what lists show)."""
        return f"{self.grade} {'SQL' if self.sales_qualified else 'MQL'}" if self.grade else ""

    def days_in_stage(self, today: dt.date) -> int | None:
        since = self.stage_since or self.created
        return max(0, (today - since).days) if since else None

    def rotting(self, today: dt.date) -> tuple[int, int] | None:
        """(days in stage, the stage's limit) when an open lead has sat in its stage past the playbook's limit."""
        if not self.is_open:
            return None
        stage = self._playbook.stages.get(self.stage)
        days = self.days_in_stage(today)
        if stage is None or stage.limit_days is None or days is None or days <= stage.limit_days:
            return None
        return days, stage.limit_days

    def summary_json(self) -> str:
        """`summary()` as compact JSON text (kept in the cache: `list --json` only joins them)."""
        if self._json is None:
            import json

            from pipeline_tui.core.safetext import json_text

            self._json = json_text(json.dumps(self.summary(), ensure_ascii=False))
        return self._json

    def summary(self) -> dict:
        """The JSON object of `list --json` (fixed contract, SPEC section 4)."""
        return {
            "id": self.id,
            "path": self.path,
            "name": self.name,
            "company": self.company or None,
            "email": self.email or None,
            "source": self.source,
            "group": self.group or None,
            "origin": self.origin or None,
            "stage": self.stage,
            "horizon": self.horizon,
            "grade": self.grade,
            "sales_qualified": self.sales_qualified,
            "owner": self.owner or None,
            "value": self.value,
            "created": self.created.isoformat() if self.created else None,
            "next": {
                "action": self.next_action or None,
                "due": self.next_due.isoformat() if self.next_due else None,
            },
            "tags": self.tags,
        }


def _s(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float, dt.date)):
        return str(value)
    return ""


def _is_date(value: Any) -> bool:
    return as_date(value) is not None and (isinstance(value, dt.date) or len(str(value).strip()) == 10)


def refusal(lead_id: str, record: Any) -> str:
    """What every command says of a lead that still holds a merge's two versions (`merge_conflicts:`)."""
    keys = ", ".join(visible(str(k)) for k in record) if isinstance(record, dict) else "some fields"
    return (f"two versions of {keys} came in from a merge; choose with pipeline resolve {lead_id} "
            f"KEY=ours|theirs (pipeline resolve {lead_id} shows both)")


DUE_YEARS = 3  # a next.due further than this past every other date of the lead is a typo (2062 for 2026)


def _when(value: Any) -> tuple[dt.date, dt.datetime | None] | None:
    """A valid date field as (its day, its moment when it carries a time); None when absent or unreadable
    (a bad format is reported on its own)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime) or (isinstance(value, str) and len(value.strip()) > 10):
        moment = as_datetime(value)
        return (moment.date(), moment) if moment is not None else None
    day = as_date(value)
    return (day, None) if day is not None else None


def _shown(value: Any) -> str:
    return visible(value.isoformat() if isinstance(value, dt.date) else str(value).strip())


def key_typos(d: dict, playbook: Playbook) -> list[Issue]:
    """A key of one's own that looks like one of the tool's (`stgae`, `Stage`): likely a typo, whose value the
    tool never reads. A warning at its line; keys the playbook lists as `custom_keys` are meant."""
    import difflib

    out: list[Issue] = []
    for key in d:
        if not isinstance(key, str) or key in KNOWN_KEYS or key in playbook.custom_keys:
            continue
        guess = difflib.get_close_matches(key.lower(), KNOWN_KEYS, n=1, cutoff=0.75)
        if guess:
            out.append(((key,), f"unknown key {key!r}: did you mean {guess[0]!r}? (the tool does not read {key!r}; "
                        "list it under custom_keys: in pipeline.yaml if it is yours)", "warning"))
    return out


def date_contradictions(d: dict, playbook: Playbook) -> dict[tuple, Issue]:
    """Dates of one lead that contradict each other, by rule (`set` refuses to make a new one): first
    contact before the lead came in, closed before created, `closed:` on an open lead, a log entry before
    created, and a next.due years past every other date of the lead."""
    out: dict[tuple, Issue] = {}
    created, closed, fc = (_when(d.get(k)) for k in ("created", "closed", "first_contact"))
    if created is not None and fc is not None:
        c_day, c_moment = created
        early = fc[1] < c_moment if c_moment is not None and fc[1] is not None else fc[0] < c_day
        if early:
            out[("first_contact_before_created",)] = (
                ("first_contact",), f"first_contact {_shown(d['first_contact'])} is before created "
                f"{_shown(d['created'])}: the first answer cannot come before the lead came in; fix one of them",
                "error")
    if created is not None and closed is not None and closed[0] < created[0]:
        out[("closed_before_created",)] = (
            ("closed",), f"closed {_shown(d['closed'])} is before created {_shown(d['created'])}: a lead cannot "
            "close before it came in; fix one of them", "error")
    stage = d.get("stage")
    effective = stage if isinstance(stage, str) else playbook.first_stage
    if closed is not None and effective in playbook.stages and not playbook.is_closed(effective):
        ends = ", ".join(s for s in playbook.stages if playbook.is_closed(s)) or "none"
        out[("closed_on_open_lead",)] = (
            ("closed",), f"closed {_shown(d['closed'])} on a lead in open stage {visible(effective)} (closed "
            f"stages: {ends}): set its stage to one of them, or remove closed", "error")
    log = d.get("log")
    entries = [(i, e) for i, e in enumerate(log) if isinstance(e, dict)] if isinstance(log, list) else []
    if created is not None:
        for i, entry in entries:
            day = _when(entry.get("date"))
            if day is not None and day[0] < created[0]:
                out[("log_before_created", i)] = (
                    ("log", i), f"log entry {i + 1} is dated {_shown(entry['date'])}, before created "
                    f"{_shown(d['created'])}: fix the entry's date or created", "warning")
    nxt = d.get("next")
    due = _when(nxt.get("due")) if isinstance(nxt, dict) and _is_date(nxt.get("due")) else None
    if due is not None:
        known = [(k, d[k], w[0]) for k, w in (("created", created), ("first_contact", fc), ("closed", closed))
                 if w is not None]
        known += [(f"log entry {i + 1}", e["date"], w[0]) for i, e in entries
                  if (w := _when(e.get("date"))) is not None]
        if known:
            key, raw, latest = max(known, key=lambda k: k[2])
            if (due[0] - latest).days > DUE_YEARS * 365:
                out[("due_far",)] = (
                    ("next", "due"), f"next.due {_shown(nxt['due'])} is more than {DUE_YEARS} years after the "
                    f"lead's latest date ({key} {_shown(raw)}): a typo in the year?", "warning")
    return out


def validate(lead_id: str, d: dict, playbook: Playbook) -> list[Issue]:  # noqa: C901 - a flat list of rules
    """Schema and playbook problems of one lead's data."""
    out: list[Issue] = []

    def err(keys: tuple, msg: str, sev: str = "error") -> None:
        out.append((keys, msg, sev))

    out.extend(unsafe_text_issues(d))
    if "merge_conflicts" in d:  # (merge.RECORD_KEY) written by a merge: both values of each field
        err(("merge_conflicts",), refusal(lead_id, d["merge_conflicts"]))
    if not valid_id(lead_id):
        err((), f"file name {visible(lead_id)!r} is not a valid id (lowercase letters, digits and -, at most 80)")
    for key in REQUIRED:
        if d.get(key) in (None, ""):
            err((), f"missing required key {key!r}")
    for key in ("name", "company", "title", "email", "phone", "owner", "source_detail"):
        v = d.get(key)
        if v is not None and not isinstance(v, str):
            if key == "phone" and isinstance(v, int):
                err((key,), "phone should be quoted (\"+1 555 0100\") so it stays text")
            else:
                err((key,), f"{key} must be text")
    src = d.get("source")
    if src not in (None, "") and (not isinstance(src, str) or src not in playbook.sources):
        err(("source",), f"unknown source {quoted(src)}; the playbook has: {', '.join(playbook.sources)}")
    stage = d.get("stage")
    if stage is not None and (not isinstance(stage, str) or stage not in playbook.stages):
        err(("stage",), f"unknown stage {quoted(stage)}; the playbook has: {', '.join(playbook.stages)}")
    origin = d.get("origin")
    if origin is not None and (not isinstance(origin, str) or origin not in ORIGINS):
        err(("origin",), f"origin must be buyer or seller, not {quoted(origin)}")
    horizon = d.get("horizon")
    if horizon is not None and (not isinstance(horizon, str) or horizon not in HORIZONS):
        err(("horizon",), f"horizon must be short or long, not {quoted(horizon)}")
    email = d.get("email")
    if isinstance(email, str) and email and not EMAIL_RE.match(email):
        err(("email",), f"email {quoted(email)} does not look like an address")
    owner = d.get("owner")
    if isinstance(owner, str) and playbook.team and owner not in playbook.team:
        err(("owner",), f"owner {quoted(owner)} is not in the playbook's team: {', '.join(playbook.team)}")
    q = d.get("qualification")
    if q is not None:
        if not isinstance(q, dict):
            err(("qualification",), "qualification must be a mapping (interest, authority, fit, pain)")
        else:
            for key, allowed in (("interest", INTEREST), ("authority", AUTHORITY), ("fit", FIT)):
                v = q.get(key)
                if v is not None and v not in allowed:
                    err(("qualification", key), f"qualification.{key} must be one of {', '.join(allowed)}, not {quoted(v)}")
            pain = q.get("pain")
            if pain is not None and not isinstance(pain, str):
                err(("qualification", "pain"), "qualification.pain must be text")
    value = d.get("value")
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_VALUE):
        err(("value",), f"value must be a number from 0 to {MAX_VALUE:,}, not {quoted(value)}")
    for key in ("created", "closed"):
        v = d.get(key)
        if v not in (None, "") and not _is_date(v):
            err((key,), f"{key} must be a date like 2026-11-01, not {quoted(v)}")
    fc = d.get("first_contact")
    if fc not in (None, "") and as_datetime(fc) is None:
        err(("first_contact",), f"first_contact must be a date and time like 2026-11-01T14:30, not {quoted(fc)}")
    nxt = d.get("next")
    if nxt is not None:
        if not isinstance(nxt, dict):
            err(("next",), "next must be a mapping with action and due")
        else:
            action = nxt.get("action")
            if action is not None and not isinstance(action, str):
                err(("next", "action"), "next.action must be text")
            due = nxt.get("due")
            if due is not None and not _is_date(due):
                err(("next", "due"), f"next.due must be a date like 2026-11-25, not {quoted(due)}")
    tags = d.get("tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, (str, int)) for t in tags)):
        err(("tags",), "tags must be a list of words, like [manufacturing, q4]")
    log = d.get("log")
    if log is not None:
        if not isinstance(log, list):
            err(("log",), "log must be a list of entries (date, kind, text)")
        else:
            for i, entry in enumerate(log):
                if not isinstance(entry, dict):
                    err(("log", i), f"log entry {i + 1} must be a mapping (date, kind, text)")
                    continue
                if as_date(entry.get("date")) is None:
                    err(("log", i), f"log entry {i + 1} needs a date like 2026-11-02")
    out.extend(date_contradictions(d, playbook).values())
    out.extend(key_typos(d, playbook))
    effective = stage if isinstance(stage, str) else playbook.first_stage
    if effective in playbook.stages and not playbook.is_closed(effective) and not isinstance(nxt, dict):
        level = playbook.rules.get("next_action_on_open_leads", "warning")
        if level != "off":
            err((), "open lead has no next action (next: {action: ..., due: ...})", level)
    return out
