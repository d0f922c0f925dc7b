"""Shared fixtures: an isolated HOME with a git identity, real pipelines in tmp_path, the real CLI."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=60, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "dev", deadline=None, max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "ci"))

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own HOME, git identity and data folder; nothing touches the real ones."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text("[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    for var in ("PIPELINE_DIR", "PIPELINE_TODAY", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                "GIT_COMMITTER_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "EDITOR", "VISUAL"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def pipe(tmp_path):
    from pipeline_tui.core.changes.init import init_pipeline

    return init_pipeline(tmp_path / "pipe")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def commit_count(root: Path) -> int:
    return int(git(root, "rev-list", "--count", "HEAD").strip())


class CliResult:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __repr__(self) -> str:
        return f"<exit {self.code} out={self.out[-300:]!r} err={self.err[-300:]!r}>"


@pytest.fixture
def run():
    """Run the real `pipeline` entry point (python -m pipeline_tui) in a subprocess."""

    def _run(*args: str, cwd: Path | None = None, env: dict | None = None, today: str | None = "2026-11-23",
             input: str | None = None) -> CliResult:
        full_env = dict(os.environ)
        if today:
            full_env["PIPELINE_TODAY"] = today
        full_env.update(env or {})
        proc = subprocess.run([sys.executable, "-m", "pipeline_tui", *args], cwd=cwd, env=full_env,
                              capture_output=True, text=True, input=input, timeout=120)
        return CliResult(proc)

    return _run
