"""The playbook's `spend:` setting: money spent per source and month, for `pipeline costs`.

    spend:
      campaign: {2026-10: 1200, 2026-11: 900}
      event: {"2026-09": 4000}

Keys are source names of the playbook's `sources`; each maps months (`YYYY-MM`, quoted or not: the YAML
reader reads an unquoted `2026-10` as text) to an amount (a number from 0 to 10^15). Anything else (an
unknown source, a day such as `2026-10-01`, a month like `2026-13` or `2026-1`, a negative or non-number
amount) is a `Problem` at its line and that entry is ignored; the rest is kept.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from pipeline_tui.core.model.vocabulary import PLAYBOOK_FILE
from pipeline_tui.core.yaml.problems import Problem, line_of

MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
MAX_SPEND = 10**15  # as a deal value: beyond this it is a typo


def is_month(value: object) -> bool:
    """Whether value is a month as the playbook and `costs --from/--to` write it: `YYYY-MM`."""
    return isinstance(value, str) and MONTH.fullmatch(value) is not None


def read_spend(value: Any, sources: dict, text: str) -> tuple[dict[str, dict[str, float]], list[Problem]]:
    """The spend per source and month in `value` (the parsed `spend:` setting), and a problem for each bad entry."""
    from pipeline_tui.core.safetext import quoted, visible

    problems: list[Problem] = []

    def problem(keys: tuple, message: str) -> None:
        problems.append(Problem(PLAYBOOK_FILE, line_of(text, keys), message))

    out: dict[str, dict[str, float]] = {}
    if not isinstance(value, dict):
        problem(("spend",), "spend must be a mapping of source names to {YYYY-MM: amount}")
        return out, problems
    for source, months in value.items():
        if not isinstance(source, str) or source not in sources:
            problem(("spend", source), f"spend: {quoted(source)} is not a source of the playbook; the sources are "
                                       f"{', '.join(quoted(s) for s in sources)}")
            continue
        if not isinstance(months, dict):
            problem(("spend", source), f"spend.{visible(source)}: must be a mapping of months to amounts, "
                                       "like {2026-10: 1200}")
            continue
        kept: dict[str, float] = {}
        for month, amount in months.items():
            if not is_month(month):
                shown = visible(str(month)) if isinstance(month, (int, dt.date)) else quoted(month)
                problem(("spend", source, month), f"spend.{visible(source)}: {shown} is not a month "
                                                  "(YYYY-MM, like 2026-10)")
                continue
            ok = isinstance(amount, (int, float)) and not isinstance(amount, bool)
            if not (ok and math.isfinite(amount) and 0 <= amount <= MAX_SPEND):
                problem(("spend", source, month), f"spend.{visible(source)}.{month}: must be a number from 0 to "
                                                  f"{MAX_SPEND:,}, not {quoted(amount)}")
                continue
            kept[month] = amount
        out[source] = kept
    return out, problems
