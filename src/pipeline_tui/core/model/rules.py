"""What makes a lead file valid: the schema and its keys, the playbook's choices, text that could drive a
terminal, dates that contradict each other and keys that look like typos. Each finding is a `KeyProblem`
(path of keys, message, error or warning), as `pipeline check` reports it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pipeline_tui.core.dates import as_date, as_datetime
from pipeline_tui.core.model.playbook import Playbook
from pipeline_tui.core.model.vocabulary import AUTHORITY, FIT, HORIZONS, INTEREST, ORIGINS
from pipeline_tui.core.safetext import (
    MULTILINE_KEYS,
    contains_unsafe,
    describe,
    quoted,
    shown,
    unsafe_char,
    visible,
    walk_strings,
)

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


KeyProblem = tuple[tuple, str, str]  # (key path, message, severity): a Problem before its line is known


def valid_id(lead_id: str) -> bool:
    return bool(ID_RE.match(lead_id))


KNOWN_KEYS = (
    "name", "company", "title", "email", "phone", "owner", "source", "source_detail", "origin", "stage",
    "horizon", "qualification", "value", "created", "first_contact", "closed", "next", "tags", "log",
    "expected_close",
)


REQUIRED = ("name", "source", "created")


MAX_VALUE = 10**15  # a deal value beyond this is a typo (and sums of such values lose their meaning)


def multiline_path(path: tuple) -> bool:
    """Whether the string at this key path is free text that may hold line breaks and tabs: log texts,
    notes and pain, and the keys the tool does not know (a person's own); not names, ids or choices."""
    if not path or not isinstance(path[0], str) or path[0] not in KNOWN_KEYS:
        return bool(path)
    last = next((k for k in reversed(path) if isinstance(k, str)), None)
    return last in MULTILINE_KEYS


def unsafe_text_problems(d: Any) -> list[KeyProblem]:
    """A problem for every string (keys too) holding a character that could drive a terminal or hide text."""
    if not contains_unsafe(d):
        return []
    out: list[KeyProblem] = []
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


def key_typos(d: dict, playbook: Playbook) -> list[KeyProblem]:
    """A key of one's own that looks like one of the tool's (`stgae`, `Stage`): likely a typo, whose value the
    tool never reads. A warning at its line; keys the playbook lists as `custom_keys` are meant."""
    import difflib

    out: list[KeyProblem] = []
    for key in d:
        if not isinstance(key, str) or key in KNOWN_KEYS or key in playbook.custom_keys:
            continue
        guess = difflib.get_close_matches(key.lower(), KNOWN_KEYS, n=1, cutoff=0.75)
        if guess:
            out.append(((key,), f"unknown key {key!r}: did you mean {guess[0]!r}? (the tool does not read {key!r}; "
                        "list it under custom_keys: in pipeline.yaml if it is yours)", "warning"))
    return out


def date_contradictions(d: dict, playbook: Playbook) -> dict[tuple, KeyProblem]:
    """Dates of one lead that contradict each other, by rule (`set` refuses to make a new one): first
    contact before the lead came in, closed before created, `closed:` on an open lead, a log entry before
    created, and a next.due years past every other date of the lead."""
    out: dict[tuple, KeyProblem] = {}
    created, closed, fc = (_when(d.get(k)) for k in ("created", "closed", "first_contact"))
    if created is not None and fc is not None:
        c_day, c_moment = created
        early = fc[1] < c_moment if c_moment is not None and fc[1] is not None else fc[0] < c_day
        if early:
            out[("first_contact_before_created",)] = (
                ("first_contact",), f"first_contact {shown(d['first_contact'])} is before created "
                f"{shown(d['created'])}: the first answer cannot come before the lead came in; fix one of them",
                "error")
    if created is not None and closed is not None and closed[0] < created[0]:
        out[("closed_before_created",)] = (
            ("closed",), f"closed {shown(d['closed'])} is before created {shown(d['created'])}: a lead cannot "
            "close before it came in; fix one of them", "error")
    stage = d.get("stage")
    effective = stage if isinstance(stage, str) else playbook.first_stage
    if closed is not None and effective in playbook.stages and not playbook.is_closed(effective):
        ends = ", ".join(s for s in playbook.stages if playbook.is_closed(s)) or "none"
        out[("closed_on_open_lead",)] = (
            ("closed",), f"closed {shown(d['closed'])} on a lead in open stage {visible(effective)} (closed "
            f"stages: {ends}): set its stage to one of them, or remove closed", "error")
    log = d.get("log")
    entries = [(i, e) for i, e in enumerate(log) if isinstance(e, dict)] if isinstance(log, list) else []
    if created is not None:
        for i, entry in entries:
            day = _when(entry.get("date"))
            if day is not None and day[0] < created[0]:
                out[("log_before_created", i)] = (
                    ("log", i), f"log entry {i + 1} is dated {shown(entry['date'])}, before created "
                    f"{shown(d['created'])}: fix the entry's date or created", "warning")
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
                    ("next", "due"), f"next.due {shown(nxt['due'])} is more than {DUE_YEARS} years after the "
                    f"lead's latest date ({key} {shown(raw)}): a typo in the year?", "warning")
    return out


def validate(lead_id: str, d: dict, playbook: Playbook) -> list[KeyProblem]:  # noqa: C901 - a flat list of rules
    """Schema and playbook problems of one lead's data."""
    out: list[KeyProblem] = []

    def err(keys: tuple, msg: str, sev: str = "error") -> None:
        out.append((keys, msg, sev))

    out.extend(unsafe_text_problems(d))
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
    for key in ("created", "closed", "expected_close"):
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
