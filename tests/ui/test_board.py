"""The board (`b`) driven with Pilot on a real pipeline: a cursor on the cards, the lead keys acting on the card
under it, `<` / `>` moving a card between stages (what lands on disk and in git), and what it paints."""

from __future__ import annotations

import re
import time

import pytest

from pipeline_tui.core.changes.ops import add_lead
from pipeline_tui.ui.app import make_app
from pipeline_tui.ui.widgets.lead_table import DUE_STYLES, ROTTING, LeadTable
from tests.conftest import TODAY, commit_count, git

SIZE = (120, 40)


@pytest.fixture
def staged(pipe):
    """Ann and Ben (new), Cat (contacted), Dee (proposal); sorted by due the table starts on Ann (overdue)."""
    ids = {}
    for name, stage, due in (("Ann New", None, "2026-11-20"), ("Ben New", None, "2026-11-25"),
                             ("Cat Contacted", "contacted", "2026-11-24"), ("Dee Proposal", "proposal", None)):
        ids[name.split()[0].lower()] = add_lead(pipe, name, "referral", company="Acme", stage=stage,
                                                next_action="Call" if due else None, due=due, today=TODAY).lead_id
    return pipe, ids


async def loaded(pilot) -> None:  # noqa: ANN001
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def screen_text(app) -> str:  # noqa: ANN001
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip) for strip in strips)


def current_id(app) -> str | None:  # noqa: ANN001
    lead = app.screen.current_lead()
    return lead.id if lead else None


def messages(app) -> list[str]:  # noqa: ANN001
    return [n.message for n in app._notifications]


async def open_board(pilot) -> None:  # noqa: ANN001
    await loaded(pilot)
    await pilot.press("b")
    await pilot.pause()


async def test_the_cursor_moves_on_the_cards(staged):
    pipe, ids = staged
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_board(pilot)
        assert current_id(app) == ids["ann"]  # the board opens on the table's lead
        assert not isinstance(app.focused, LeadTable)
        assert "Move stage" in screen_text(app)  # the footer shows the board's keys
        steps = [("down", "ben"), ("j", "ben"), ("up", "ann"), ("down", "ben"), ("right", "cat"),
                 ("right", "dee"),  # past the empty qualified column
                 ("right", "dee"),  # nothing further: stays
                 ("left", "cat"), ("left", "ann"), ("end", "ben"), ("home", "ann"), ("pagedown", "ben"),
                 ("pageup", "ann"), ("k", "ann")]
        for key, who in steps:
            await pilot.press(key)
            await pilot.pause()
            assert current_id(app) == ids[who], key
        await pilot.press("right", "enter")  # enter opens the card under the cursor
        await loaded(pilot)
        from pipeline_tui.ui.screens.lead import LeadScreen

        assert isinstance(app.screen, LeadScreen) and app.screen.lead_id == ids["cat"]
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("b")  # back to the table: on the lead the board was on
        await pilot.pause()
        assert app.screen.query_one(LeadTable).current.id == ids["cat"]


async def test_lead_keys_act_on_the_card_under_the_cursor(staged):
    pipe, ids = staged
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_board(pilot)
        await pilot.press("right")
        await pilot.pause()
        assert app.screen.query_one(LeadTable).current.id == ids["ann"]  # the hidden table stays on Ann
        await pilot.press("e")
        await loaded(pilot)
        from pipeline_tui.ui.dialogs.edit import EditScreen

        assert isinstance(app.screen, EditScreen) and app.screen.lead_id == ids["cat"]
        assert "Cat Contacted" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("l")  # `l` is Log on the board too (not "right")
        await loaded(pilot)
        from pipeline_tui.ui.dialogs.log import LogDialog

        assert isinstance(app.screen, LogDialog) and app.screen.lead_id == ids["cat"]


async def test_greater_than_moves_the_card_to_the_next_stage_on_disk_and_in_git(staged):
    pipe, ids = staged
    cat = ids["cat"]
    path = pipe.root / "leads" / f"{cat}.yaml"
    before = commit_count(pipe.root)
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_board(pilot)
        await pilot.press("right")
        await pilot.pause()
        assert current_id(app) == cat
        await pilot.press("greater_than_sign")
        await loaded(pilot)
        assert "stage: qualified" in path.read_text() and "stage: contacted" not in path.read_text()
        assert commit_count(pipe.root) == before + 1
        assert "stage contacted -> qualified" in git(pipe.root, "log", "-1", "--format=%s")
        assert git(pipe.root, "status", "--porcelain") == ""
        board = app.screen.query_one("#board")
        assert board.column_of(cat) == "qualified"  # the card shows in its new column
        assert current_id(app) == cat  # and the cursor followed it
        await pilot.press("less_than_sign")  # and back
        await loaded(pilot)
        assert "stage: contacted" in path.read_text()
        assert commit_count(pipe.root) == before + 2
        assert board.column_of(cat) == "contacted" and current_id(app) == cat
        assert app.is_running


async def test_less_than_on_the_first_stage_does_nothing_and_says_so(staged):
    pipe, ids = staged
    ann = ids["ann"]
    path = pipe.root / "leads" / f"{ann}.yaml"
    raw, before = path.read_bytes(), commit_count(pipe.root)
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_board(pilot)
        assert current_id(app) == ann
        await pilot.press("less_than_sign")
        await loaded(pilot)
        assert any("first stage" in m and "Ann New" in m for m in messages(app)), messages(app)
        assert path.read_bytes() == raw and commit_count(pipe.root) == before
        assert current_id(app) == ann and app.is_running


