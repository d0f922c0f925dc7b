"""The real `pipeline` in a real terminal (tmux), keys sent in bursts as `tmux send-keys` writes them: one
write of many keys, as a laggy ssh link or a text expander delivers them. What lands on disk and in git
must be what was typed. Skipped where tmux is not installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest
import yaml

from pipeline_tui.core.changes.leads import add_lead
from tests.conftest import TODAY, git

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt install tmux)")


class Terminal:
    def __init__(self, root, width: int = 120, height: int = 40) -> None:
        self.name = "pl-" + uuid.uuid4().hex[:8]
        self.socket = ["-L", self.name]  # a tmux server of its own: never the person's sessions
        env = {**os.environ, "PIPELINE_TODAY": TODAY.isoformat(), "TERM": "xterm-256color"}
        command = f"{sys.executable} -m pipeline_tui -C {root}"
        subprocess.run(["tmux", *self.socket, "-f", "/dev/null", "new-session", "-d", "-s", self.name,
                        "-x", str(width), "-y", str(height), command], check=True, env=env)

    def keys(self, *keys: str) -> None:
        """One send-keys: every key in one write to the terminal."""
        subprocess.run(["tmux", *self.socket, "send-keys", "-t", self.name, *keys], check=True)

    def screen(self) -> str:
        return subprocess.run(["tmux", *self.socket, "capture-pane", "-p", "-t", self.name],
                              capture_output=True, text=True).stdout

    def wait_for(self, text: str, timeout: float = 20) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never showed; the screen:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", *self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def terminal_on(pipe):
    terminals = []

    def start(**kw) -> Terminal:
        t = Terminal(pipe.root, **kw)
        terminals.append(t)
        return t

    yield start
    for t in terminals:
        t.close()


def wait_for_commits(root, count: int, timeout: float = 20) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if int(git(root, "rev-list", "--count", "HEAD")) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"no commit {count}: {git(root, 'log', '--oneline')}")


def test_bursts_in_a_real_terminal_save_what_was_typed(pipe, terminal_on):
    lead_id = add_lead(pipe, "Carol Lead", "referral", owner="carol", value="2400", next_action="Send proposal",
                       due="2026-11-25", today=TODAY).lead_id
    commits = int(git(pipe.root, "rev-list", "--count", "HEAD"))
    term = terminal_on()
    term.wait_for("Carol Lead")
    # a query, Enter, the form (it opens on the stage; eight Tabs reach the owner): all of it in one write
    term.keys("/", "Carol", "Enter", "e", *["Tab"] * 8, "C-u", "bob", "Tab", "C-u", "5000", "C-s")
    wait_for_commits(pipe.root, commits + 1)
    data = yaml.safe_load(pipe.lead_path(lead_id).read_text())
    assert data["owner"] == "bob" and data["value"] == 5000
    term.wait_for("Saved and committed")
    term.keys("n", "C-u", "Call Zoe", "Tab", "C-u", "+2d", "C-s")
    wait_for_commits(pipe.root, commits + 2)
    data = yaml.safe_load(pipe.lead_path(lead_id).read_text())
    assert data["next"]["action"] == "Call Zoe" and str(data["next"]["due"]) == "2026-11-25"
    term.keys("l", "E", "sent the deck", "Enter")
    wait_for_commits(pipe.root, commits + 3)
    entry = yaml.safe_load(pipe.lead_path(lead_id).read_text())["log"][-1]
    assert entry["kind"] == "email" and entry["text"] == "sent the deck"
    assert "Traceback" not in term.screen()
