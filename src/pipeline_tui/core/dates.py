"""Dates a person types (`today`, `tomorrow`, `+3d`, `mon`, ISO) and dates read from lead files."""

from __future__ import annotations

import datetime as dt
import re

from pipeline_tui.core.errors import BadInput

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_REL_RE = re.compile(r"^([+-])(\d{1,4})([dwm]?)$")
DATE_HELP = "use today, tomorrow, +3d, +2w, mon..sun, or an ISO date like 2026-11-25"


def parse_date_input(text: str, today: dt.date) -> dt.date:
    """A date typed by a person, relative to `today`. Raises BadInput with a hint."""
    s = text.strip().lower()
    if s in ("today", "now", "tod"):
        return today
    if s in ("tomorrow", "tom", "tmr"):
        return today + dt.timedelta(days=1)
    if s == "yesterday":
        return today - dt.timedelta(days=1)
    m = _REL_RE.match(s)
    if m:
        sign = 1 if m.group(1) == "+" else -1
        n = int(m.group(2))
        unit = m.group(3) or "d"
        days = {"d": 1, "w": 7, "m": 30}[unit] * n
        return today + dt.timedelta(days=sign * days)
    for i, name in enumerate(WEEKDAYS):
        if s[:3] == name and (len(s) == 3 or _full_weekday(s) == i):
            ahead = (i - today.weekday()) % 7 or 7
            return today + dt.timedelta(days=ahead)
    if s in ("next week", "nextweek"):
        return today + dt.timedelta(days=(7 - today.weekday()) or 7)
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise BadInput(f"bad date {text!r}: {DATE_HELP}") from None


def _full_weekday(s: str) -> int | None:
    names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    return names.index(s) if s in names else None


def parse_datetime_input(text: str, today: dt.date, now: dt.datetime | None = None) -> dt.datetime:
    """A date and time typed by a person (`now`, `2026-11-01T14:30`, or any date input at 00:00)."""
    s = text.strip()
    if s.lower() == "now":
        return (now or dt.datetime.now()).replace(second=0, microsecond=0)
    try:
        return dt.datetime.fromisoformat(s)
    except ValueError:
        pass
    d = parse_date_input(s, today)
    return dt.datetime(d.year, d.month, d.day)


def as_date(value: object) -> dt.date | None:
    """A date read from a file (date object or ISO string); None if absent or unreadable."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def as_datetime(value: object) -> dt.datetime | None:
    """A date-time read from a file; a bare date means midnight."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        return parsed.replace(tzinfo=None) if parsed.tzinfo else parsed
    return None
