"""Typing at full burst speed: keys fed through the driver's own parser all at once (as a laggy ssh link,
a text expander or `tmux send-keys` delivers them), never one `press` at a time. What lands on disk and
in git must be exactly what the person typed, in the order typed, in the field that had focus."""

from __future__ import annotations

import pytest
import yaml

from pipeline_tui.core.changes.leads import add_lead
from pipeline_tui.ui.app import make_app
from pipeline_tui.ui.dialogs.edit import EditScreen, fid
from pipeline_tui.ui.keys import Parser
from tests.conftest import TODAY, commit_count, git

CTRL_U, CTRL_S, TAB, ENTER = "\x15", "\x13", "\t", "\r"


def burst(app, data: str) -> None:
    """Bytes as the terminal sends them, parsed by Textual's own parser and handed to the driver in one go
    (what the Linux driver does with one read of stdin and its next tick)."""
    import time

    parser = Parser()  # the parser the app's terminal driver uses (Textual's, keeping Escape apart)
    events = list(parser.feed(data))
    time.sleep(0.15)  # an Escape at the end is told apart from Alt+key by a pause
    events += list(parser.tick())
    for event in events:
        app._driver.process_message(event)


async def settle(pilot) -> None:
    """Until every key is handled and every write it started has landed (the last key's write may start
    after a wait for the workers: wait once more when the keys are done)."""
    for _ in range(200):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        if not getattr(pilot.app, "keys_waiting", 0):
            break
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def carol(pipe):
    lead_id = add_lead(pipe, "Carol Lead", "referral", company="Acme", owner="carol", value="2400",
                       next_action="Send proposal", due="2026-11-25", today=TODAY).lead_id
    return pipe, lead_id


def lead_data(pipe, lead_id) -> dict:
    return yaml.safe_load(pipe.lead_path(lead_id).read_text())


async def open_edit(pilot, key: str = "e") -> EditScreen:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press(key)
    await settle(pilot)
    assert isinstance(pilot.app.screen, EditScreen)
    return pilot.app.screen


async def test_a_burst_that_clears_then_types_saves_what_was_typed(carol):
    pipe, lead_id = carol
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(120, 45), notifications=True) as pilot:
        form = await open_edit(pilot)
        form.set_focus(form.query_one("#" + fid("owner")))
        await pilot.pause()
        burst(app, CTRL_U + "bob" + CTRL_S)
        await settle(pilot)
    assert lead_data(pipe, lead_id)["owner"] == "bob"
    assert "owner carol -> bob" in git(pipe.root, "log", "-1", "--format=%B")


async def test_a_burst_across_fields_lands_in_each_field(carol):
    pipe, lead_id = carol
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(120, 45), notifications=True) as pilot:
        form = await open_edit(pilot)
        form.set_focus(form.query_one("#" + fid("owner")))
        await pilot.pause()
        burst(app, CTRL_U + "dave" + TAB + CTRL_U + "5000" + CTRL_S)
        await settle(pilot)
    data = lead_data(pipe, lead_id)
    assert data["owner"] == "dave" and data["value"] == 5000


async def test_plan_next_in_one_burst_keeps_the_action_and_its_date(carol):
    pipe, lead_id = carol
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(120, 45), notifications=True) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        burst(app, "n" + CTRL_U + "Call Zoe" + TAB + CTRL_U + "+2d" + CTRL_S)
        await settle(pilot)
    data = lead_data(pipe, lead_id)
    assert data["next"]["action"] == "Call Zoe"
    assert str(data["next"]["due"]) == "2026-11-25"


async def test_an_emptied_field_is_not_removed_without_asking(carol):
    """Clearing a field and saving asks first, naming what goes; Escape goes back with nothing written."""
    pipe, lead_id = carol
    before = commit_count(pipe.root)
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(120, 45), notifications=True) as pilot:
        form = await open_edit(pilot)
        form.set_focus(form.query_one("#" + fid("owner")))
        await pilot.pause()
        burst(app, CTRL_U + CTRL_S)
        await settle(pilot)
        from pipeline_tui.ui.dialogs.edit import ConfirmChanges

        assert isinstance(app.screen, ConfirmChanges)
        text = app.screen.query_one("#changes").render().plain
        assert "owner carol -> (removed)" in text
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is form
        assert commit_count(pipe.root) == before
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    assert "owner" not in lead_data(pipe, lead_id)
    assert commit_count(pipe.root) == before + 1


async def test_log_with_text_in_one_burst(carol):
    pipe, lead_id = carol
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(120, 45), notifications=True) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        burst(app, "l" + TAB + "left a voicemail" + ENTER)
        await settle(pilot)
    log = lead_data(pipe, lead_id)["log"]
    assert log[-1]["kind"] == "call" and log[-1]["text"] == "left a voicemail"


