"""`pipeline check`: every file against the schema and the playbook, as `path:line: message` problems."""

from __future__ import annotations

import datetime as dt
import os

from pipeline_tui.core.errors import YamlProblem
from pipeline_tui.core.model.lead import Lead
from pipeline_tui.core.model.pipeline import LEADS_DIR, PLAYBOOK_FILE, Pipeline
from pipeline_tui.core.storage.files import MAX_BYTES, read_limited
from pipeline_tui.core.yaml import reader as yamlio
from pipeline_tui.core.yaml.problems import Problem, line_of


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


def _line(pipe: Pipeline, lead: Lead, key: str) -> int:
    try:
        return line_of(yamlio.decode(read_limited(pipe.root / lead.path, MAX_BYTES)), (key,))
    except (OSError, YamlProblem):
        return 1


def practice_problems(pipe: Pipeline, leads: list[Lead], today: dt.date, hist=None) -> list[Problem]:  # noqa: ANN001
    """The playbook's rules on practice: rotting leads and requests left unanswered too long."""
    from pipeline_tui.core.views.agenda import is_uncontacted_request, waiting_hours

    rules = pipe.playbook.rules
    out: list[Problem] = []
    rot_level = rules.get("rotting", "warning")
    if rot_level != "off":
        for lead in leads:
            rot = lead.rotting(today)
            if rot is not None:
                days, limit = rot
                out.append(Problem(lead.path, _line(pipe, lead, "stage"),
                                   f"rotting: {days} days in stage {lead.stage} (the playbook's limit is {limit})",
                                   rot_level))
    req_level = rules.get("uncontacted_requests", "warning")
    if req_level != "off":
        limit_h = float(pipe.playbook.follow_up.get("first_contact_hours", 24))
        now = dt.datetime.combine(today, dt.datetime.now().time())
        for lead in leads:
            if lead.broken or not is_uncontacted_request(lead, pipe.playbook):
                continue
            hours = waiting_hours(lead, hist, now)
            if hours is not None and hours > limit_h:
                age = f"{int(hours // 24)} days" if hours >= 48 else f"{int(hours)} hours"
                out.append(Problem(lead.path, _line(pipe, lead, "created"),
                                   f"contact request unanswered for {age} (the playbook says within {limit_h:g} hours)",
                                   req_level))
    return out


def driver_problems(pipe: Pipeline) -> list[Problem]:
    """A clone whose merge driver is missing or points at a program that is gone (a recreated venv)."""
    from pipeline_tui.core.errors import PipelineError
    from pipeline_tui.core.git.driver import merge_driver_problem
    from pipeline_tui.core.git.repo import GitRepo

    try:
        said = merge_driver_problem(GitRepo(pipe.root))
    except PipelineError:
        return []
    return [Problem(".gitattributes", 1, said, "warning")] if said else []


def pending_problems(pipe: Pipeline) -> list[Problem]:
    """A multi-file write (import, undo, sync) killed half way: the next writer puts its files back."""
    from pipeline_tui.core.errors import PipelineError
    from pipeline_tui.core.git import pending
    from pipeline_tui.core.git.repo import GitRepo

    try:
        said = pending.describe(GitRepo(pipe.root))
    except PipelineError:
        return []
    return [Problem(LEADS_DIR, 1, said, "warning")] if said else []


def uncommitted_problems(pipe: Pipeline) -> list[Problem]:
    """Lead files changed but not committed (a hand edit, or a write killed before its commit)."""
    from pipeline_tui.core.errors import PipelineError
    from pipeline_tui.core.git.repo import GitRepo

    try:
        repo = GitRepo(pipe.root)
        changed = repo.changed_files(pipe.leads_dir)
    except PipelineError:  # not in git (yet): nothing to say about commits
        return []
    try:  # in the middle of a git merge, rebase, cherry-pick or revert, "commit it" is the wrong advice
        repo.refuse_half_done("then run pipeline check again")
    except PipelineError as exc:
        return [Problem(LEADS_DIR, 1, exc.message, "warning")] if changed else []
    out = []
    for status, path in changed:
        if not path.endswith(".yaml"):
            continue
        rel = f"{LEADS_DIR}/{path.rsplit('/', 1)[-1]}"
        if status == "??":
            out.append(Problem(rel, 1, "new, not committed yet (a hand edit, or a write interrupted before its "
                                       "commit): commit it (pipeline sync --commit, or git add and git commit) or "
                                       f"remove it (rm {rel})", "warning"))
        else:
            out.append(Problem(rel, 1, "changed but not committed (a hand edit, or a write interrupted before its "
                                       "commit): nothing is lost; commit it (pipeline sync --commit, or git commit) "
                                       f"or undo it (git checkout HEAD -- {rel})", "warning"))
    return out


def merge_record_problems(pipe: Pipeline) -> list[Problem]:
    """The playbook holding a merge's two versions of a setting (a lead's are in its own problems)."""
    from pipeline_tui.core.git.conflicts import pending

    out = []
    for p in pending(pipe, PLAYBOOK_FILE):
        for line in p.lines():
            out.append(Problem(PLAYBOOK_FILE, 1, line.split(": ", 1)[1], "error"))
    return out


def check_pipeline(pipe: Pipeline, leads: list[Lead] | None = None, today: dt.date | None = None,
                   hist=None) -> list[Problem]:  # noqa: ANN001 - a StageHistory the caller read already
    from pipeline_tui.core.git.stage_history import attach, stage_history

    problems: list[Problem] = list(pipe.playbook.problems)
    if leads is None:
        leads = pipe.leads()
    for lead in leads:
        problems.extend(pipe.problems_of(lead))
    problems.extend(duplicate_problems(pipe, leads))
    hist = hist if hist is not None else stage_history(pipe.root)
    attach(leads, hist)
    problems.extend(practice_problems(pipe, leads, today or dt.date.today(), hist))
    try:
        for name in os.listdir(pipe.leads_dir):
            if name.startswith(".") and name.endswith(".yaml.tmp"):
                problems.append(Problem(f"{LEADS_DIR}/{name}", 1, f"left by an interrupted write; {name[1:-4]} is "
                                        "whole (the write replaces it only when complete): delete this file",
                                        "warning"))
            elif not name.endswith(".yaml") and not name.startswith("."):
                problems.append(Problem(f"{LEADS_DIR}/{name}", 1, "not a lead file (lead files end in .yaml)", "warning"))
    except FileNotFoundError:
        problems.append(Problem(LEADS_DIR, 1, "the leads/ folder is missing"))
    problems.extend(uncommitted_problems(pipe))
    problems.extend(pending_problems(pipe))
    problems.extend(driver_problems(pipe))
    problems.extend(merge_record_problems(pipe))
    n = len(pipe.playbook.problems)  # the playbook first, then file by file, line by line
    return problems[:n] + sorted(problems[n:], key=lambda p: (p.path, p.line))
