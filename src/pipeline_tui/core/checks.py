"""`pipeline check`: every file against the schema and the playbook, as `path:line: message` problems."""

from __future__ import annotations

import os

from pipeline_tui.core.lead import Lead
from pipeline_tui.core.problems import Problem
from pipeline_tui.core.store import LEADS_DIR, Pipeline


def duplicate_problems(pipe: Pipeline, leads: list[Lead]) -> list[Problem]:
    """Likely duplicates: the same email, or the same name and company."""
    level = pipe.playbook.rules.get("duplicates", "warning")
    if level == "off":
        return []
    seen: dict[tuple, str] = {}
    out = []
    for lead in sorted(leads, key=lambda x: x.id):
        if lead.broken:
            continue
        keys = []
        if lead.email:
            keys.append(("email", lead.email.lower()))
        keys.append(("name", lead.name.lower(), (lead.company or "").lower()))
        for key in keys:
            if key in seen:
                what = "the same email" if key[0] == "email" else "the same name and company"
                out.append(Problem(lead.path, 1, f"likely duplicate of {seen[key]} ({what})", level))
                break
        for key in keys:
            seen.setdefault(key, lead.id)
    return out


def check_pipeline(pipe: Pipeline, leads: list[Lead] | None = None) -> list[Problem]:
    problems: list[Problem] = list(pipe.playbook.problems)
    if leads is None:
        leads = pipe.leads()
    for lead in leads:
        problems.extend(pipe.problems_of(lead))
    problems.extend(duplicate_problems(pipe, leads))
    try:
        for name in os.listdir(pipe.leads_dir):
            if not name.endswith(".yaml") and not name.startswith("."):
                problems.append(Problem(f"{LEADS_DIR}/{name}", 1, "not a lead file (lead files end in .yaml)", "warning"))
    except FileNotFoundError:
        problems.append(Problem(LEADS_DIR, 1, "the leads/ folder is missing"))
    return problems
