"""What the screens share (issue 18): the lead keys inherited from one base class, a palette of each
screen's own commands, news of changed leads acted on by the screen on view only (a hidden one redraws
when shown again), and no file or check work that holds the keys: the Edit form's file is read in a
worker, the Problems screen says it is checking and fills a long list in batches. The real app, with
notifications on."""

from __future__ import annotations

import ast
import threading
import time
from pathlib import Path

import pytest
import yaml
from textual.binding import Binding
from textual.widgets import DataTable, Footer

from pipeline_tui.core.changes.leads import add_lead
from pipeline_tui.ui.app import make_app
from pipeline_tui.ui.dialogs.edit import EditScreen, fid
from pipeline_tui.ui.dialogs.help import HelpScreen
from pipeline_tui.ui.messages import Health, LeadsLoaded
from pipeline_tui.ui.screens.actions import LeadActionsScreen
from pipeline_tui.ui.screens.agenda import AgendaScreen
from pipeline_tui.ui.screens.lead import LeadScreen
from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.screens.problems import CHECKING, ProblemsScreen
from pipeline_tui.ui.widgets.lead_table import LeadTable
from tests.conftest import TODAY
from tests.ui.test_app import loaded, table_text
from tests.ui.test_keyboard import CTRL_S, CTRL_U, TAB, burst, settle

LEAD_COMMANDS = {"Edit lead", "Plan next action", "Done", "Log activity"}
APP_COMMANDS = {"Agenda", "Mix", "Report", "Import leads", "Problems", "Sync", "Help", "Undo", "Redo", "Reload"}


@pytest.fixture
def carol(pipe):
    lead_id = add_lead(pipe, "Carol Lead", "referral", company="Acme", owner="carol", value="2400",
                       next_action="Send proposal", due="2026-11-25", today=TODAY).lead_id
    return pipe, lead_id


def owner_on_disk(pipe, lead_id) -> str:
    return yaml.safe_load(pipe.lead_path(lead_id).read_text())["owner"]


async def palette_titles(pilot) -> set[str]:
    """The commands the real palette lists when it opens over the screen on view (closed again after)."""
    return set(await palette_list(pilot))


async def palette_list(pilot) -> list[str]:
    """The commands the real palette lists, in the order it lists them."""
    from textual.command import CommandList

    app = pilot.app
    await pilot.press("ctrl+p")
    for _ in range(250):
        await pilot.pause(0.02)
        if app.screen.has_class("-ready"):  # every provider has answered
            break
    options = app.screen.query_one(CommandList)
    titles = [options.get_option_at_index(i).prompt.plain.split("\n")[0] for i in range(options.option_count)]
    await pilot.press("escape")
    await pilot.pause()
    return titles


