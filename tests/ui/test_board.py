"""The board (`b`) driven with Pilot on a real pipeline: a cursor on the cards, the lead keys acting on the card
under it, `<` / `>` moving a card between stages (what lands on disk and in git), and what it paints."""

from __future__ import annotations

import re
import time

import pytest

from pipeline_tui.core.changes.leads import add_lead
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
        await pilot.press("end", "right", "right")  # Dee, in proposal
        await pilot.pause()
        assert current_id(app) == ids["dee"]
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Move to")  # the palette offers both (whichever way the screen provides them)
        await pilot.pause(0.3)
        assert "Move to next stage" in screen_text(app) and "Move to previous stage" in screen_text(app)
        await pilot.press(*" next stage")
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


# --- painting in terminal cells, and repainting only what changed ---

class BoardApp:
    """A board on its own, with an Input to take the focus."""

    @staticmethod
    def make():  # noqa: ANN205
        from textual.app import App
        from textual.widgets import Input

        from pipeline_tui.ui.widgets.board import Board

        class _App(App):
            def compose(self):  # noqa: ANN202
                yield Input(id="other")
                yield Board(id="board")

        return _App()


def board_leads(n: int = 40) -> list:
    from tests.ui.test_widgets_cells import make_lead

    names = ["Ann", "株式会社テスト 🚀", "株式会社テスト株式会社テスト", "❤️ heart", "한국어 이름", "école"]
    stages = ["new", "new", "contacted", "proposal", "new", "won"]
    return [make_lead(i, f"{names[i % len(names)]} {i}", stage=stages[i % len(stages)]) for i in range(n)]


async def test_wide_names_keep_the_board_columns_in_place():
    from rich.cells import cell_len

    from tests.ui.test_widgets_cells import screen

    app = BoardApp.make()
    async with app.run_test(size=(120, 30)) as pilot:
        board = app.query_one("#board")
        board.set_leads(board_leads(), ["new", "contacted", "qualified", "proposal", "won"], TODAY)
        board.focus()
        await pilot.pause()
        lines = [board.render_line(y).text for y in range(board.size.height)]
        body = "\n".join(lines)
        assert "株式会社テスト 🚀 1" in body and "株式会社テスト株式…" in body  # cut to the cell, with …

        def edges(line: str) -> list[int]:  # the cells of the column separators
            return [cell_len(line[:i]) for i, ch in enumerate(line) if ch == "│"]

        assert edges(lines[0]) and all(edges(line) == edges(lines[0]) for line in lines)
        assert all(cell_len(line) == 120 for line in lines)
        top = board.region.y  # the same on the screen, as the compositor puts it together
        shown = ["".join(text for text, _ in line) for line in screen(app)][top:top + board.size.height]
        assert all(edges(line) == edges(lines[0]) for line in shown)


async def test_moving_the_board_cursor_repaints_only_the_cards_it_leaves_and_enters():
    from tests.ui.test_widgets_cells import Painted, fresh_repaint_matches

    app = BoardApp.make()
    async with app.run_test(size=(120, 30)) as pilot:
        board = app.query_one("#board")
        board.set_leads(board_leads(), ["new", "contacted", "qualified", "proposal", "won"], TODAY)
        board.focus()
        await pilot.pause()
        painted = Painted(board)
        for key, lines in (("down", {3, 4, 5, 6}), ("down", {5, 6, 7, 8}), ("up", {5, 6, 7, 8}),
                           ("right", {0, 5, 6})):  # to the next column: both headers, both cards (same height)
            painted.ys.clear()
            await pilot.press(key)
            await pilot.pause()
            assert set(painted.ys) == lines, key
        await fresh_repaint_matches(pilot, board)
        built = board._painter.built
        app.query_one("#other").focus()  # Textual repaints all of it: the cursor's two lines are new
        await pilot.pause()
        assert board._painter.built == built + 2
        await fresh_repaint_matches(pilot, board)
        board.focus()
        await pilot.press("left", "end")  # its column scrolls: its lines change
        await fresh_repaint_matches(pilot, board)
        assert "↑" in board.render_line(2).text


async def test_a_saved_card_repaints_its_lines_and_stale_strips_are_never_shown():
    from tests.ui.test_widgets_cells import Painted, fresh_repaint_matches, make_lead

    stages = ["new", "contacted", "qualified", "proposal", "won"]
    app = BoardApp.make()
    async with app.run_test(size=(120, 30)) as pilot:
        board = app.query_one("#board")
        leads = board_leads()
        board.set_leads(leads, stages, TODAY)
        board.focus()
        await pilot.pause()
        painted = Painted(board)
        leads = [make_lead(2, "Renamed 株式会社", stage="contacted") if i == 2 else x for i, x in enumerate(leads)]
        board.set_leads(leads, stages, TODAY)  # one lead saved: a new object, the same column and place
        await pilot.pause()
        assert set(painted.ys) == {3, 4}  # its card's two lines, nothing else
        assert "Renamed 株式会社" in board.render_line(3).text
        await fresh_repaint_matches(pilot, board)
        leads[0].stage_since = TODAY.replace(year=2025)  # its time in stage read from git later
        painted.ys.clear()
        board.set_leads(list(leads), stages, TODAY)
        await pilot.pause()
        assert set(painted.ys) == {4}  # the due line, with the rotting marker
        assert "⚑" in board.render_line(4).text
        await fresh_repaint_matches(pilot, board)
        await pilot.resize_terminal(80, 24)  # narrower: other widths
        await fresh_repaint_matches(pilot, board)
        await pilot.press("end", "right", "pageup")
        await fresh_repaint_matches(pilot, board)
        board.set_leads(leads[:3], stages[:2], TODAY)  # fewer columns, fewer cards
        await fresh_repaint_matches(pilot, board)
        board.set_leads([], stages, TODAY)
        await fresh_repaint_matches(pilot, board)


async def test_typing_a_query_with_the_board_shown_mounts_and_removes_nothing(staged):
    """Each keystroke regroups the leads the query keeps in the same board widget: no widget is mounted or
    removed (no column or card is a widget), and what it shows is what a full repaint shows."""
    from tests.ui.test_widgets_cells import fresh_repaint_matches

    pipe, ids = staged
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_board(pilot)
        board = app.screen.query_one("#board")
        await pilot.press("slash")  # the footer shows the query bar's keys (it recomposes on a focus change)
        await pilot.pause()
        widgets = {id(w) for w in app.screen.walk_children()}
        mounts = []
        original = board.set_leads
        board.set_leads = lambda *a, **k: (mounts.append(len(board.children)), original(*a, **k))[1]
        for key in "ben":
            await pilot.press(key)
            await pilot.pause()
            assert {id(w) for w in app.screen.walk_children()} == widgets, key
            assert len(board.children) == 0
        assert len(mounts) == 3  # the board was given the leads once per keystroke
        assert "Ben New" in screen_text(app) and "Ann New" not in screen_text(app)
        await fresh_repaint_matches(pilot, board)
