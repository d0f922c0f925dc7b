"""`pipeline forecast`: the open pipeline's value, weighted by the chance of winning from each lead's stage,
placed in the month each lead is expected to close. Read-only and pure: leads + playbook + stage history +
today in, the result (the JSON of `forecast --json`) out.

How each figure is computed (only open leads count: not broken, in a stage that is not closed; a lead with
no `value` counts as a lead, with 0 money):

- **best**: the sum of `value` over the open leads (as if every one were won).
- **weighted**: the sum of `value × p(stage)`, p being the chance of a win from the lead's current stage.
  A stage the playbook does not list, or one with no `probability` and nothing learned, has no p (null):
  its leads add 0 to weighted.
- **committed**: the sum of `value` over the open leads in stages the playbook marks `committed: true`.
- **leads**: how many open leads.

p(stage), per open stage of the playbook: of the closed leads (won or lost) that ever reached the stage,
the share that was won. A won lead reached every open stage; a lost one reached the furthest open stage
git saw it in (its current stage and every `stage:` its file held), and every stage before it in the
playbook's order, and at least the first stage (every lead starts there). Once `MIN_CLOSED_TO_LEARN`
such closed leads exist, p is this share ("learned"); until then it is the stage's `probability:` in
the playbook ("playbook").

The month a lead is expected to close: its `expected_close` when that is a date; else the day it entered
its current stage (git's memory, else the day its file was added, else `created`) plus its source's
remaining cycle from that stage. Learned, once the source has `learn_after_closed` closed leads (the
report's switch): the median, over the source's won leads git saw in that stage, of the days from the
first time each entered it to its close date (`closed:`, else the day git saw it won). Else (not learned,
or no won lead of the source was seen in the stage): the source's cycle days (the report's expectation:
learned median created-to-won days, else the playbook's `cycle_days`) less the days from `created` to
entering the stage, never below 0. A date before today becomes today (an open lead closes today at the
earliest). A lead with no such date (no cycle for its source, no dates) is "later".

Periods: `YYYY-MM` (`--by month`), `YYYY-Qn` (`--by quarter`), in order, "later" last; or owner / source
names (`--by owner|source`, "(none)" for a lead without one), by name. Only periods with leads are listed.
Money is rounded to cents; totals are summed before rounding.
"""

from __future__ import annotations

import datetime as dt
import statistics

from pipeline_tui.core.dates import as_date
from pipeline_tui.core.git.stage_history import StageHistory
from pipeline_tui.core.model.lead import Lead
from pipeline_tui.core.model.playbook import Playbook
from pipeline_tui.core.views.report import close_date, expectations

MIN_CLOSED_TO_LEARN = 5  # closed leads that reached a stage before its win rate replaces the playbook's
BY = ("month", "quarter", "owner", "source")
LATER = "later"
NONE = "(none)"


def _ladder(playbook: Playbook) -> list[str]:
    return [s for s in playbook.stage_names if not playbook.is_closed(s)]


def _reached(lead: Lead, ladder: list[str], hist: StageHistory | None) -> int:
    """How far along `ladder` a closed lead got (an index; a won lead got to the end)."""
    if lead.won:
        return len(ladder) - 1
    seen = [lead.stage] + (hist.get(lead.id).stages() if hist is not None else [])
    return max((ladder.index(s) for s in seen if s in ladder), default=0)


def probabilities(leads: list[Lead], playbook: Playbook, hist: StageHistory | None) -> dict[str, dict]:
    """Per open stage: {"p": chance of a win or None, "from": "learned" | "playbook", "closed": n, "won": n}."""
    ladder = _ladder(playbook)
    closed = [0] * len(ladder)
    won = [0] * len(ladder)
    for lead in leads:
        if lead.broken or not lead.closed or not ladder:
            continue
        for i in range(_reached(lead, ladder, hist) + 1):
            closed[i] += 1
            won[i] += lead.won
    out = {}
    for i, name in enumerate(ladder):
        if closed[i] >= MIN_CLOSED_TO_LEARN:
            out[name] = {"p": won[i] / closed[i], "from": "learned", "closed": closed[i], "won": won[i]}
        else:
            out[name] = {"p": playbook.stages[name].probability, "from": "playbook", "closed": closed[i],
                         "won": won[i]}
    return out


