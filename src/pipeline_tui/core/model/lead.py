"""The lead: a typed, validated view of one parsed lead file, its grade, and lead ids.

A `Lead` is read-only and cheap to build from already-parsed data; the file on disk stays the truth.
Validation yields `(key path, message, severity)` tuples; lines are resolved only when shown.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from pipeline_tui.core.dates import as_date
from pipeline_tui.core.model.playbook import Playbook
from pipeline_tui.core.model.rules import MAX_VALUE, KeyProblem, validate
from pipeline_tui.core.model.vocabulary import GRADES, HORIZONS, INTEREST, ORIGINS


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
        "id", "path", "_data", "_loader", "_problems", "_playbook", "broken", "name", "company", "email", "source", "group", "origin",
        "stage", "horizon", "owner", "value", "created", "next_action", "next_due", "tags", "grade",
        "sales_qualified", "closed", "won", "interest", "_text_cache", "stage_since", "_json",
    )

    def __init__(self, lead_id: str, path: str, data: Any, playbook: Playbook, broken: str | None = None,
                 broken_line: int | None = None):
        self.id = lead_id
        self.path = path
        self._problems: list[KeyProblem] | None = None  # validated on first use: listing needs no validation
        self._playbook = playbook
        self.broken = broken
        if broken is not None:
            self._problems = [((), broken, "error") if broken_line is None else ((broken_line,), broken, "error")]
            data = {}
        elif not isinstance(data, dict):
            self._problems = [((), "a lead file must be a mapping of fields (name: ..., source: ...)", "error")]
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
                record_json: str | None = None, loader=None) -> Lead:  # noqa: ANN001
        """A lead from the cache's `derived()` (made under the same playbook): no work repeated. Its parsed
        data comes from `data`, or from `loader(lead_id)` when first asked for."""
        self = cls.__new__(cls)
        self.id, self.path, self._data, self._loader, self._playbook = lead_id, path, data, loader, playbook
        self._problems, self.broken, self._text_cache, self.stage_since = None, None, None, None
        self._json = record_json
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
    def problems(self) -> list[KeyProblem]:
        """Schema and playbook problems, computed once when first asked for."""
        if self._problems is None:
            try:
                self._problems = validate(self.id, self.data, self._playbook)
            except Exception as exc:  # noqa: BLE001 - a strange file is a problem to show, not a crash
                self._problems = [((), f"cannot be checked ({type(exc).__name__}: {exc})", "error")]
        return self._problems

    @property
    def is_open(self) -> bool:
        return not self.closed and not self.broken

    @property
    def has_errors(self) -> bool:
        return any(sev == "error" for _, _, sev in self.problems)

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

    def record_json(self) -> str:
        """`record()` as compact JSON text (kept in the cache: `list --json` only joins them)."""
        if self._json is None:
            import json

            from pipeline_tui.core.safetext import json_text

            self._json = json_text(json.dumps(self.record(), ensure_ascii=False))
        return self._json

    def record(self) -> dict:
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


