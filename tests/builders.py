"""Build real pipelines with a dated git history for tests: each lead's stages as commits on their own days."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from pipeline_tui.core.changes.init import init_pipeline
from pipeline_tui.core.model.pipeline import Pipeline
from pipeline_tui.core.yaml.edit import render_mapping


@dataclass
class Story:
    """One lead: its fields (without `stage`), and the stages it went through, with when."""

    lead_id: str
    data: dict
    stages: list[tuple[dt.datetime, str]] = field(default_factory=list)  # oldest first; the first adds the file


def _commit(root: Path, when: dt.datetime, message: str) -> None:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S")
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", message], cwd=root, check=True, env=env)


def build(root: Path, stories: list[Story], playbook_text: str | None = None) -> Pipeline:
    """A pipeline whose history replays every story: one commit per distinct moment."""
    pipe = init_pipeline(root)
    if playbook_text is not None:
        (root / "pipeline.yaml").write_text(playbook_text, encoding="utf-8")
        _commit(root, min(s.stages[0][0] for s in stories) - dt.timedelta(days=1), "playbook")
    moments: dict[dt.datetime, list[tuple[Story, str]]] = {}
    for story in stories:
        for when, stage in story.stages:
            moments.setdefault(when, []).append((story, stage))
    for when in sorted(moments):
        for story, stage in moments[when]:
            text = render_mapping({**story.data, "stage": stage})
            (pipe.leads_dir / f"{story.lead_id}.yaml").write_text(text, encoding="utf-8")
        _commit(root, when, f"{len(moments[when])} lead(s) at {when:%Y-%m-%d %H:%M}")
    return Pipeline.open(root)


def write_leads(pipe: Pipeline, leads: dict[str, dict]) -> None:
    """Lead files written straight to disk and committed once (for figures that need no history)."""
    for lead_id, data in leads.items():
        (pipe.leads_dir / f"{lead_id}.yaml").write_text(render_mapping(data), encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=pipe.root, check=True)
    subprocess.run(["git", "commit", "-qm", "leads"], cwd=pipe.root, check=True)


def make_team(tmp, n_clones: int = 1):  # noqa: ANN001, ANN201
    """A pipeline `a` with one lead, pushed to a bare remote, and n clones (authors Bob, Carol)."""
    from pipeline_tui.core.changes.leads import add_lead
    from pipeline_tui.core.sync.exchange import sync
    from tests.conftest import TODAY, git

    a = init_pipeline(tmp / "a")
    lead = add_lead(a, "Jane Doe", "referral", company="Acme", next_action="Call", due="2026-11-25",
                    today=TODAY).lead_id
    bare = tmp / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    git(a.root, "remote", "add", "origin", str(bare))
    sync(a)
    clones = []
    for i in range(n_clones):
        path = tmp / f"clone{i}"
        subprocess.run(["git", "clone", "-q", str(bare), str(path)], check=True)
        git(path, "config", "user.name", ["Bob", "Carol"][i % 2])
        clones.append(Pipeline.open(path))
    return a, clones, lead, bare