def entered_stage(lead: Lead, hist: StageHistory | None) -> dt.date | None:
    """The day the lead entered its current stage: git's memory, else when its file was added, else `created`."""
    known = hist.leads.get(lead.id) if hist is not None else None
    when = known.entered(lead.stage) if known else None
    if when is None and known is not None and not known.changes and known.added is not None:
        when = known.added
    return when.date() if when else lead.created


def remaining_cycles(leads: list[Lead], playbook: Playbook, hist: StageHistory | None,
                     learned_sources: set[str]) -> dict[tuple[str, str], float]:
    """(source, stage) -> median days from first entering the stage to closing, over the won leads of each
    source in `learned_sources` that git saw in that stage."""
    days: dict[tuple[str, str], list[int]] = {}
    for lead in leads:
        if lead.broken or not lead.won or lead.source not in learned_sources or hist is None:
            continue
        closed = close_date(lead, hist)
        if closed is None:
            continue
        first: dict[str, dt.date] = {}
        for at, stage in hist.get(lead.id).changes:
            first.setdefault(stage, at.date())
        for stage, day in first.items():
            if not playbook.is_closed(stage) and day <= closed:
                days.setdefault((lead.source, stage), []).append((closed - day).days)
    return {key: statistics.median(values) for key, values in days.items()}


def expected_close(lead: Lead, cycle: float | None, remaining: float | None, hist: StageHistory | None,
                   today: dt.date) -> dt.date | None:
    """The day the lead is expected to close (see the module's docstring), or None ("later")."""
    day = as_date(lead.data.get("expected_close"))
    if day is None:
        entered = entered_stage(lead, hist)
        if entered is None or (cycle is None and remaining is None):
            return None
        if remaining is None:
            spent = (entered - lead.created).days if lead.created is not None else 0
            remaining = max(0.0, cycle - max(0, spent))
        try:
            day = entered + dt.timedelta(days=remaining)
        except OverflowError:
            return None
    return max(day, today)


def _period(lead: Lead, day: dt.date | None, by: str) -> str:
    if by == "owner":
        return lead.owner or NONE
    if by == "source":
        return lead.source or NONE
    if day is None:
        return LATER
    if by == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year:04d}-{day.month:02d}"


def _sort_key(name: str, by: str) -> tuple:
    if by in ("owner", "source"):
        return (name == NONE, name)
    return (name == LATER, name)


def _money(x: float) -> float:
    return round(float(x), 2)


def build_forecast(leads: list[Lead], playbook: Playbook, hist: StageHistory | None, today: dt.date,
                   by: str = "month") -> dict:
    """The forecast as the JSON of `forecast --json`: periods, total, probabilities per stage."""
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}")
    live = [x for x in leads if not x.broken]
    probs = probabilities(live, playbook, hist)
    expect = expectations(live, playbook, hist)
    cycles = {name: e.cycle_days for name, e in expect.items()}
    remaining = remaining_cycles(live, playbook, hist, {n for n, e in expect.items() if e.basis == "learned"})
    sums: dict[str, list[float]] = {}
    for lead in live:
        if not lead.is_open:
            continue
        day = None
        if by in ("month", "quarter"):
            day = expected_close(lead, cycles.get(lead.source), remaining.get((lead.source, lead.stage)), hist, today)
        row = sums.setdefault(_period(lead, day, by), [0.0, 0.0, 0.0, 0])
        value = lead.value or 0
        p = probs.get(lead.stage, {}).get("p")
        stage = playbook.stages.get(lead.stage)
        row[0] += value
        row[1] += value * p if p is not None else 0.0
        row[2] += value if stage is not None and stage.committed else 0
        row[3] += 1
    periods = [{"period": name, "best": _money(r[0]), "weighted": _money(r[1]), "committed": _money(r[2]),
                "leads": r[3]} for name, r in sorted(sums.items(), key=lambda kv: _sort_key(kv[0], by))]
    total = {"best": _money(sum(r[0] for r in sums.values())), "weighted": _money(sum(r[1] for r in sums.values())),
             "committed": _money(sum(r[2] for r in sums.values())), "leads": sum(r[3] for r in sums.values())}
    return {"periods": periods, "total": total,
            "probabilities": {name: {"p": None if v["p"] is None else round(float(v["p"]), 4), "from": v["from"]}
                              for name, v in probs.items()}}
