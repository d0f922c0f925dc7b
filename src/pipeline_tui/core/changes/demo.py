"""`pipeline demo`: a realistic pipeline from `sample-pipeline/` with months of dated git history.

Each lead's story is replayed as commits dated on its own dates (created, every logged activity with
the stage moves between them, then the hand-written final file), authored by its owner. Dates in the
sample files are relative to `REFERENCE` and are shifted so the demo always has overdue and due-today
work, whatever day it is built.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline_tui.core import faults
from pipeline_tui.core.changes.init import init_pipeline
from pipeline_tui.core.dates import as_date, as_datetime
from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.git.repo import GitRepo
from pipeline_tui.core.model.pipeline import LEADS_DIR, Pipeline
from pipeline_tui.core.model.vocabulary import PLAYBOOK_FILE
from pipeline_tui.core.yaml import reader as yamlio
from pipeline_tui.core.yaml.edit import render_mapping

REFERENCE = dt.date(2026, 11, 23)
STAGE_PATH = ["new", "contacted", "qualified", "proposal", "negotiation"]
TEAM = {
    "alice": ("Alice Martin", "alice@demo.example"),
    "bob": ("Bob Nguyen", "bob@demo.example"),
    "carol": ("Carol Diaz", "carol@demo.example"),
    "dan": ("Dan Foster", "dan@demo.example"),
}
_DATE_RE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?=T\d|\b)")  # a date-time's date too (first_contact)
_MONTH_RE = re.compile(r"\b(\d{4})-(\d{2})\b(?!-)")  # a `spend:` month, YYYY-MM


def sample_dir() -> Path:
    """The packaged sample (wheel) or the repository's `sample-pipeline/` (editable install)."""
    packaged = Path(__file__).resolve().parents[2] / "_sample_pipeline"
    if (packaged / PLAYBOOK_FILE).is_file():
        return packaged
    repo_copy = Path(__file__).resolve().parents[4] / "sample-pipeline"
    if (repo_copy / PLAYBOOK_FILE).is_file():
        return repo_copy
    raise FileNotFoundError("the sample pipeline is missing from this installation")


def default_demo_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path("pipeline-tui", appauthor=False) / "demo"


def shift_dates(text: str, days: int) -> str:
    if not days:
        return text

    def repl(m: re.Match) -> str:
        try:
            d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return m.group(0)
        return (d + dt.timedelta(days=days)).isoformat()

    return _DATE_RE.sub(repl, text)


def shift_spend_months(playbook_text: str, days: int) -> str:
    """The playbook with its `spend:` months moved by about `days` (whole months, rounded), so each month's
    spend stays with the leads that came in that month once their dates are shifted."""
    months = round(days / 30.4375)
    if not months:
        return playbook_text

    def repl(m: re.Match) -> str:
        index = int(m.group(1)) * 12 + int(m.group(2)) - 1 + months
        return f"{index // 12:04d}-{index % 12 + 1:02d}"

    out, in_spend = [], False
    for line in playbook_text.splitlines(keepends=True):
        if line[:1] not in ("", " ", "\t", "#", "\n", "\r"):
            in_spend = line.startswith("spend:")
        out.append(_MONTH_RE.sub(repl, line) if in_spend and not line.lstrip().startswith("#") else line)
    return "".join(out)


