"""Every git operation is safe in the repositories people really have: their hooks run, git's ownership
refusal is said once and clearly, a shared repository stays writable for the whole group, and the write
path imports on a platform without fcntl. Real repositories, the real CLI."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from pipeline_tui.core.changes.init import init_pipeline
from pipeline_tui.core.changes.leads import add_lead
from tests.conftest import TODAY, git


@pytest.fixture
def pipe_lead(tmp_path):
    pipe = init_pipeline(tmp_path / "pipe")
    lead = add_lead(pipe, "Jane Doe", "referral", company="Acme", next_action="Call", due="2026-11-25",
                    today=TODAY).lead_id
    return pipe, lead


def _hook(pipe, name: str, body: str) -> None:  # noqa: ANN001
    path = pipe.root / ".git" / "hooks" / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


@pytest.mark.parametrize("hook", ["pre-commit", "commit-msg"])
def test_a_refusing_hook_is_respected_its_words_shown_and_the_file_put_back(pipe_lead, run, hook):
    pipe, lead = pipe_lead
    _hook(pipe, hook, "echo 'policy: no deals over 10k without a manager' >&2\nexit 1\n")
    before = pipe.lead_path(lead).read_bytes()
    head = git(pipe.root, "rev-parse", "HEAD")
    res = run("-C", str(pipe.root), "set", lead, "value=20000")
    assert res.code == 3, res
    assert f"a git hook of this repository ({hook}) refused the commit" in res.err
    assert "policy: no deals over 10k without a manager" in res.err and len(res.err.strip().splitlines()) == 1
    assert pipe.lead_path(lead).read_bytes() == before
    assert git(pipe.root, "rev-parse", "HEAD") == head
    assert git(pipe.root, "status", "--porcelain") == ""
    res = run("-C", str(pipe.root), "add", "Kai Berg", "--source", "event")
    assert res.code == 3 and "refused the commit" in res.err
    assert sorted(p.name for p in pipe.leads_dir.glob("*.yaml")) == [f"{lead}.yaml"]
    assert git(pipe.root, "status", "--porcelain") == ""


def test_the_check_hook_the_readme_recommends_runs_on_every_tool_commit(pipe_lead, run):
    pipe, lead = pipe_lead
    marker = pipe.root.parent / "hook-ran"
    _hook(pipe, "pre-commit", f"touch '{marker}'\nexit 0\n")
    assert run("-C", str(pipe.root), "set", lead, "value=5").code == 0
    assert marker.exists()


def test_a_repository_git_refuses_for_its_owner_stops_every_command_with_gits_advice(pipe_lead, run):
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("needs root to give the repository to another user")
    pipe, lead = pipe_lead
    path = pipe.lead_path(lead)
    path.write_text(path.read_text().replace("Jane Doe", "Jane Q. Doe"))  # an uncommitted edit
    for root, dirs, files in os.walk(pipe.root):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), 65534, 65534)
    os.chown(pipe.root, 65534, 65534)
    for args in (("check",), ("log", lead), ("undo",), ("sync",), ("set", lead, "value=1"), ("list",)):
        res = run("-C", str(pipe.root), *args)
        assert res.code == 3, (args, res)
        assert "dubious ownership" in res.err and "git config --global --add safe.directory" in res.err, (args, res)
        assert "Traceback" not in res.err


def test_a_shared_repository_keeps_the_lock_and_new_leads_writable_for_the_group(pipe_lead, run):
    pipe, lead = pipe_lead
    git(pipe.root, "config", "core.sharedRepository", "group")
    res = run("-C", str(pipe.root), "add", "Kai Berg", "--source", "event")
    assert res.code == 0, res
    lock = pipe.root / ".git" / "pipeline-tui.lock"
    assert stat.S_IMODE(lock.stat().st_mode) & 0o060 == 0o060
    new = pipe.lead_path(res.out.strip())
    assert stat.S_IMODE(new.stat().st_mode) & 0o060 == 0o060
    shared = init_pipeline(pipe.root.parent / "shared-from-the-start")
    git(shared.root, "config", "core.sharedRepository", "group")
    again = init_pipeline(pipe.root.parent / "team")  # git init --shared=group, then pipeline init
    assert again and shared
    team = pipe.root.parent / "team2"
    team.mkdir()
    subprocess.run(["git", "init", "-q", "--shared=group", "-b", "main", str(team)], check=True)
    made = init_pipeline(team)
    assert stat.S_IMODE(made.leads_dir.stat().st_mode) & 0o070 == 0o070  # members write lead files there


def test_the_write_path_runs_where_fcntl_does_not_exist(pipe_lead):
    """Windows has no fcntl: hide it, and a `set` still takes the lock (a portable one) and commits."""
    pipe, lead = pipe_lead
    code = ("import sys; sys.modules['fcntl'] = None; sys.modules['msvcrt'] = None\n"
            "sys.argv = ['pipeline', '-C', sys.argv[1], 'set', sys.argv[2], 'value=77']\n"
            "from pipeline_tui.cli import main\nmain()\n")
    proc = subprocess.run([sys.executable, "-c", code, str(pipe.root), lead], capture_output=True, text=True,
                          env={**os.environ, "PIPELINE_TODAY": "2026-11-23"})
    assert proc.returncode == 0, proc.stderr
    assert "value: 77" in pipe.lead_path(lead).read_text()
    assert "value (none) -> 77" in git(pipe.root, "log", "-1", "--format=%s")
    assert not (pipe.root / ".git" / "pipeline-tui.lock.held").exists()


def test_git_failing_without_a_word_is_explained(pipe_lead, run):
    pipe, lead = pipe_lead
    _hook(pipe, "pre-commit", "exit 1\n")  # a hook that refuses and says nothing
    res = run("-C", str(pipe.root), "set", lead, "value=5")
    assert res.code == 3
    assert "exited with code 1 and gave no reason" in res.err and "git commit -q" in res.err