async def test_a_card_changed_on_disk_meanwhile_is_not_moved(staged):
    """The file moved on behind the board (an editor, a pull): `>` says so and writes nothing; the reload
    shows the lead where the file has it."""
    pipe, ids = staged
    cat = ids["cat"]
    path = pipe.root / "leads" / f"{cat}.yaml"
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_board(pilot)
        await pilot.press("right")
        await pilot.pause()
        assert current_id(app) == cat
        edited = path.read_text().replace("stage: contacted", "stage: negotiation")
        path.write_text(edited)
        before = commit_count(pipe.root)
        await pilot.press("greater_than_sign")
        await loaded(pilot)
        assert any("on disk" in m for m in messages(app)), messages(app)
        assert path.read_text() == edited and commit_count(pipe.root) == before
        assert app.screen.query_one("#board").column_of(cat) == "negotiation"  # reloaded


async def test_the_board_follows_the_query_bar(staged):
    pipe, ids = staged
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_board(pilot)
        await pilot.press("slash", *"ben", "enter")
        await pilot.pause()
        text = screen_text(app)
        assert "Ben New" in text and "Ann New" not in text and "Cat Contacted" not in text
        assert not isinstance(app.focused, LeadTable)  # enter in the query bar: back to the board
        assert current_id(app) == ids["ben"]
        await pilot.press("escape", "slash", "ctrl+a", "ctrl+k", "escape", "up", "e")
        await loaded(pilot)
        from pipeline_tui.ui.dialogs.edit import EditScreen

        assert isinstance(app.screen, EditScreen) and app.screen.lead_id == ids["ann"]


async def test_the_palette_has_the_move_commands(staged):
    pipe, ids = staged
    path = pipe.root / "leads" / f"{ids['dee']}.yaml"
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_board(pilot)
        names = [c.title for c in app.get_system_commands(app.screen)]
        assert "Move to next stage" in names and "Move to previous stage" in names
        await pilot.press("end", "right", "right")  # Dee, in proposal
        await pilot.pause()
        assert current_id(app) == ids["dee"]
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Move to next stage")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await loaded(pilot)
        assert "stage: negotiation" in path.read_text()


async def test_columns_fit_at_80_wide(staged):
    pipe, ids = staged
    add_lead(pipe, "Catherine Contacted-Longname [b]x", "referral", stage="contacted", today=TODAY)
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_board(pilot)
        board = app.screen.query_one("#board")
        lines = [board.render_line(y).text for y in range(board.size.height)]
        assert all(len(line) == 80 for line in lines)
        header = lines[0]
        assert header.count("│") == 6  # all seven default stages side by side
        for stage in ("new", "contac", "qualif", "propos", "negot", "won", "lost"):
            assert stage in header, stage
        body = "\n".join(lines)
        assert re.search(r"Cath\w*…", body) and "Longname" not in body  # cut to the cell, with …
        assert "11-20" in body and "none" in body


async def test_ten_thousand_leads_paint_fast_without_a_widget_per_card():
    """The board on its own: 10,000 leads, grouped and painted; only the lines on screen are worked out."""
    from textual.app import App

    from pipeline_tui.core.model.lead import Lead
    from pipeline_tui.core.model.playbook import Playbook
    from pipeline_tui.ui.widgets.board import Board

    pb = Playbook()
    stages = pb.stage_names
    leads = [Lead(f"lead-{i:05d}", f"leads/lead-{i:05d}.yaml",
                  {"name": f"Lead {i}", "source": "referral", "stage": stages[i % len(stages)], "value": 100,
                   "created": "2026-11-01", "next": {"action": "Call", "due": f"2026-11-2{i % 10}"}}, pb)
             for i in range(10_000)]

    class BoardApp(App):
        def compose(self):  # noqa: ANN202
            yield Board(id="board")

    app = BoardApp()
    async with app.run_test(size=(120, 40)) as pilot:
        board = app.query_one(Board)
        start = time.perf_counter()
        board.set_leads(leads, stages, TODAY)
        lines = [board.render_line(y).text for y in range(board.size.height)]
        elapsed = time.perf_counter() - start
        assert elapsed < 1.0, elapsed
        assert len(board.children) == 0
        assert "new" in lines[0] and "1,429" in lines[0]  # 10,000 / 7 stages, the first ones get one more
        assert "142,900" in lines[1]
        # the first card: grade, name; its due date styled like the table's (overdue) and the rotting marker
        # (22 days in "new", whose limit is 2)
        assert "D Lead 0 " in lines[3]
        due_line = board.render_line(4)
        assert "2026-11-20" in due_line.text and "⚑22d" in due_line.text
        styles = {seg.text.strip(): seg.style for seg in due_line if seg.text.strip()}
        assert styles["2026-11-20"].color == DUE_STYLES["overdue"].color
        assert styles["⚑22d"].color == ROTTING.color and styles["⚑22d"].italic
        board.focus()
        await pilot.press("end")
        await pilot.pause()
        assert board.current.id == "lead-09996"  # the last lead of the first column
        rule = board.render_line(2).text
        assert "↑" in rule
        start = time.perf_counter()
        for _ in range(50):
            await pilot.press("right")
        assert time.perf_counter() - start < 5
