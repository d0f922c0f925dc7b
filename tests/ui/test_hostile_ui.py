"""The real TUI, with notifications on, over the pipeline a hostile teammate pushed (tests/hostile/world.py):
every screen and dialog shows lead text literally (markup as typed, escape codes as `\\x1b`), nothing a
terminal would act on reaches the screen, and the app is still running at the end."""

from __future__ import annotations

import pytest
from textual.screen import Screen
from textual.widgets import Static

from pipeline_tui.ui.app import make_app
from pipeline_tui.ui.widgets.lead_table import LeadTable
from pipeline_tui.ui.workers import WorkerErrors, io_work
from tests.conftest import TODAY, git
from tests.hostile import world


def screen_text(app) -> str:  # noqa: ANN001
    """Everything on the screen, toasts included, as the terminal would receive it (segment texts)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


def assert_only_text(app, where: str) -> str:  # noqa: ANN001
    assert app.is_running, f"the app exited at {where}"
    text = screen_text(app)
    for ch in world.FORBIDDEN:
        assert ch not in text, f"{where}: {ch!r} reached the terminal"
    return text


async def settle(pilot) -> None:  # noqa: ANN001
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def select(app, lead_id: str) -> None:  # noqa: ANN001
    table = app.screen.query_one(LeadTable)
    index = next(i for i, row in enumerate(table.rows) if getattr(row, "id", None) == lead_id)
    table.move_to(index)


@pytest.fixture
def hostile(tmp_path):
    return world.build(tmp_path), tmp_path


async def test_every_screen_and_dialog_shows_hostile_text_literally(hostile):
    root, base = hostile
    app = make_app(root, today=TODAY, watch=False)
    async with app.run_test(size=(170, 50), notifications=True) as pilot:
        await settle(pilot)
        text = assert_only_text(app, "main")
        assert "Jane [/] Doe" in text and "Widgets [UK] Ltd" in text and "Eve \\x1b]52;c;" in text

        for lead_id in ("markup-lead", "escape-lead", "bad-stage", "wrong-stage", "wrong-log", "wrong-qualification"):
            select(app, lead_id)
            await pilot.press("enter")
            await settle(pilot)
            text = assert_only_text(app, f"lead {lead_id}")
            if lead_id == "markup-lead":
                assert "Uploaded the contract to [/shared/sales] as agreed" in text
                assert "[link=file:///etc/passwd]click me[/link]" in text and "Bob [i]talic" in text
                assert "[@click=app.quit]quit[/]" in text
            if lead_id == "escape-lead":
                assert "Evil \\x1b[2J\\x1b[H Corp" in text and "\\u202e" in text
                assert "]0;evil\\x07" in text  # the teammate's name, in the history list
            await pilot.press("escape")
            await pilot.pause()

        select(app, "markup-lead")
        for key in ("e", "n"):
            await pilot.press(key)
            await settle(pilot)
            text = assert_only_text(app, f"dialog {key}")
            assert "Jane [/] Doe" in text
            await pilot.press("escape")
            await pilot.pause()
        select(app, "escape-lead")
        await pilot.press("e")
        await settle(pilot)
        assert "\\x1b]0;pwned\\x07" in assert_only_text(app, "edit escape-lead")
        await pilot.press("escape")
        await pilot.pause()

        select(app, "markup-lead")
        await pilot.press("d")  # done: its dialog names the action; the toast names the change
        await settle(pilot)
        assert "Send [b]proposal[/b] to [/shared/sales]" in assert_only_text(app, "done dialog")
        await pilot.press(*"called [/] them", "enter")
        await settle(pilot)
        text = assert_only_text(app, "after done")
        assert "Saved and committed" in text
        assert "called [/] them" in git(root, "log", "-1", "-p")

        select(app, "markup-lead")
        await pilot.press("l", "tab", *"[/] note", "enter")
        await settle(pilot)
        assert "logged call: [/] note" in assert_only_text(app, "after log")

        for key, needle in (("a", "Eve \\x1b]52"), ("m", "[/]"), ("p", "x[/]"), ("r", "review [/]"),
                            ("y", "No remote"), ("question_mark", "")):
            await pilot.press(key)
            await settle(pilot)
            text = assert_only_text(app, f"screen {key}")
            assert needle in text, f"{needle!r} not on screen {key}"
            await pilot.press("escape")
            await pilot.pause()

        await pilot.press("i")
        await settle(pilot)
        await pilot.press(*str(base / "hostile.csv"), "enter")
        await settle(pilot)
        text = assert_only_text(app, "import preview")
        assert "Notes [/]" in text and "Ann [b]Bold" not in text or "Notes [/]" in text
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("b")
        await settle(pilot)
        assert "Jane [/] Doe" in assert_only_text(app, "board")
        assert app.is_running


async def test_a_saved_note_with_markup_shows_in_the_toast(tmp_path):
    """The toast of a save carries the note's text: shown as typed, and the app stays up."""
    from pipeline_tui.core.changes.init import init_pipeline
    from pipeline_tui.core.changes.leads import add_lead

    pipe = init_pipeline(tmp_path / "pipe")
    lead = add_lead(pipe, "Plain Name", "referral", today=TODAY).lead_id
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(150, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("l", "tab", *"see [/shared/sales] and [b]this", "enter")
        await settle(pilot)
        text = assert_only_text(app, "toast")
        assert "Saved and committed" in text and "see [/shared/sales] and" in text and "[b]this" in text
    assert "see [/shared/sales] and [b]this" in (pipe.root / "leads" / f"{lead}.yaml").read_text()


class _Boom(WorkerErrors, Screen):
    def compose(self):  # noqa: ANN201
        yield Static("boom screen")

    def on_mount(self) -> None:
        self.explode()

    @io_work(group="boom")
    def explode(self) -> None:
        raise RuntimeError("disk on fire [/] \x1b[2J")


async def test_a_failed_worker_is_reported_and_the_app_stays_up(tmp_path):
    from pipeline_tui.core.changes.init import init_pipeline

    pipe = init_pipeline(tmp_path / "pipe")
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await settle(pilot)
        await app.push_screen(_Boom())
        for _ in range(50):  # (waiting on the workers would re-raise the worker's error here)
            await pilot.pause(0.05)
            if "Could not finish" in screen_text(app):
                break
        text = assert_only_text(app, "failed worker")
        assert "disk on fire [/] \\x1b[2J" in text and "Could not finish: boom" in text
        await pilot.press("escape")
        assert app.is_running


def test_every_worker_of_the_ui_survives_its_errors():
    """A worker that raises would exit the app by default: every one is made by `io_work`."""
    from pathlib import Path

    ui = Path(__file__).resolve().parents[2] / "src" / "pipeline_tui" / "ui"
    for path in ui.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "@work(" not in source, f"{path.name} starts a worker that would take the app down on error"


async def test_the_watcher_sees_an_edit_within_one_timestamp_tick(tmp_path):
    """On a filesystem with 1-second timestamps an edit of the same size in the same second keeps mtime and
    size (simulated here with os.utime on real files): the app reads such racily-clean files again."""
    import os
    import time

    from pipeline_tui.core.changes.init import init_pipeline
    from pipeline_tui.core.changes.leads import add_lead

    pipe = init_pipeline(tmp_path / "pipe")
    lead = add_lead(pipe, "Tick Tock", "referral", value="1000", today=TODAY).lead_id
    path = pipe.leads_dir / f"{lead}.yaml"
    tick = (time.time_ns() // 1_000_000_000) * 1_000_000_000
    os.utime(path, ns=(tick, tick))
    app = make_app(pipe.root, today=TODAY, watch=True, watch_interval=0.2)
    async with app.run_test(size=(150, 30)) as pilot:
        await settle(pilot)
        assert "1,000" in screen_text(app)
        path.write_text(path.read_text().replace("value: 1000", "value: 1001"))
        os.utime(path, ns=(tick, tick))  # same second, same size: the stamp did not change
        for _ in range(40):
            await pilot.pause(0.1)
            if "1,001" in screen_text(app):
                break
        assert "1,001" in screen_text(app)


async def test_edit_and_next_on_a_lead_that_broke_meanwhile(tmp_path):
    """A teammate's pull breaks a lead (a duplicate key named `[/]`) while it is on screen: `e` and `n` say
    why it cannot be changed, as text, and the app stays up."""
    from pipeline_tui.core.changes.init import init_pipeline
    from pipeline_tui.core.changes.leads import add_lead

    pipe = init_pipeline(tmp_path / "pipe")
    lead = add_lead(pipe, "Normal Lead", "referral", today=TODAY).lead_id
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(150, 40), notifications=True) as pilot:
        await settle(pilot)
        (pipe.leads_dir / f"{lead}.yaml").write_text('name: dup\n"[/]": 1\n"[/]": 2\n')
        for key in ("e", "n"):
            await pilot.press(key)
            await settle(pilot)
            text = assert_only_text(app, f"broken {key}")
            assert "duplicate key '[/]'" in text
            await pilot.press("ctrl+s", "escape")
            await pilot.pause()
        assert app.is_running


async def test_the_tui_puts_back_an_import_killed_half_way_and_says_so(tmp_path):
    import os
    import subprocess
    import sys

    from pipeline_tui.core.changes.init import init_pipeline
    from pipeline_tui.core.changes.leads import add_lead

    pipe = init_pipeline(tmp_path / "pipe")
    add_lead(pipe, "Kept Lead", "referral", today=TODAY)
    csv = tmp_path / "in.csv"
    csv.write_text("Name,Lead Source\n" + "".join(f"Half {i},Referral\n" for i in range(5)))
    proc = subprocess.run([sys.executable, "-m", "pipeline_tui", "-C", str(pipe.root), "import", str(csv)],
                          env={**os.environ, "PIPELINE_FAULT": "import-writing"}, capture_output=True)
    assert proc.returncode == 137 and len(pipe.lead_ids()) == 2  # one half-written lead beside the kept one
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(150, 40), notifications=True) as pilot:
        await settle(pilot)
        text = assert_only_text(app, "after a killed import")
        assert "interrupted import was rolled back" in text
        assert "Kept Lead" in text and "Half 0" not in text
    assert pipe.lead_ids() and len(pipe.lead_ids()) == 1
