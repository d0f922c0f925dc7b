"""`pipeline capacity` as text: one table (a row per week and owner, the whole pipeline first in bold), then
the warnings in words. Owner names go through `txt` (escape codes shown as `\\x1b`, never sent)."""

from __future__ import annotations

import click

from pipeline_tui.cells import cells, fit, pad
from pipeline_tui.core.safetext import show as txt

EVERYONE = "(everyone)"
COLUMNS = (("in", "IN"), ("first_contacts", "CONTACTED"), ("decided", "DECIDED"), ("waiting", "WAITING"),
           ("undecided", "UNDECIDED"))


def capacity_lines(result: dict) -> list[str]:
    """The table and the warnings of `build_capacity`'s result."""
    owners = [txt(r["owner"]) for r in result["weeks"] if r["owner"] is not None]
    width = min(24, max([len(EVERYONE)] + [cells(o) for o in owners]))
    header = f"{'WEEK':<9} {'OWNER':<{width}} " + " ".join(f"{title:>9}" for _, title in COLUMNS)
    out = [click.style(header, bold=True)]
    last_week = None
    for row in result["weeks"]:
        if last_week is not None and row["week"] != last_week:
            out.append("")
        last_week = row["week"]
        who = EVERYONE if row["owner"] is None else fit(txt(row["owner"]), width)
        line = f"{row['week']:<9} {pad(who, width)} " + " ".join(f"{row[key]:>9}" for key, _ in COLUMNS)
        out.append(click.style(line.rstrip(), bold=True) if row["owner"] is None else line.rstrip())
    out.append("")
    if not result["warnings"]:
        out.append("follow-up is keeping up: no warnings")
    for w in result["warnings"]:
        out.append(click.style("warning: ", fg="yellow", bold=True) + txt(w["text"]) + f"  [{w['code']}]")
    return out
