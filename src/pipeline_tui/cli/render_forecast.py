"""The text of `pipeline forecast`: one row per period (best case, weighted, committed, leads), the total,
and where each stage's chance of a win comes from. Every name printed goes through `txt`."""

from __future__ import annotations

import click

from pipeline_tui.cells import cells, fit, pad
from pipeline_tui.core.safetext import show as txt


def _money(x: float) -> str:
    return f"{x:,.0f}"


def forecast_lines(result: dict, by: str) -> list[str]:
    """The forecast as text lines (the JSON of `forecast --json` in, as `build_forecast` returns it)."""
    from pipeline_tui.core.views.forecast import MIN_CLOSED_TO_LEARN

    label = {"month": "MONTH", "quarter": "QUARTER", "owner": "OWNER", "source": "SOURCE"}.get(by, "PERIOD")
    names = [txt(p["period"]) for p in result["periods"]]
    width = max([len(label), 5, *(cells(n) for n in names)])
    width = min(width, 32)
    head = f"{pad(label, width)}  {'BEST':>14}  {'WEIGHTED':>14}  {'COMMITTED':>14}  {'LEADS':>6}"
    out = [click.style(head, bold=True)]

    def row(name: str, fig: dict) -> str:
        return (f"{pad(fit(name, width), width)}  {_money(fig['best']):>14}  {_money(fig['weighted']):>14}  "
                f"{_money(fig['committed']):>14}  {fig['leads']:>6}")

    for name, fig in zip(names, result["periods"], strict=True):
        out.append(row(name, fig))
    out.append(click.style(row("total", result["total"]), bold=True))
    out.append("")
    out.append(click.style("chance of a win by stage", bold=True))
    for stage, prob in result["probabilities"].items():
        p = "no probability in the playbook" if prob["p"] is None else f"{prob['p']:.0%}"
        basis = ("learned from the leads that reached it and closed" if prob["from"] == "learned" else
                 f"the playbook's, until {MIN_CLOSED_TO_LEARN} leads that reached it have closed")
        out.append(f"  {pad(txt(stage), 16)} {p} ({basis})")
    out.append(click.style("best: every open lead won; weighted: value x chance of its stage; committed: "
                           "leads in committed stages", fg="bright_black"))
    return out
