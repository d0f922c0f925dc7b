"""The text of `pipeline costs`: one row per source, the total, then each warning in words. Names from the
files go through `txt` (nothing a terminal would act on); only the program's own strings carry styles."""

from __future__ import annotations

import click

from pipeline_tui.cells import pad
from pipeline_tui.core.safetext import show as txt
from pipeline_tui.core.views.costs import money_text as _money
from pipeline_tui.core.views.costs import return_text as _ret


def costs_lines(result: dict) -> list[str]:
    """The costs table as lines of text."""
    period = result["period"]
    span = f"{period['from'] or 'the start'} to {period['to'] or 'now'}"
    out = [click.style(f"costs per source, leads created from {span}", bold=True)]
    if not result["sources"]:
        out.append("  no spend and no leads in this period (record spend in pipeline.yaml: spend: {campaign: "
                   "{2026-10: 1200}})")
        return out
    header = (f"  {pad('SOURCE', 14)} {'SPEND':>10} {'LEADS':>6} {'SQL':>5} {'WON':>5} {'WON VALUE':>11} "
              f"{'PER LEAD':>9} {'PER SQL':>9} {'PER WIN':>9} {'RETURN':>7}")
    out.append(click.style(header, bold=True))
    for row in [*result["sources"], result["total"]]:
        line = (f"  {pad(txt(row['source']), 14)} {_money(row['spend']):>10} {row['leads']:>6} "
                f"{row['sales_qualified']:>5} {row['won']:>5} {_money(row['won_value']):>11} "
                f"{_money(row['cost_per_lead']):>9} {_money(row['cost_per_sql']):>9} "
                f"{_money(row['cost_per_win']):>9} {_ret(row['return']):>7}")
        out.append(click.style(line, bold=True) if row is result["total"] else line)
    missing = result["total"].get("won_without_value")
    if missing:
        out.append(click.style(f"  {missing} won lead(s) have no value: their wins count, their value does not",
                               fg="bright_black"))
    for w in result["warnings"]:
        out.append(click.style(f"warning: {txt(w['message'])}", fg="yellow"))
    return out
