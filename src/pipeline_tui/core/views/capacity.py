"""`pipeline capacity`: is follow-up keeping up? Per ISO week and per owner, from the files and git history.

Weeks are ISO weeks (`2026-W48`, Monday to Sunday); the table covers the `weeks` weeks ending with the week of
`today` (that week is counted up to today). A lead's owner is its `owner:` field now; a lead without one
counts only in the whole pipeline's rows (`owner` None). Broken lead files are left out. Per week and owner:

- `in`: leads whose `created` date falls in the week.
- `first_contacts`: leads whose `first_contact` date falls in the week.
- `decided`: qualification decisions made in the week. A lead's decision is the first commit in which git saw
  its `stage:` become a *decision stage*: the playbook's `qualified` stage or any stage after it in the
  playbook's order, or any closed stage (won or lost); a playbook without a `qualified` stage makes every
  stage after the first one a decision stage. A lead that git first saw already in a decision stage (added
  that way: an import, `add --stage`), or that is in one now while git never saw the move (uncommitted, no
  history), was decided at a moment nobody knows: it counts in no week's `decided`.
- `waiting`: the backlog of uncontacted leads at the end of the week (its Sunday): leads created on or
  before that day with no `first_contact` on or before it, and not closed by it. A closed lead is closed from
  its close date (`closed:`, else the day git saw it enter its closed stage; unknown: from `created`).
- `undecided`: the backlog of unqualified leads at the end of the week: leads created on or before that day,
  not decided by it (a lead decided at an unknown moment never counts) and not closed by it.

Warnings (`code`, `text`), for the whole pipeline ("the team") and each owner, always judged on the weeks
ending with today's week, whatever `weeks` is shown:

- `inflow-exceeds-follow-up`: in at least `OVERLOAD_MIN_WEEKS` of the last `OVERLOAD_WEEKS` weeks more leads
  came in than were first contacted, and over those weeks `in` exceeds `first_contacts` in total.
- `first-contact-slower`: the median hours to first contact (`report`'s definition: from the moment the lead
  came in to `first_contact`) of the leads first contacted in the last `SLOWER_WEEKS` weeks is at least
  `SLOWER_RATIO` times, and `SLOWER_MIN_HOURS` hours more than, that of the leads first contacted in the
  `SLOWER_WEEKS` weeks before; each side needs `SLOWER_MIN_LEADS` leads.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from pipeline_tui.core.dates import as_date
from pipeline_tui.core.git.stage_history import StageHistory
from pipeline_tui.core.model.lead import Lead
from pipeline_tui.core.model.playbook import Playbook
from pipeline_tui.core.views.report import close_date, first_contact_hours

DEFAULT_WEEKS = 8
MAX_WEEKS = 520
DECISION_STAGE = "qualified"
OVERLOAD_WEEKS = 4
OVERLOAD_MIN_WEEKS = 3
SLOWER_WEEKS = 4
SLOWER_MIN_LEADS = 3
SLOWER_RATIO = 1.5
SLOWER_MIN_HOURS = 4.0
FIGURES = ("in", "first_contacts", "decided", "waiting", "undecided")


def week_label(day: dt.date) -> str:
    """The ISO week of a day, as `YYYY-Www` (the ISO year: 2027-01-01 is in `2026-W53`)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_mondays(today: dt.date, weeks: int) -> list[dt.date]:
    """The Mondays of the `weeks` ISO weeks ending with today's, oldest first."""
    this = today - dt.timedelta(days=today.weekday())
    return [this - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def decision_stages(playbook: Playbook) -> set[str]:
    """The stages whose first reaching is a qualification decision (see the module's docstring)."""
    names = playbook.stage_names
    start = names.index(DECISION_STAGE) if DECISION_STAGE in names else 1
    return set(names[start:]) | {s for s in names if playbook.is_closed(s)}


@dataclass
class Facts:
    """What capacity needs of one lead."""

    owner: str | None
    created: dt.date | None
    first_contact: dt.date | None
    decided: dt.date | None  # the day of the decision, when git saw it
    decided_unknown: bool  # decided at a moment nobody knows
    closed: dt.date | None  # closed from this day on (None: open)
    hours: float | None  # hours to first contact


def lead_facts(lead: Lead, playbook: Playbook, hist: StageHistory | None, deciding: set[str]) -> Facts:
    decided, unknown = None, False
    stages = hist.get(lead.id) if hist is not None else None
    for at, stage in stages.changes if stages is not None else []:
        if stage in deciding:
            if stages.added is not None and at <= stages.added:
                unknown = True  # came in decided
            else:
                decided = at.date()
            break
    if decided is None and not unknown and lead.stage in deciding:
        unknown = True  # decided, but git never saw the move
    closed = None
    if lead.closed:
        closed = close_date(lead, hist) or lead.created or dt.date.min
    return Facts(lead.owner or None, lead.created, as_date(lead.data.get("first_contact")), decided, unknown, closed,
                 first_contact_hours(lead, hist))


def _row(facts: list[Facts], monday: dt.date) -> dict:
    sunday = monday + dt.timedelta(days=6)

    def within(day: dt.date | None) -> bool:
        return day is not None and monday <= day <= sunday

    def open_by(f: Facts) -> bool:
        return f.created is not None and f.created <= sunday and not (f.closed is not None and f.closed <= sunday)

    return {
        "in": sum(within(f.created) for f in facts),
        "first_contacts": sum(within(f.first_contact) for f in facts),
        "decided": sum(within(f.decided) for f in facts),
        "waiting": sum(open_by(f) and not (f.first_contact is not None and f.first_contact <= sunday) for f in facts),
        "undecided": sum(open_by(f) and not f.decided_unknown and not (f.decided is not None and f.decided <= sunday)
                         for f in facts),
    }


def _median_hours(facts: list[Facts], first: dt.date, last: dt.date) -> tuple[float | None, int]:
    hours = [f.hours for f in facts if f.hours is not None and f.first_contact and first <= f.first_contact <= last]
    return (statistics.median(hours) if hours else None), len(hours)


def _warnings(who: str, facts: list[Facts], today: dt.date) -> list[dict]:
    out = []
    mondays = week_mondays(today, max(OVERLOAD_WEEKS, 2 * SLOWER_WEEKS))
    rows = [_row(facts, m) for m in mondays[-OVERLOAD_WEEKS:]]
    came, contacted = sum(r["in"] for r in rows), sum(r["first_contacts"] for r in rows)
    behind = sum(r["in"] > r["first_contacts"] for r in rows)
    if behind >= OVERLOAD_MIN_WEEKS and came > contacted:
        out.append({"code": "inflow-exceeds-follow-up",
                    "text": f"leads come in faster than {who} contacts them: {came} in, {contacted} first contacts "
                            f"over {OVERLOAD_WEEKS} weeks; {rows[-1]['waiting']} waiting"})
    recent_start = mondays[-SLOWER_WEEKS]
    before_start = mondays[-2 * SLOWER_WEEKS]
    recent, n_recent = _median_hours(facts, recent_start, today)
    before, n_before = _median_hours(facts, before_start, recent_start - dt.timedelta(days=1))
    if (recent is not None and before is not None and n_recent >= SLOWER_MIN_LEADS and n_before >= SLOWER_MIN_LEADS
            and recent >= SLOWER_RATIO * before and recent - before >= SLOWER_MIN_HOURS):
        out.append({"code": "first-contact-slower",
                    "text": f"first contact is getting slower for {who}: median {_hours(recent)} for the {n_recent} "
                            f"leads first contacted in the last {SLOWER_WEEKS} weeks, {_hours(before)} for the "
                            f"{n_before} in the {SLOWER_WEEKS} weeks before"})
    return out


def _hours(h: float) -> str:
    return f"{h:.0f}h" if h >= 10 else f"{h:.1f}h"


def build_capacity(leads: list[Lead], playbook: Playbook, hist: StageHistory | None, today: dt.date,
                   weeks: int = DEFAULT_WEEKS) -> dict:
    """The JSON of `capacity --json`: `{"weeks": [row...], "warnings": [...]}`, rows oldest week first, the
    whole pipeline's row (`owner` None) before the owners' (sorted); an owner appears only with a non-zero
    figure in the weeks shown."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"weeks must be from 1 to {MAX_WEEKS}")
    deciding = decision_stages(playbook)
    facts = [lead_facts(x, playbook, hist, deciding) for x in leads if not x.broken]
    owners: dict[str, list[Facts]] = {}
    for f in facts:
        if f.owner is not None:
            owners.setdefault(f.owner, []).append(f)
    mondays = week_mondays(today, weeks)
    tables: dict[str | None, list[dict]] = {None: [_row(facts, m) for m in mondays]}
    for owner in sorted(owners):
        table = [_row(owners[owner], m) for m in mondays]
        if any(r[k] for r in table for k in FIGURES):
            tables[owner] = table
    rows = []
    for i, monday in enumerate(mondays):
        for owner, table in tables.items():
            rows.append({"week": week_label(monday), "owner": owner, **table[i]})
    warnings = _warnings("the team", facts, today)
    for owner in sorted(owners):
        warnings += _warnings(owner, owners[owner], today)
    return {"today": today.isoformat(), "weeks": rows, "warnings": warnings}
