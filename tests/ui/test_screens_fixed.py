"""The TUI says and does the right thing (issue 16's cases): undo from the keyboard, the Lead screen after
a stage change, the status line's counts, Escape between screens, the Agenda's waits, the columns that
fit, the colours of the states. Each drives the real app on a real pipeline with notifications on."""

from __future__ import annotations

import pytest
import yaml

from pipeline_tui.core.changes.leads import add_lead, set_fields
from pipeline_tui.ui.app import make_app
from tests.conftest import TODAY, commit_count, git
from tests.ui.test_app import loaded, shown, table_text


@pytest.fixture
def demo_pipe(tmp_path):
    from pipeline_tui.core.changes.demo import build_demo

    return build_demo(tmp_path / "demo", today=TODAY).root


def lead_data(pipe, lead_id) -> dict:
    return yaml.safe_load(pipe.lead_path(lead_id).read_text())


async def test_u_undoes_the_last_change_and_says_which(pipe):
    lead_id = add_lead(pipe, "Carol Lead", "referral", owner="carol", today=TODAY).lead_id
    set_fields(pipe, lead_id, ["owner=bob"], today=TODAY)
    before = commit_count(pipe.root)
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await loaded(pilot)
        assert app.active_bindings["u"].binding.show  # in the footer
        await pilot.press("u")
        await loaded(pilot)
        messages = " ".join(n.message for n in app._notifications)
        assert "owner carol -> bob" in messages and "undid" in messages
        assert lead_data(pipe, lead_id)["owner"] == "carol"
        assert "carol" in table_text(app)
        assert commit_count(pipe.root) == before + 1
        assert "undo" in git(pipe.root, "log", "-1", "--format=%s")
        await pilot.press("U")
        await loaded(pilot)
        assert lead_data(pipe, lead_id)["owner"] == "bob"


async def test_u_with_nothing_to_undo_says_so_and_keeps_running(pipe):
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("u")
        await loaded(pilot)
        assert any(n.title.startswith("Not undone") for n in app._notifications)
        assert app.is_running


async def test_the_lead_screen_shows_the_new_stage_time_after_an_edit(pipe, monkeypatch):
    import datetime as dt

    from pipeline_tui.ui.dialogs.edit import EditScreen, fid
    from pipeline_tui.ui.screens.lead import LeadScreen

    with monkeypatch.context() as m:  # made in proposal 128 days ago, as git remembers it
        m.setenv("GIT_AUTHOR_DATE", "2026-07-18T10:00:00")
        m.setenv("GIT_COMMITTER_DATE", "2026-07-18T10:00:00")
        add_lead(pipe, "Old Deal", "referral", stage="proposal", next_action="Chase",
                           due="2026-11-30", today=dt.date(2026, 7, 18))
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("enter")
        await loaded(pilot)
        assert isinstance(app.screen, LeadScreen)
        assert "128 days in proposal (limit 14): rotting" in shown(app.screen.query_one("#fields"))
        await pilot.press("e")
        await loaded(pilot)
        assert isinstance(app.screen, EditScreen)
        app.screen.query_one("#" + fid("stage")).value = "negotiation"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await loaded(pilot)
        await loaded(pilot)
        text = shown(app.screen.query_one("#fields"))
        assert "in negotiation" in text and "in proposal" not in text and "rotting" not in text


async def test_top_level_screens_replace_each_other_one_escape_goes_home(demo_pipe):
    from pipeline_tui.ui.screens.main import MainScreen

    app = make_app(demo_pipe, today=TODAY, watch=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press(*"amamam", "r", "p", "enter")
        await loaded(pilot)
        assert len(app.screen_stack) == 3
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        await pilot.press("a", "enter")  # a lead opened from the Agenda stacks on it
        await loaded(pilot)
        await pilot.press("m")
        await loaded(pilot)
        assert [type(s).__name__ for s in app.screen_stack[1:]] == ["MainScreen", "MixScreen"]


async def test_the_status_line_counts_the_leads_shown_and_the_problems_p_lists(demo_pipe):
    from pipeline_tui.ui.screens.problems import ProblemsScreen

    app = make_app(demo_pipe, today=TODAY, watch=False)
    async with app.run_test(size=(200, 40), notifications=True) as pilot:
        await loaded(pilot)
        main = app.screen
        await pilot.press("slash", *"stage:proposal", "enter")
        await loaded(pilot)
        status = shown(main.query_one("#status"))
        rotting_shown = sum(1 for x in main.shown if x.rotting(TODAY) is not None)
        assert f"{len(main.shown)} of 44 leads" in status
        assert f" {rotting_shown} rotting" in status and rotting_shown < app.health[2]
        await pilot.press("p")
        await loaded(pilot)
        assert isinstance(app.screen, ProblemsScreen)
        listed = len(app.screen.problems)
        assert listed > 0 and f"{listed} problems (p)" in status


async def test_at_80x24_the_useful_columns_and_the_whole_status_line_show(demo_pipe):
    app = make_app(demo_pipe, today=TODAY, watch=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await loaded(pilot)
        header = table_text(app).splitlines()[0]
        for title in ("Name", "Stage", "Next action", "Due", "Owner", "Value"):
            assert title in header, title
        status = shown(app.screen.query_one("#status")).rstrip()
        assert len(status) <= 80 and status.endswith("(p)"), status


async def test_no_next_action_is_yellow_and_not_the_rotting_orange():
    from pipeline_tui.ui.widgets.lead_table import DUE_STYLES, ROTTING

    assert DUE_STYLES["none"].color != ROTTING.color
    assert DUE_STYLES["none"].color.name not in ("yellow", "dark_orange")  # ANSI yellow is themed orange


async def test_the_agenda_shows_each_uncontacted_leads_wait(demo_pipe):
    import datetime as dt

    from pipeline_tui.core.views.agenda import build_agenda, wait_words, waiting_hours

    app = make_app(demo_pipe, today=TODAY, watch=False)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("a")
        await loaded(pilot)
        text = table_text(app)
        first = build_agenda(app.leads, app.pipe.playbook, TODAY)[0]
        assert first.name == "Uncontacted requests" and first.leads
        for lead in first.leads:
            line = next(x for x in text.splitlines() if lead.name in x)
            hours = waiting_hours(lead, app.stage_hist, dt.datetime.combine(TODAY, dt.time(12)))
            assert f"waiting {wait_words(hours)}" in line


async def test_the_sync_palette_has_sync_now_and_the_lead_history_is_one_key_away(demo_pipe):
    from textual.widgets import OptionList

    from pipeline_tui.ui.screens.lead import LeadScreen
    from pipeline_tui.ui.screens.sync import SyncScreen
    from tests.ui.test_shared_screens import palette_titles

    app = make_app(demo_pipe, today=TODAY, watch=False)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("y")
        await loaded(pilot)
        assert isinstance(app.screen, SyncScreen)
        assert "Sync now" in await palette_titles(pilot)
        await pilot.press("escape", "enter")
        await loaded(pilot)
        assert isinstance(app.screen, LeadScreen)
        assert isinstance(app.focused, OptionList) and app.focused.id == "commits"
        assert "tab" in shown(app.screen.query_one("#lead-history .title"))