@contextlib.contextmanager
def _as(owner: str, when: dt.datetime) -> Iterator[None]:
    name, email = TEAM.get(owner, TEAM["alice"])
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S")
    env = {
        "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email, "GIT_COMMITTER_DATE": stamp,
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _story(lead_id: str, final_text: str, rnd: random.Random) -> list[tuple[dt.datetime, str, str, str]]:
    """(when, owner, text, message) versions of one lead, oldest first; the last is the final text."""
    data = yamlio.loads(final_text)
    owner = data.get("owner") or "alice"
    created = as_date(data.get("created")) or REFERENCE
    final_stage = data.get("stage") or "new"
    if final_stage == "won":
        path = STAGE_PATH + ["won"]
    elif final_stage == "lost":
        path = STAGE_PATH[: rnd.randint(2, 4)] + ["lost"]
    else:
        path = STAGE_PATH[: STAGE_PATH.index(final_stage) + 1] if final_stage in STAGE_PATH else [final_stage]
    base_keys = ("name", "company", "title", "email", "phone", "owner", "source", "source_detail", "origin")
    current: dict[str, Any] = {k: data[k] for k in base_keys if k in data}
    current["stage"] = path[0]
    if "horizon" in data:
        current["horizon"] = data["horizon"]
    current["created"] = created
    minute = rnd.randint(0, 59)
    came = dt.datetime.combine(created, dt.time(9, minute))
    fc = as_datetime(data.get("first_contact"))
    if fc is not None and fc.date() == created and fc <= came:  # the lead came in before the first answer
        came = max(dt.datetime.combine(created, dt.time()), fc - dt.timedelta(minutes=20 + minute))
    versions = [(came, owner, render_mapping(current),
                 f"{lead_id}: new lead {data.get('name')} ({data.get('source')})")]
    log = [e for e in (data.get("log") or []) if isinstance(e, dict)]
    stage_i = 0
    for j, entry in enumerate(log):
        when_d = as_date(entry.get("date")) or created
        current.setdefault("log", []).append(entry)
        parts = [f"logged {entry.get('kind', 'note')}"]
        if j == 0 and data.get("first_contact"):
            current["first_contact"] = data["first_contact"]
        target = min(len(path) - 1, round((j + 1) * (len(path) - 1) / max(1, len(log))))
        if target > stage_i:
            parts.append(f"stage {path[stage_i]} -> {path[target]}")
            stage_i = target
            current["stage"] = path[stage_i]
            if "qualification" in data and stage_i >= 1:
                current["qualification"] = data["qualification"]
            if "value" in data and stage_i >= 2:
                current["value"] = data["value"]
            if path[stage_i] in ("won", "lost") and "closed" in data:
                current["closed"] = data["closed"]
        when = dt.datetime.combine(when_d, dt.time(10 + min(j, 7), rnd.randint(0, 59)))
        versions.append((when, owner, render_mapping(current), f"{lead_id}: " + ", ".join(parts)))
    last_day = max([versions[-1][0].date()] + [created])
    when = dt.datetime.combine(last_day, dt.time(18, rnd.randint(0, 59)))
    versions.append((when, owner, final_text, f"{lead_id}: plan next step and notes"))
    return versions


def build_demo(target: Path, today: dt.date | None = None, seed: int = 7) -> Pipeline:
    """Create the demo pipeline at target (which must not hold a pipeline yet), all or nothing: it is built in
    a hidden folder beside target and renamed into place at the end, so a demo killed half way leaves no
    half demo at target (and the hidden leftovers of earlier killed builds are removed)."""
    import shutil
    import tempfile

    target = Path(target).expanduser().absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    for old in target.parent.glob(f".{target.name}.building-*"):  # a build killed before
        shutil.rmtree(old, ignore_errors=True)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BadInput(f"{target} exists and is not empty; give the demo a new folder (pipeline demo PATH)")
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
    try:
        _build(work / "pipe", today, seed)
        faults.point("demo-built")
        if target.exists():
            target.rmdir()
        os.rename(work / "pipe", target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Pipeline(target)


def _build(target: Path, today: dt.date | None, seed: int) -> Pipeline:
    today = today or dt.date.today()
    shift = (today - REFERENCE).days
    src = sample_dir()
    rnd = random.Random(seed)
    playbook_text = shift_spend_months((src / PLAYBOOK_FILE).read_text(encoding="utf-8"), shift)
    leads = {p.stem: shift_dates(p.read_text(encoding="utf-8"), shift) for p in sorted((src / LEADS_DIR).glob("*.yaml"))}
    events: list[tuple[dt.datetime, str, str, str, str]] = []
    for lead_id, text in leads.items():
        for when, owner, version, message in _story(lead_id, text, rnd):
            events.append((when, lead_id, owner, version, message))
    events.sort(key=lambda e: (e[0], e[1]))
    start = min(e[0] for e in events) - dt.timedelta(days=1)
    with _as("alice", start):
        pipe = init_pipeline(Path(target), playbook_text=playbook_text, message="init pipeline for the demo team",
                             need_identity=False)
    repo = GitRepo(pipe.root)
    last_when: dict[str, dt.datetime] = {}
    for when, lead_id, owner, version, message in events:
        when = max(when, last_when.get(lead_id, when) + dt.timedelta(minutes=1))
        last_when[lead_id] = when
        path = pipe.leads_dir / f"{lead_id}.yaml"
        is_new = not path.exists()
        if not is_new and path.read_text(encoding="utf-8") == version:
            continue
        path.write_text(version, encoding="utf-8")
        with _as(owner, when):
            repo.commit([path], message, "add" if is_new else "set", new_paths=[path] if is_new else None)
    if repo.identity_problem():
        repo.run("config", "user.name", "Demo User")
        repo.run("config", "user.email", "demo@example.invalid")
    return pipe
