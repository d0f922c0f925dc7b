"""What git remembers about every lead at once: when each file was added and every stage it has held.

One `git log -G^stage:` pass over `leads/` reads each commit that changed a top-level `stage:` line,
and one `git log --diff-filter=A` pass reads when each file came in. The result is cached in the user's
cache folder under the commit it describes; a newer HEAD that descends from it reads only the new
commits. Like the lead cache it is only a copy: anything unexpected and it is rebuilt from git.

Used for time in stage (rotting), the stage funnel (how far each lead got), the close date of a lead
without a `closed:` field, and the moment a lead came in (for hours to first contact).

Runs the `git` binary directly (no GitPython import): `check` and `report` stay quick.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


def _version() -> tuple:
    from pipeline_tui.core.storage.cache import code_version

    return code_version("stages", tuple(StageHistory.__dataclass_fields__), tuple(LeadStages.__dataclass_fields__))


@dataclass
class LeadStages:
    """One lead as git remembers it: when its file was added, and (when, stage) each time `stage:` changed."""

    added: dt.datetime | None = None
    changes: list[tuple[dt.datetime, str]] = field(default_factory=list)  # oldest first

    def stages(self) -> list[str]:
        return [s for _, s in self.changes]

    def entered(self, stage: str) -> dt.datetime | None:
        """When the lead entered `stage` for the run it is still in (None if git never saw it there)."""
        when = None
        for at, s in self.changes:
            if s == stage:
                if when is None:
                    when = at
            else:
                when = None
        return when


@dataclass
class StageHistory:
    head: str = ""
    leads: dict[str, LeadStages] = field(default_factory=dict)

    def get(self, lead_id: str) -> LeadStages:
        return self.leads.get(lead_id) or LeadStages()


def _stage_value(line: str) -> str | None:
    """The stage named by one `stage: value   # comment` line (plain or quoted scalar)."""
    value = line.split(":", 1)[1].strip()
    if value[:1] in ("'", '"'):
        quote = value[0]
        end = value.find(quote, 1)
        return value[1:end] if end > 0 else None
    value = value.split(" #", 1)[0].strip()
    return value or None


def _stem(diff_header: str) -> str | None:
    # diff --git a/<path> b/<path>: lead files have no spaces in their names
    path = diff_header.rsplit(" b/", 1)[-1].strip()
    name = path.rsplit("/", 1)[-1]
    return name[:-5] if name.endswith(".yaml") else None


def _when(stamp: str) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(stamp))


def _lines(root: Path, *args: str):  # noqa: ANN202 - a generator of lines, None at the end on failure
    """Stream `git args` line by line (the log of 50,000 files is large: never hold it whole)."""
    try:
        proc = subprocess.Popen(["git", *args], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError:
        yield None
        return
    assert proc.stdout is not None
    with proc.stdout:
        for raw in proc.stdout:
            yield raw.decode("utf-8", "replace").rstrip("\n")
    if proc.wait() != 0:
        yield None


def _read(root: Path, since: str | None, into: StageHistory) -> bool:
    rng = [f"{since}..HEAD"] if since else ["HEAD"]
    when: dt.datetime | None = None
    current: str | None = None
    for line in _lines(root, "log", "--reverse", "--no-color", "--no-renames", "--no-ext-diff", "--format=%x01%at",
                       "-p", "-U0", "-G^stage:", *rng, "--", "leads/"):
        if line is None:
            return False
        if line.startswith("\x01"):
            when, current = _when(line[1:]), None
        elif line.startswith("diff --git "):
            current = _stem(line)
        elif line.startswith("+stage:") and current and when is not None:
            value = _stage_value(line[1:])
            if value:
                into.leads.setdefault(current, LeadStages()).changes.append((when, value))
        elif line.startswith("+++ /dev/null"):
            current = None
    for line in _lines(root, "log", "--reverse", "--no-renames", "--format=%x01%at", "--diff-filter=A",
                       "--name-only", *rng, "--", "leads/"):
        if line is None:
            return False
        if line.startswith("\x01"):
            when = _when(line[1:])
        elif line.strip() and when is not None:
            stem = line.rsplit("/", 1)[-1]
            if stem.endswith(".yaml"):
                into.leads.setdefault(stem[:-5], LeadStages()).added = when  # the latest add wins
    return True


def _cache_file(root: Path) -> Path:
    from pipeline_tui.core.storage.cache import cache_file

    return cache_file("stages", root)


def stage_history(root: Path, use_cache: bool = True) -> StageHistory:
    """Every lead's add time and stage changes, as of HEAD (empty when there is no git history)."""
    from pipeline_tui.core.errors import PipelineError
    from pipeline_tui.core.git.binary import GitFailed
    from pipeline_tui.core.git.repo import GitRepo

    try:
        repo = GitRepo(root)
    except PipelineError:  # not in git: no history to read
        return StageHistory()
    head = repo.head() or ""
    if not head:
        return StageHistory()
    cache = _cache_file(root.resolve())
    from pipeline_tui.core.storage.cache import load_versioned, save_versioned

    # msgspec decodes the file into exactly these dataclasses, every field's type checked (a datetime is parsed
    # from its text; anything else, a miss): no other object can come out of it
    old = load_versioned(cache, _version(), StageHistory) if use_cache else None
    if old is not None and old.head == head:
        return old
    hist = StageHistory(head=head)
    try:
        descends = old is not None and bool(old.head) and repo.run("merge-base", "--is-ancestor", old.head, head) == ""
    except GitFailed:
        descends = False
    if descends:
        hist.leads = old.leads
        ok = _read(root, old.head, hist)
    else:
        ok = _read(root, None, hist)
    if not ok:
        return StageHistory()
    if use_cache:
        save_versioned(cache, _version(), hist, StageHistory)
    return hist


def attach(leads, hist: StageHistory) -> None:  # noqa: ANN001
    """Give each lead the day it entered its current stage (git's memory, else its `created` date)."""
    for lead in leads:
        if lead.broken:
            continue
        known = hist.leads.get(lead.id)
        entered = known.entered(lead.stage) if known else None
        if entered is None and known is not None and not known.changes and known.added is not None:
            entered = known.added  # never had a stage line: in the first stage since it was added
        lead.stage_since = entered.date() if entered else lead.created