async def test_the_palette_is_one_list_in_title_order_on_every_screen(carol):
    """The screen's commands and the app's come from providers that answer in any order: the palette still
    lists them as one list in title order, each once (it was two blocks, in an order that changed from one
    launch to the next)."""
    app = make_app(carol[0].root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await loaded(pilot)
        for key in ("", "a", "enter", "m", "y"):
            if key:
                await pilot.press(key)
                await loaded(pilot)
            titles = await palette_list(pilot)
            assert titles == sorted(titles) and len(titles) == len(set(titles)), (key, titles)
            assert "Agenda" in titles and "Quit" in titles


async def test_each_screen_offers_its_own_commands_in_the_palette(carol):
    app = make_app(carol[0].root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await loaded(pilot)
        main = await palette_titles(pilot)
        assert {*LEAD_COMMANDS, *APP_COMMANDS, "Focus query", "Board view", "Sort by name", "Sort by owner",
                "Move to next stage", "Move to previous stage"} <= main
        await pilot.press("a")
        await loaded(pilot)
        agenda = await palette_titles(pilot)
        assert {*LEAD_COMMANDS, *APP_COMMANDS} <= agenda and "Sort by name" not in agenda
        await pilot.press("enter")
        await loaded(pilot)
        assert isinstance(app.screen, LeadScreen)
        lead = await palette_titles(pilot)
        assert {*LEAD_COMMANDS, *APP_COMMANDS} <= lead and "Board view" not in lead
        await pilot.press("m")
        await loaded(pilot)
        mix = await palette_titles(pilot)
        assert mix >= APP_COMMANDS and not LEAD_COMMANDS & mix
        await pilot.press("y")
        await loaded(pilot)
        sync = await palette_titles(pilot)
        assert {"Sync now", "Commit edits and sync", *APP_COMMANDS} <= sync
        assert "Keep ours" not in sync and not LEAD_COMMANDS & sync  # no conflict to choose a side of
        await pilot.press("escape")
        await loaded(pilot)
        assert isinstance(app.screen, MainScreen)
        await pilot.press("ctrl+p")  # a command runs on the screen the palette opened over
        await pilot.pause()
        await pilot.press(*"Sort by owner")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await loaded(pilot)
        assert app.screen.query_one(LeadTable).sort_key == "owner"


async def test_a_screen_of_the_lead_base_class_inherits_the_lead_keys_after_its_own(carol):
    pipe, lead_id = carol

    class Probe(LeadActionsScreen):
        BINDINGS = [Binding("x", "app.pop_screen", "Leave", id="probe.leave")]

        def compose(self):
            yield Footer()

        def current_lead(self):
            return self.app.lead_by_id(lead_id)

    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await loaded(pilot)
        await app.push_screen(Probe())
        await pilot.pause()
        footer_keys = [key for key, active in app.screen.active_bindings.items() if active.binding.show]
        assert footer_keys[:5] == ["x", "e", "n", "l", "d"]  # the screen's own first, as the footer shows
        await pilot.press("e")
        await loaded(pilot)
        assert isinstance(app.screen, EditScreen) and app.screen.lead_id == lead_id
        await pilot.press("escape", "x")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    for screen in (MainScreen, AgendaScreen, LeadScreen):
        keys = list(screen._merged_bindings.key_to_bindings)
        assert keys[-4:] == ["e", "n", "l", "d"], screen


async def test_a_hidden_screen_redraws_once_when_it_is_shown_again_not_meanwhile(carol):
    pipe, lead_id = carol
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await loaded(pilot)
        main = app.screen
        calls: list[str] = []

        def counted(name):
            method = getattr(main, name)

            def count(*args):
                calls.append(name)
                return method(*args)
            return count

        for name in ("leads_changed", "leads_refigured"):
            setattr(main, name, counted(name))
        await pilot.press("a")
        await loaded(pilot)
        assert isinstance(app.screen, AgendaScreen)
        await pilot.press("e")
        await loaded(pilot)
        app.screen.query_one("#" + fid("owner")).value = "zed"
        await pilot.press("ctrl+s")
        await loaded(pilot)
        await loaded(pilot)
        assert owner_on_disk(pipe, lead_id) == "zed"
        assert isinstance(app.screen, AgendaScreen) and "zed" in table_text(app)  # on view: redrawn at once
        assert calls == []  # the leads and then their figures changed: the hidden Pipeline did nothing
        await pilot.press("escape")
        await loaded(pilot)
        assert app.screen is main and calls == ["leads_changed"]  # once, for all it missed
        assert "zed" in table_text(app)


async def test_figures_worked_out_for_leads_replaced_since_are_dropped(carol):
    app = make_app(carol[0].root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await loaded(pilot)
        leads, health = app.leads, app.health
        assert isinstance(health, Health) and health.rotting == 0
        app.post_message(LeadsLoaded(list(leads), set(), Health(7, 7, 7), problems=[]))  # a stale worker's
        await pilot.pause()
        assert app.leads is leads and app.health == health


async def test_the_problems_screen_says_checking_and_the_keys_work_while_the_check_runs(pipe):
    broken = pipe.leads_dir / "broken.yaml"
    broken.write_text("name: [oops\n")
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("p")
        await loaded(pilot)
        screen = app.screen
        assert isinstance(screen, ProblemsScreen) and screen.sub_title == "Problems"
        assert any(p.path == "leads/broken.yaml" and p.severity == "error" for p in screen.problems)
        gate = threading.Event()
        health = app._health

        def slow_health(leads):  # the check, held until the test has looked
            gate.wait(20)
            return health(leads)

        app._health = slow_health
        broken.write_text("name: Fixed\nsource: referral\ncreated: 2026-11-01\nstage: new\n")
        await pilot.press("ctrl+r")
        for _ in range(200):
            await pilot.pause(0.02)
            if screen.sub_title == CHECKING:
                break
        assert screen.sub_title == CHECKING
        await pilot.press("question_mark")  # the keys work while the check runs
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        gate.set()
        await loaded(pilot)
        assert app.screen is screen and screen.sub_title == "Problems"
        assert not any(p.path == "leads/broken.yaml" and p.severity == "error" for p in screen.problems)


async def test_a_long_problem_list_fills_the_table_a_batch_per_turn_of_the_ui_thread(pipe, monkeypatch):
    from pipeline_tui.ui.screens import problems as problems_screen

    monkeypatch.setattr(problems_screen, "BATCH", 4)
    monkeypatch.setattr(problems_screen, "ROWS_SHOWN", 10)
    for i in range(15):
        (pipe.leads_dir / f"broken-{i:02}.yaml").write_text("name: [oops\n")
    batches: list[tuple[bool, int]] = []
    add_rows = DataTable.add_rows

    def spy(self, rows):
        rows = list(rows)
        batches.append((threading.current_thread() is threading.main_thread(), len(rows)))
        return add_rows(self, rows)

    monkeypatch.setattr(DataTable, "add_rows", spy)
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await loaded(pilot)
        await pilot.press("p")
        await loaded(pilot)
        screen = app.screen
        table = screen.query_one(DataTable)
        assert screen.problems == app.problem_list[:10] and len(app.problem_list) >= 15
        assert [str(table.get_row_at(i)[0]) for i in range(10)] == [p.path for p in screen.problems]
        assert str(table.get_row_at(10)[3]) == f"… and {len(app.problem_list) - 10:,} more (pipeline check lists them all)"
        assert table.row_count == 11
        assert [n for _, n in batches] == [4, 4, 2] and all(on_ui_thread for on_ui_thread, _ in batches)
        assert screen.sub_title == "Problems"


async def test_the_edit_form_reads_its_file_off_the_ui_thread_and_takes_the_keys_typed_meanwhile(carol):
    pipe, lead_id = carol
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(120, 45), notifications=True) as pilot:
        await loaded(pilot)
        on_ui_thread: list[bool] = []
        read_raw = app.pipe.read_raw

        def slow_read(lead_id):
            on_ui_thread.append(threading.current_thread() is threading.main_thread())
            time.sleep(0.3)  # a slow disk: the keys below arrive before the form
            return read_raw(lead_id)

        app.pipe.read_raw = slow_read
        burst(app, "e" + TAB * 8 + CTRL_U + "bob" + CTRL_S)
        await settle(pilot)
    assert on_ui_thread and not any(on_ui_thread)
    assert owner_on_disk(pipe, lead_id) == "bob"


def test_the_ui_modules_import_one_another_without_a_circle():
    """Imports inside functions count too (import-linter sees them)."""
    ui = Path(__file__).resolve().parents[2] / "src" / "pipeline_tui" / "ui"
    names = {}
    for path in ui.rglob("*.py"):
        parts = path.relative_to(ui.parent.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {}
    for module, path in names.items():
        deps = graph.setdefault(module, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            deps.update(t for t in targets if t in names and t != module)

    def circle_from(module: str, path: list[str]) -> list[str] | None:
        for dep in sorted(graph[module]):
            if dep in path:
                return [*path[path.index(dep):], dep]
            found = circle_from(dep, [*path, dep])
            if found:
                return found
        return None

    for module in sorted(graph):
        circle = circle_from(module, [module])
        assert circle is None, " -> ".join(circle)
