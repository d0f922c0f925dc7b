"""`pipeline costs`: what each source cost and what it brought, over a period of months.

Definitions (a period is a range of months `YYYY-MM`, both ends included; no `from` or no `to` leaves that
end open, so with neither every month counts):

- spend: the sum of the playbook's `spend:` amounts of the source for the months in the period.
- leads: the readable leads of the source whose `created` date falls in a month of the period (a lead
  with no readable `created` belongs to no month and is counted nowhere). These leads are the period's
  *cohort*: the spend of a month bought the leads that came in that month.
- sales_qualified: the cohort's leads that are sales-qualified now (the playbook's rule, as `report`).
- won: the cohort's leads in the won stage now, whenever they closed; won_value: the sum of their
  `value` (a won lead with no valid value adds 0 and is counted in won_without_value).
- cost_per_lead = spend / leads, cost_per_sql = spend / sales_qualified, cost_per_win = spend / won,
  return = won_value / spend; each is null (None) when its denominator is 0.

With no period these leads, sales-qualified leads and wins are exactly `report`'s per source (for leads
with a `created` date). A row is shown for every source with spend or leads in the period: the playbook's
sources in its order, then the sources of leads the playbook does not know (`(none)` for no source),
which have no spend. Warnings: a source that cost money in the period and brought no lead
(`spend-no-leads`), or leads but no win (`spend-no-wins`).

Read-only and pure: the leads and the playbook in, plain data out (the JSON of `costs --json`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline_tui.core.model.lead import Lead
from pipeline_tui.core.model.playbook import Playbook
from pipeline_tui.core.model.spend import is_month


@dataclass(frozen=True)
class Period:
    """Months from `start` to `end` (`YYYY-MM`, both included); None leaves that end open."""

    start: str | None = None
    end: str | None = None

    def __contains__(self, month: object) -> bool:
        return isinstance(month, str) and (self.start is None or month >= self.start) and (
            self.end is None or month <= self.end)


def parse_period(start: str | None, end: str | None) -> Period:
    """The period from `--from`/`--to`; ValueError with a message for a bad month or an empty range."""
    for name, value in (("--from", start), ("--to", end)):
        if value is not None and not is_month(value):
            raise ValueError(f"{name}: {value!r} is not a month; write YYYY-MM, like 2026-10")
    if start is not None and end is not None and start > end:
        raise ValueError(f"--from {start} is after --to {end}")
    return Period(start, end)


def month_of(day: dt.date | None) -> str | None:
    return None if day is None else f"{day.year:04d}-{day.month:02d}"


def _div(num: float, den: float, digits: int = 2) -> float | None:
    return None if not den else round(num / den, digits)


def _money(x: float) -> float | int:
    return x if isinstance(x, int) else round(x, 2)


def _figures(source: str, spend: float, group: list[Lead]) -> dict:
    won = [x for x in group if x.won]
    won_value = sum(x.value for x in won if x.value is not None)
    sql = sum(1 for x in group if x.sales_qualified)
    return {
        "source": source, "spend": _money(spend), "leads": len(group), "sales_qualified": sql, "won": len(won),
        "won_value": _money(won_value), "won_without_value": sum(1 for x in won if x.value is None),
        "cost_per_lead": _div(spend, len(group)), "cost_per_sql": _div(spend, sql), "cost_per_win": _div(spend, len(won)),
        "return": _div(won_value, spend, 4),
    }


def _warning(row: dict, period: Period) -> dict | None:
    if not row["spend"] or row["won"]:
        return None
    when = _describe(period)
    if not row["leads"]:
        return {"code": "spend-no-leads", "source": row["source"],
                "message": f"{row['source']} cost {row['spend']:,} {when} and brought no lead: "
                           "stop the spend or find out why"}
    return {"code": "spend-no-wins", "source": row["source"],
            "message": f"{row['source']} cost {row['spend']:,} {when} and brought {row['leads']} lead(s), "
                       f"{row['sales_qualified']} sales-qualified, but no win yet"}


def _describe(period: Period) -> str:
    if period.start and period.end:
        return f"in {period.start}" if period.start == period.end else f"from {period.start} to {period.end}"
    if period.start:
        return f"since {period.start}"
    return f"up to {period.end}" if period.end else "in all"


def build_costs(leads: list[Lead], playbook: Playbook, period: Period | None = None) -> dict:
    """`costs --json`: {"period": {"from", "to"}, "sources": [row...], "total": row, "warnings": [...]}."""
    period = period or Period()
    spend: dict[str, float] = {}
    for name, months in playbook.spend.items():
        spend[name] = sum(amount for month, amount in months.items() if month in period)
    cohorts: dict[str, list[Lead]] = {}
    for lead in leads:
        if not lead.broken and month_of(lead.created) in period:
            cohorts.setdefault(lead.source or "(none)", []).append(lead)
    names = [s for s in playbook.sources if spend.get(s) or cohorts.get(s)]
    names += sorted(s for s in cohorts if s not in playbook.sources)
    rows = [_figures(name, spend.get(name, 0), cohorts.get(name, [])) for name in names]
    total = _figures("total", sum(spend.get(n, 0) for n in names), [x for n in names for x in cohorts.get(n, [])])
    warnings = [w for w in (_warning(row, period) for row in rows) if w is not None]
    return {"period": {"from": period.start, "to": period.end}, "sources": rows, "total": total,
            "warnings": warnings}


def money_text(x: float | None, none: str = "-") -> str:
    """An amount as `costs` shows it, in the CLI and the TUI alike: whole units, cents only on small amounts
    that have them; `none` where a ratio has no denominator."""
    if x is None:
        return none
    return f"{x:,.0f}" if float(x).is_integer() or abs(x) >= 100 else f"{x:,.2f}"


def return_text(x: float | None, none: str = "-") -> str:
    """The return (won value over spend) as a multiple: `2.55x`."""
    return none if x is None else f"{x:.2f}x"
