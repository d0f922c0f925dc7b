"""`pipeline report`: what the pipeline teaches, by source, from the files and their git history.

Per source: leads, sales-qualified rate, win rate (won / (won + lost)), median cycle days (created to
closed, over won leads), median hours to first contact; the expected close rate and cycle length the
tool uses for that source (the playbook's defaults until the source has `learn_after_closed` closed
leads, then its own record, and which of the two it is); the stage funnel (how many leads ever reached
each stage, from git history); and the pass rate of each answer of each qualifier.

A lead's close date is its `closed:` field, else the day git saw it enter its closed stage. The moment
a lead came in is `created`; when the commit that added the file is from that same day, its time of
day is used, so hours to first contact are not counted from midnight.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from pipeline_tui.core.dates import as_date, as_datetime
from pipeline_tui.core.git.stage_history import StageHistory
from pipeline_tui.core.model.lead import Lead
from pipeline_tui.core.model.playbook import Playbook
from pipeline_tui.core.model.vocabulary import AUTHORITY, FIT, INTEREST


@dataclass
class Expectation:
    close_rate: float | None
    cycle_days: float | None
    basis: str  # "playbook" | "learned"
    closed: int  # closed leads of the source so far
    needed: int  # closed leads needed to learn

    def as_json(self) -> dict:
        return {"close_rate": _r(self.close_rate), "cycle_days": _r(self.cycle_days), "basis": self.basis,
                "closed": self.closed, "learn_after_closed": self.needed}

    def describe(self) -> str:
        rate = f"{self.close_rate:.0%}" if self.close_rate is not None else "?"
        cycle = f"{self.cycle_days:.0f} days" if self.cycle_days is not None else "? days"
        if self.basis == "learned":
            return f"{rate} close in about {cycle}, learned from {self.closed} closed leads"
        return (f"{rate} close in about {cycle}, the playbook's default "
                f"({self.closed} of {self.needed} closed leads needed to learn)")


def fmt_pct(x: float | None, missing: str = "-") -> str:
    """A rate as people read it (`62%`), or `missing`."""
    return missing if x is None else f"{x:.0%}"


def fmt_num(x: float | None, unit: str = "", missing: str = "-") -> str:
    """A median as people read it (`98d`, `4.7h`), or `missing`."""
    return missing if x is None else (f"{x:.0f}" if x >= 10 else f"{x:.1f}") + unit


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(float(x), digits)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def close_date(lead: Lead, hist: StageHistory | None) -> dt.date | None:
    """When a closed lead closed: its `closed:` field, else when git saw it enter its closed stage."""
    if not lead.closed:
        return None
    day = as_date(lead.data.get("closed"))
    if day is None and hist is not None:
        stages = hist.get(lead.id)
        entered = stages.entered(lead.stage)
        if entered is not None and stages.added is not None and entered <= stages.added:
            entered = None  # it came in already closed (an import, an add): git does not know when it closed
        day = entered.date() if entered else None
    return day


def cycle_days(lead: Lead, hist: StageHistory | None) -> int | None:
    day = close_date(lead, hist)
    if day is None or lead.created is None or day < lead.created:
        return None
    return (day - lead.created).days


def came_in(lead: Lead, hist: StageHistory | None) -> dt.datetime | None:
    """The moment the lead came in: `created` (with a time if it has one, or the add commit's time that day)."""
    raw = lead.data.get("created")
    if isinstance(raw, dt.datetime) or (isinstance(raw, str) and len(raw.strip()) > 10):
        exact = as_datetime(raw)
        if exact is not None:
            return exact.replace(tzinfo=None)
    if lead.created is None:
        return None
    added = hist.get(lead.id).added if hist is not None else None
    if added is not None and added.date() == lead.created:
        return added
    return dt.datetime.combine(lead.created, dt.time())


def first_contact_hours(lead: Lead, hist: StageHistory | None) -> float | None:
    fc = as_datetime(lead.data.get("first_contact"))
    start = came_in(lead, hist)
    if fc is None or start is None:
        return None
    return max(0.0, (fc.replace(tzinfo=None) - start).total_seconds() / 3600)


def expectations(leads: list[Lead], playbook: Playbook, hist: StageHistory | None = None) -> dict[str, Expectation]:
    """The close rate and cycle length to expect per source, and whether they are the playbook's or learned."""
    out: dict[str, Expectation] = {}
    by_source: dict[str, list[Lead]] = {name: [] for name in playbook.sources}
    for lead in leads:
        if not lead.broken and lead.source in by_source:
            by_source[lead.source].append(lead)
    need = playbook.learn_after_closed
    for name, src in playbook.sources.items():
        won = [x for x in by_source[name] if x.won]
        closed = [x for x in by_source[name] if x.closed]
        if len(closed) >= need:
            cycles = [c for c in (cycle_days(x, hist) for x in won) if c is not None]
            learned_cycle = _median(cycles)
            out[name] = Expectation(len(won) / len(closed), learned_cycle if learned_cycle is not None else src.cycle_days,
                                    "learned", len(closed), need)
        else:
            out[name] = Expectation(src.close_rate, src.cycle_days, "playbook", len(closed), need)
    return out


def outlook_lines(lead: Lead, leads: list[Lead], playbook: Playbook, today: dt.date,
                  hist: StageHistory | None) -> list[tuple[str, str, str]]:
    """(label, text, severity) lines about one lead: its time in stage and what to expect from its source."""
    out = []
    if lead.is_open:
        days = lead.days_in_stage(today)
        stage = playbook.stages.get(lead.stage)
        limit = stage.limit_days if stage else None
        if days is not None:
            rot = lead.rotting(today)
            text = f"{days} day{'' if days == 1 else 's'} in {lead.stage}" + (f" (limit {limit})" if limit is not None else "")
            out.append(("in stage", text + (": rotting, act or close it" if rot else ""), "warning" if rot else ""))
    exp = expectations(leads, playbook, hist).get(lead.source)
    if exp is not None:
        out.append(("expect", exp.describe(), ""))
    return out


def _figures(group: list[Lead], hist: StageHistory | None) -> dict:
    won = sum(1 for x in group if x.won)
    lost = sum(1 for x in group if x.closed and not x.won)
    qualified = sum(1 for x in group if x.sales_qualified)
    cycles = [c for c in (cycle_days(x, hist) for x in group if x.won) if c is not None]
    hours = [h for h in (first_contact_hours(x, hist) for x in group) if h is not None]
    return {
        "leads": len(group),
        "open": sum(1 for x in group if x.is_open),
        "won": won,
        "lost": lost,
        "qualified": qualified,
        "qualified_rate": _r(qualified / len(group)) if group else 0.0,
        "win_rate": _r(won / (won + lost)) if won + lost else None,
        "median_cycle_days": _r(_median(cycles), 2),
        "median_first_contact_hours": _r(_median(hours), 2),
    }


def funnel(leads: list[Lead], playbook: Playbook, hist: StageHistory | None) -> list[dict]:
    """How many leads ever reached each stage (a won lead passed them all) and how many are in it now."""
    names = playbook.stage_names
    ladder = [s for s in names if not playbook.is_closed(s) or playbook.is_won(s)]
    index = {s: i for i, s in enumerate(ladder)}
    reached = [0] * len(ladder)
    current = {s: 0 for s in names}
    for lead in leads:
        if lead.broken:
            continue
        if lead.stage in current:
            current[lead.stage] += 1
        if lead.won:
            top = index.get(lead.stage, len(ladder) - 1)
        else:
            seen = [lead.stage] + (hist.get(lead.id).stages() if hist is not None else [])
            top = max((index[s] for s in seen if s in index and not playbook.is_won(s)), default=-1)
        for i in range(top + 1):
            reached[i] += 1
    rows = []
    for s in names:
        if s in index:
            rows.append({"stage": s, "reached": reached[index[s]], "now": current[s], "lost": False})
        else:  # a closed stage that is not a win: leads end there, they do not pass through it
            rows.append({"stage": s, "reached": current[s], "now": current[s], "lost": True})
    return rows


def qualifiers(leads: list[Lead], playbook: Playbook) -> dict[str, dict[str, dict]]:
    """For each qualifier, each answer: how many leads gave it and what share of them is sales-qualified."""
    out: dict[str, dict[str, dict]] = {}
    live = [x for x in leads if not x.broken]
    for crit, answers in (("interest", INTEREST), ("authority", AUTHORITY), ("fit", FIT), ("pain", ("stated", "none"))):
        table = {}
        for answer in answers:
            group = [x for x in live if _answer(x, crit) == answer]
            table[answer] = {"leads": len(group),
                             "qualified_rate": _r(sum(1 for x in group if x.sales_qualified) / len(group)) if group else None}
        out[crit] = table
    return out


def _answer(lead: Lead, crit: str) -> str:
    q = lead.data.get("qualification")
    q = q if isinstance(q, dict) else {}
    if crit == "pain":
        pain = q.get("pain")
        return "stated" if isinstance(pain, str) and pain.strip() else "none"
    if crit == "interest":
        return lead.interest
    value = q.get(crit)
    allowed = AUTHORITY if crit == "authority" else FIT
    return value if value in allowed else "unknown"


def build_report(leads: list[Lead], playbook: Playbook, hist: StageHistory | None = None) -> dict:
    """The whole report as the JSON of `report --json` (SPEC section 4, with extra keys)."""
    live = [x for x in leads if not x.broken]
    by_source: dict[str, list[Lead]] = {}
    for name in playbook.sources:
        by_source[name] = []
    for lead in live:
        by_source.setdefault(lead.source or "(none)", []).append(lead)
    expect = expectations(live, playbook, hist)
    sources = {}
    for name, group in by_source.items():
        if not group:
            continue
        fig = _figures(group, hist)
        src = playbook.sources.get(name)
        fig["group"] = src.group if src else None
        fig["origin"] = src.origin if src else None
        if name in expect:
            fig["expected"] = expect[name].as_json()
        sources[name] = fig
    return {
        "sources": sources,
        "totals": _figures(live, hist),
        "expectations": {name: e.as_json() for name, e in expect.items()},
        "funnel": funnel(live, playbook, hist),
        "qualifiers": qualifiers(live, playbook),
    }
