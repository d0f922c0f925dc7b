"""Writers killed at every crash point and at random moments, and writers running at once.

Invariants checked after every kill: every lead file parses whole and holds either the old or the new
version (never a mix, never empty); no update that was reported done is lost; the next command recovers
or says exactly what to do."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from pipeline_tui.core.changes.init import init_pipeline
from pipeline_tui.core.changes.leads import add_lead
from pipeline_tui.core.faults import POINTS
from pipeline_tui.core.yaml import reader as yamlio
from tests.conftest import TODAY, git

ENV = {"PIPELINE_TODAY": "2026-11-23"}


def cli(pipe, *args, fault=None, timeout=60):  # noqa: ANN001, ANN201
    env = {**os.environ, **ENV}
    if fault:
        env["PIPELINE_FAULT"] = fault
    return subprocess.run([sys.executable, "-m", "pipeline_tui", "-C", str(pipe.root), *args], capture_output=True,
                          text=True, env=env, timeout=timeout)


@pytest.fixture
def pipe_with_lead(tmp_path):
    pipe = init_pipeline(tmp_path / "pipe")
    lead = add_lead(pipe, "Jane Doe", "referral", company="Acme", value="1000", next_action="Call",
                    due="2026-11-25", today=TODAY).lead_id
    return pipe, lead


def value_on_disk(pipe, lead):  # noqa: ANN001, ANN201
    data = yamlio.loads_bytes((pipe.leads_dir / f"{lead}.yaml").read_bytes())  # raises if not whole
    assert isinstance(data, dict) and data["name"] == "Jane Doe"
    return data["value"]


def value_in_head(pipe, lead):  # noqa: ANN001, ANN201
    return yamlio.loads(git(pipe.root, "show", f"HEAD:leads/{lead}.yaml"))["value"]


@pytest.mark.parametrize("point", [p for p in POINTS if p in ("temp-written", "renamed", "in-commit")])  # one-file writes; the rest: test_undo
def test_a_writer_killed_at_each_crash_point(pipe_with_lead, point):
    pipe, lead = pipe_with_lead
    proc = cli(pipe, "set", lead, "value=2000", fault=point)
    assert proc.returncode == 137  # died, as if killed
    on_disk = value_on_disk(pipe, lead)
    assert on_disk in (1000, 2000)
    assert value_in_head(pipe, lead) == 1000  # the commit never happened
    if point == "temp-written":
        assert on_disk == 1000 and (pipe.leads_dir / f".{lead}.yaml.tmp").exists()
        check = cli(pipe, "check")
        assert f"leads/.{lead}.yaml.tmp:1: warning: left by an interrupted write" in check.stdout
    if point == "renamed":
        assert on_disk == 2000
        check = cli(pipe, "check")
        assert f"leads/{lead}.yaml:1: warning: changed but not committed" in check.stdout
    if point == "in-commit":
        # git's lock is left behind, as after a killed commit: the next writer says what to do
        proc = cli(pipe, "set", lead, "value=3000")
        assert proc.returncode == 3 and "index.lock" in proc.stderr and "remove that file" in proc.stderr
        assert value_on_disk(pipe, lead) in (1000, 2000)
        lock = pipe.root / ".git" / "index.lock"
        lock.unlink()  # nobody is running git: the person removes it, as the message says
    # the next command recovers: the write goes through, and nothing is left behind
    proc = cli(pipe, "set", lead, "value=4000")
    assert proc.returncode == 0, proc.stderr
    assert value_on_disk(pipe, lead) == 4000 == value_in_head(pipe, lead)
    assert not (pipe.leads_dir / f".{lead}.yaml.tmp").exists()
    assert git(pipe.root, "status", "--porcelain") == ""


def test_writers_killed_at_random_moments_never_break_a_lead(pipe_with_lead):
    """Fault injection: real SIGKILLs at random times during `set`, then the invariants."""
    pipe, lead = pipe_with_lead
    rnd = random.Random(20261123)
    done = {1000}
    maybe: set[int] = set()  # values of killed writers: their file may have landed before the commit
    kills = 0
    env = {**os.environ, **ENV}
    for i in range(25):
        value = 5000 + i
        proc = subprocess.Popen([sys.executable, "-m", "pipeline_tui", "-C", str(pipe.root), "set", lead,
                                 f"value={value}"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rnd.uniform(0.0, 0.4))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        code = proc.wait()
        if code == 0:
            done.add(value)
        else:
            maybe.add(value)
        on_disk = value_on_disk(pipe, lead)  # whole, always: an old version or a new one, never a mix
        assert on_disk in done | maybe
        assert on_disk == value or code != 0  # a write reported done is what is on disk
        head = value_in_head(pipe, lead)
        if code == 0:
            assert head == value  # reported done: committed
        lock = pipe.root / ".git" / "index.lock"
        if lock.exists():  # a kill inside git commit: the next command says so; a person then removes it
            proc = cli(pipe, "set", lead, "value=1")
            if proc.returncode == 0:  # the killed writer's git child finished meanwhile and let go of its lock
                done.add(1)
            else:
                assert proc.returncode == 3 and "rm '" in proc.stderr, proc.stderr
                lock.unlink(missing_ok=True)
    assert kills >= 5
    proc = cli(pipe, "set", lead, "value=99999")
    assert proc.returncode == 0, proc.stderr
    assert value_on_disk(pipe, lead) == 99999 == value_in_head(pipe, lead)
    assert cli(pipe, "check").returncode == 0


def test_many_writers_at_once_lose_no_update(pipe_with_lead):
    pipe, lead = pipe_with_lead
    other = add_lead(pipe, "Kai Berg", "event", today=TODAY).lead_id
    before = int(git(pipe.root, "rev-list", "--count", "HEAD"))

    def write(i: int):  # noqa: ANN202
        target = lead if i % 2 else other
        return cli(pipe, "note", target, f"note {i}", timeout=120)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(write, range(16)))
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results if r.returncode]
    texts = {x: [e["text"] for e in yamlio.loads_bytes((pipe.leads_dir / f"{x}.yaml").read_bytes())["log"]]
             for x in (lead, other)}
    assert sorted(texts[lead]) == sorted(f"note {i}" for i in range(16) if i % 2)
    assert sorted(texts[other]) == sorted(f"note {i}" for i in range(16) if not i % 2)
    assert int(git(pipe.root, "rev-list", "--count", "HEAD")) == before + 16
    assert git(pipe.root, "status", "--porcelain") == ""


async def test_the_tui_never_overwrites_a_file_changed_behind_its_back(pipe_with_lead):
    from pipeline_tui.ui.app import make_app

    pipe, lead = pipe_with_lead
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("e")  # the edit form is open on the lead...
        await pilot.pause()
        assert cli(pipe, "set", lead, "owner=bob").returncode == 0  # ...while another process changes it
        app.screen.query_one("#f-value").value = "7777"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
        assert any("changed on disk" in m for m in messages), messages
    data = yamlio.loads_bytes((pipe.leads_dir / f"{lead}.yaml").read_bytes())
    assert data["owner"] == "bob" and data["value"] == 1000  # the other write kept; the stale form refused