async def test_query_then_open_in_one_burst_opens_the_lead_typed(pipe):
    from pipeline_tui.ui.screens.lead import LeadScreen

    add_lead(pipe, "Anna Alpha", "referral", today=TODAY)
    jane = add_lead(pipe, "Jane Zulu", "referral", today=TODAY).lead_id
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        burst(app, "/Jane" + ENTER + ENTER)
        await settle(pilot)
        assert isinstance(app.screen, LeadScreen) and app.screen.lead_id == jane


@pytest.mark.parametrize("keys, kind", [
    ("l" + "E" + "sent the deck" + ENTER, "email"),
    ("l" + "M" + "met them" + ENTER, "meeting"),
    ("l" + TAB + "notes here" + "\x1b[B" + "\x1b[B" + "\x1b[B" + ENTER, "note"),  # down arrow x3: call -> note
])
async def test_log_any_kind_with_text_in_one_burst(carol, keys, kind):
    pipe, lead_id = carol
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(120, 45), notifications=True) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        burst(app, keys)
        await settle(pilot)
    entry = lead_data(pipe, lead_id)["log"][-1]
    assert entry["kind"] == kind
    assert entry["text"] in ("sent the deck", "met them", "notes here")


async def test_query_enter_then_edit_in_one_burst(carol):
    """Enter in the query bar moves focus in a handler of its Submitted message: the keys after it wait."""
    pipe, lead_id = carol
    add_lead(pipe, "Zed Other", "referral", owner="zed", today=TODAY)
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        burst(app, "/Carol" + ENTER + "e" + TAB * 8 + CTRL_U + "bob" + TAB + CTRL_U + "77" + CTRL_S)
        await settle(pilot)
    data = lead_data(pipe, lead_id)
    assert data["owner"] == "bob" and data["value"] == 77
    assert "owner carol -> bob, value 2400 -> 77" in git(pipe.root, "log", "-1", "--format=%s")


async def test_escape_then_a_key_in_one_burst_is_both_keys(carol):
    """A terminal reads ESC and the next key together as Alt+key: here they stay Escape, then the key."""
    from pipeline_tui.ui.screens.agenda import AgendaScreen
    from pipeline_tui.ui.screens.lead import LeadScreen
    from pipeline_tui.ui.screens.main import MainScreen

    pipe, lead_id = carol
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        burst(app, ENTER)
        await settle(pilot)
        assert isinstance(app.screen, LeadScreen)
        burst(app, "\x1ba")
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen) and len(app.screen_stack) == 3
        burst(app, "\x1b/Carol")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen) and app.screen.query_one("#query").value == "Carol"


async def test_undo_right_after_a_save_undoes_that_save(carol):
    """Writes run in the order the keys asked for them: `u` behind a log undoes that log."""
    pipe, lead_id = carol
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        for _ in range(3):
            burst(app, "lculeu")
            await settle(pilot)
    assert "log" not in lead_data(pipe, lead_id)
    subjects = git(pipe.root, "log", "--format=%s").splitlines()
    assert len([s for s in subjects if s.startswith("undo: ")]) == 6


async def test_a_form_opened_behind_a_move_opens_on_the_moved_file(carol):
    pipe, lead_id = carol
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        burst(app, "b>>e" + TAB * 9 + CTRL_U + "4242" + CTRL_S)
        await settle(pilot)
    data = lead_data(pipe, lead_id)
    assert data["stage"] == "qualified" and data["value"] == 4242, data


async def test_keys_after_enter_in_a_dialog_go_where_enter_left_the_focus(carol):
    """Enter logs and closes the dialog in a handler of its Submitted message: the keys typed after it
    are the table's keys again, never more text in the closed field."""
    pipe, lead_id = carol
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        burst(app, "lEhello [b]x[/b] cmeN" + ENTER + "lc")
        await settle(pilot)
    log = lead_data(pipe, lead_id)["log"]
    assert (log[-2]["kind"], log[-2]["text"]) == ("email", "hello [b]x[/b] cmeN")
    assert log[-1]["kind"] == "call" and "text" not in log[-1]


async def test_n_in_the_log_dialog_asks_for_the_notes_words(carol):
    """An empty note says nothing: `l n` moves into the text field, and the note is logged with its words."""
    pipe, lead_id = carol
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        burst(app, "ln" + "met at the fair" + ENTER)
        await settle(pilot)
    entry = lead_data(pipe, lead_id)["log"][-1]
    assert (entry["kind"], entry["text"]) == ("note", "met at the fair")
