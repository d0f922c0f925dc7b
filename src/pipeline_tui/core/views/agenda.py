"""The day's work, in the order of `pipeline agenda`: uncontacted requests first, then overdue, due today,
this week, and open leads with no next action. A lead appears once, in the first section it fits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pipeline_tui.core.model.lead import Lead
from pipeline_tui.core.model.playbook import Playbook

SECTIONS = ("Uncontacted requests", "Overdue", "Due today", "This week", "No next action")


@dataclass
class Section:
    name: str
    leads: list[Lead] = field(default_factory=list)


def is_uncontacted_request(lead: Lead, playbook: Playbook) -> bool:
    """The buyer reached out and nobody has answered yet: still in the first stage, no first contact,
    no call, email or meeting logged, and more than a content download."""
    if not lead.is_open or lead.origin != "buyer" or lead.data.get("first_contact"):
        return False
    if lead.stage != playbook.first_stage:
        return False
    log = lead.data.get("log")
    if isinstance(log, list) and any(isinstance(e, dict) and e.get("kind") in ("call", "email", "meeting") for e in log):
        return False
    return lead.interest != "content"


def build_agenda(leads: list[Lead], playbook: Playbook, today: dt.date) -> list[Section]:
    week = today + dt.timedelta(days=int(playbook.follow_up.get("week_days", 7)))
    sections = {name: Section(name) for name in SECTIONS}
    for lead in leads:
        if not lead.is_open:
            continue
        if is_uncontacted_request(lead, playbook):
            sections["Uncontacted requests"].leads.append(lead)
        elif lead.next_due is not None and lead.next_due < today:
            sections["Overdue"].leads.append(lead)
        elif lead.next_due == today:
            sections["Due today"].leads.append(lead)
        elif lead.next_due is not None and lead.next_due <= week:
            sections["This week"].leads.append(lead)
        elif not (lead.next_action or lead.next_due):
            sections["No next action"].leads.append(lead)
    far = dt.date.max
    sections["Uncontacted requests"].leads.sort(key=lambda x: (x.created or far, x.name))
    for name in ("Overdue", "Due today", "This week"):
        sections[name].leads.sort(key=lambda x: (x.next_due or far, x.name))
    sections["No next action"].leads.sort(key=lambda x: (x.created or far, x.name))
    return [sections[name] for name in SECTIONS]


def age_days(lead: Lead, today: dt.date) -> int | None:
    return (today - lead.created).days if lead.created else None


def waiting_hours(lead: Lead, hist, now: dt.datetime) -> float | None:  # noqa: ANN001
    """How long an uncontacted request has waited, from the moment it came in."""
    from pipeline_tui.core.views.report import came_in

    start = came_in(lead, hist)
    return None if start is None else max(0.0, (now - start).total_seconds() / 3600)


def wait_words(hours: float | None) -> str:
    """An uncontacted request's wait as the agenda says it: hours under two days, then days ("?" unknown)."""
    return "?" if hours is None else f"{hours / 24:.0f}d" if hours >= 48 else f"{hours:.0f}h"
