"""The real TUI driven with Pilot on a real pipeline: what the screen shows and what lands in git."""

from __future__ import annotations

import pytest

from pipeline_tui.core.changes.leads import add_lead, set_fields
from pipeline_tui.ui.app import make_app
from pipeline_tui.ui.screens.lead import LeadScreen
from pipeline_tui.ui.widgets.lead_table import LeadTable
from tests.conftest import TODAY, commit_count, git


@pytest.fixture
def two_leads(pipe):
    a = add_lead(pipe, "Jane Doe", "referral", company="Acme", owner="alice", next_action="Call", due="2026-11-20",
                 today=TODAY).lead_id
    b = add_lead(pipe, "Bob Event", "event", company="Initech", owner="bob", today=TODAY).lead_id
    return pipe, a, b


def table_text(app) -> str:
    table = app.screen.query_one(LeadTable)
    return "\n".join(table.render_line(y).text for y in range(table.size.height))


def shown(widget) -> str:
    """The text a person sees in a Static (rich renderables rendered to plain text)."""
    from rich.console import Console

    content = widget.content
    if isinstance(content, str):
        return content
    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(content)
    return console.export_text()


async def loaded(pilot):
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_main_screen_lists_and_queries(two_leads):
    pipe, a, b = two_leads
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 30)) as pilot:
        await loaded(pilot)
        text = table_text(app)
        assert "Jane Doe" in text and "Bob Event" in text
        status = shown(app.screen.query_one("#status"))
        assert "2 of 2 leads" in status and "1 overdue" in status
        await pilot.press("slash", *"owner:bob")
        await pilot.pause()
        text = table_text(app)
        assert "Bob Event" in text and "Jane Doe" not in text
        await pilot.press("ctrl+a", "ctrl+k", *"stage:bogus")
        await pilot.pause()
        assert "unknown value 'bogus'" in shown(app.screen.query_one("#status"))


async def test_typing_on_and_back_in_the_query_bar(two_leads):
    """Each keystroke reuses the last one's filtering: growing, shrinking and editing words still show
    exactly the leads the words mean, and the status line counts them."""
    pipe, a, b = two_leads
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 30)) as pilot:
        await loaded(pilot)
        steps = [(list("ja"), ["Jane Doe"]), (["backspace", "backspace"], ["Jane Doe", "Bob Event"]),
                 (list("e"), ["Jane Doe", "Bob Event"]), (list("v"), ["Bob Event"]), (["backspace", "backspace"], None),
                 (list(" overdue"), ["Jane Doe"]), (["ctrl+a", "ctrl+k", *"owner:bo"], []), (list("b"), ["Bob Event"])]
        await pilot.press("slash")
        for keys, expected in steps:
            await pilot.press(*keys)
            await pilot.pause()
            if expected is None:
                continue
            text = table_text(app)
            assert [n for n in ("Jane Doe", "Bob Event") if n in text] == expected, keys
            assert f"{len(expected)} of 2 leads" in shown(app.screen.query_one("#status"))


async def test_a_reload_under_a_bad_query_keeps_the_error_and_then_the_new_leads(two_leads):
    """Leads read again while the query bar holds a bad word: the error stays on the status line, and
    fixing the word shows the leads as they are now."""
    pipe, a, b = two_leads
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"jane")
        await pilot.pause()
        app.screen.query_one("#query").value = "jane stage:bogus"  # pasted: the table keeps Jane
        await pilot.pause()
        assert "Jane Doe" in table_text(app)
        set_fields(pipe, a, ["owner=carol"], today=TODAY)
        await pilot.press("ctrl+r")
        await loaded(pilot)
        assert app.is_running
        assert "unknown value 'bogus'" in shown(app.screen.query_one("#status"))
        await pilot.press("ctrl+a", "ctrl+k", *"owner:carol")
        await pilot.pause()
        assert "Jane Doe" in table_text(app) and "Bob Event" not in table_text(app)
        assert "1 of 2 leads" in shown(app.screen.query_one("#status"))


async def test_open_lead_shows_fields_and_history(two_leads):
    pipe, a, _ = two_leads
    set_fields(pipe, a, ["stage=qualified"], today=TODAY)
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("enter")  # first row: the overdue Jane
        await loaded(pilot)
        assert isinstance(app.screen, LeadScreen) and app.screen.lead_id == a
        fields = shown(app.screen.query_one("#fields"))
        assert "Jane Doe" in fields
        assert len(app.screen.history) == 2
        await pilot.press("escape")
        assert not isinstance(app.screen, LeadScreen)


async def test_log_a_call_in_two_keystrokes_commits(two_leads):
    pipe, a, _ = two_leads
    before = commit_count(pipe.root)
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("l", "c")
        await loaded(pilot)
        messages = [n.message for n in app._notifications]
        assert any("logged call" in m for m in messages)
        assert not any("changed on disk" in m for m in messages)  # our own save is not news from outside
    assert commit_count(pipe.root) == before + 1
    assert git(pipe.root, "log", "-1", "--format=%s").strip() == f"{a}: logged call"
    assert pipe.read(a).data["log"][0]["kind"] == "call"


async def test_plan_next_action_through_the_form(two_leads):
    pipe, a, b = two_leads
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await loaded(pilot)
        app.screen.query_one(LeadTable).move_to(1)  # Bob, no next action
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Send pricing", "tab", *"+3d")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await loaded(pilot)
    nxt = pipe.read(b).data["next"]
    assert nxt["action"] == "Send pricing" and nxt["due"].isoformat() == "2026-11-26"
    assert "next.action (none) -> Send pricing" in git(pipe.root, "log", "-1", "--format=%s")


async def test_bad_date_in_form_writes_nothing(two_leads):
    pipe, a, b = two_leads
    before = commit_count(pipe.root)
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 50)) as pilot:
        await loaded(pilot)
        await pilot.press("n", *"x", "tab", *"someday")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await loaded(pilot)
        assert "bad date" in shown(app.screen.query_one("#err-f-next--due"))
    assert commit_count(pipe.root) == before


async def test_agenda_mix_problems_and_sync_screens(two_leads):
    pipe, a, b = two_leads
    (pipe.leads_dir / "broken.yaml").write_text("name: [oops\n")
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("a")
        await pilot.pause()
        text = table_text(app)
        assert "Uncontacted requests (1)" in text and "Jane Doe" in text and "No next action (1)" in text
        await pilot.press("escape", "m")
        await pilot.pause()
        assert "referrals" in shown(app.screen.query_one("#shares"))
        await pilot.press("escape", "p")
        await pilot.pause()
        from textual.widgets import DataTable

        table = app.screen.query_one(DataTable)
        assert any("leads/broken.yaml" in str(table.get_row_at(i)[0]) for i in range(table.row_count))
        await pilot.press("escape", "y")
        await loaded(pilot)
        assert "No remote" in shown(app.screen.query_one("#sync-status"))


async def test_file_changed_on_disk_shows_up_without_restart(two_leads):
    pipe, a, _ = two_leads
    app = make_app(pipe.root, today=TODAY, watch=True, watch_interval=0.1)
    async with app.run_test(size=(140, 30)) as pilot:
        await loaded(pilot)
        path = pipe.lead_path(a)
        path.write_text(path.read_text().replace("name: Jane Doe", "name: Janet Changed"))
        for _ in range(50):
            await pilot.pause(0.05)
            if "Janet Changed" in table_text(app):
                break
        assert "Janet Changed" in table_text(app)
        assert any("changed on disk" in n.message for n in app._notifications)


async def test_keys_typed_in_one_burst_after_slash_are_not_commands(two_leads):
    """A fast typist must not trigger `a`/`m` bindings while the query bar takes focus: the keys queued
    behind the `/` are typed into it."""
    from textual import events

    from pipeline_tui.ui.screens.main import MainScreen

    pipe, a, b = two_leads
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 30)) as pilot:
        await loaded(pilot)
        for ch in "/acme":
            key = "slash" if ch == "/" else ch
            app.post_message(events.Key(key, ch))
        await loaded(pilot)
        assert isinstance(app.screen, MainScreen) and len(app.screen_stack) == 2
        assert app.focused is app.screen.query_one("#query")
        assert app.screen.query_one("#query").value == "acme"
        assert "Jane Doe" in table_text(app) and "Bob Event" not in table_text(app)


async def test_sort_board_help_and_palette(two_leads):
    pipe, a, b = two_leads
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        table = app.screen.query_one(LeadTable)
        assert table.current.id == a  # by due: Jane (overdue) first, Bob (no next) last
        await pilot.press("s")  # sort by name
        await pilot.pause()
        assert table.sort_key == "name" and table.current.id == a
        await pilot.press("S")
        await pilot.pause()
        assert [r.id for r in table.rows] == [a, b] and table.sort_reverse  # "Jane" > "Bob" reversed
        await pilot.press("b")
        await pilot.pause()
        board = app.screen.query_one("#board")
        text = "\n".join(board.render_line(y).text for y in range(board.size.height))
        assert " new " in text and " 2 " in text and "Jane Doe" in text
        await pilot.press("b", "question_mark")
        await pilot.pause()
        from pipeline_tui.ui.dialogs.help import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "ctrl+p")
        await pilot.pause()
        await pilot.press(*"Agenda")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await loaded(pilot)
        from pipeline_tui.ui.screens.agenda import AgendaScreen

        assert isinstance(app.screen, AgendaScreen)


async def test_problems_e_opens_the_editor_at_the_line_then_reloads(two_leads, tmp_path, monkeypatch):
    pipe, a, _ = two_leads
    bad = pipe.leads_dir / "bad-stage.yaml"
    bad.write_text("name: Bad\nsource: referral\ncreated: 2026-11-01\nstage: maybe\n")
    editor = tmp_path / "fake-editor"
    # a stand-in for $EDITOR: records its arguments and fixes the file, as a person would
    editor.write_text('#!/bin/sh\necho "$@" > "$(dirname "$0")/args"\n'
                      'sed -i "s/stage: maybe/stage: new/" "$2"\n')
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("p")
        await pilot.pause()
        screen = app.screen
        assert [p.line for p in screen.problems if p.path == "leads/bad-stage.yaml" and p.severity == "error"] == [4]
        screen.query_one("DataTable").move_cursor(
            row=next(i for i, p in enumerate(screen.problems)
                     if p.path == "leads/bad-stage.yaml" and p.severity == "error"))
        await pilot.press("e")
        await loaded(pilot)
        if (tmp_path / "args").exists():  # a driver that can suspend ran the editor
            assert (tmp_path / "args").read_text().split() == ["+4", str(bad)]
            assert all(p.path != "leads/bad-stage.yaml" or p.severity == "warning" for p in app.screen.problems)
        else:  # the headless test driver cannot suspend: the app says what to do and keeps running
            messages = [n.message for n in app._notifications]
            assert any("edit leads/bad-stage.yaml at line 4" in m for m in messages)
            assert app.is_running and bad.read_text().endswith("stage: maybe\n")


async def test_sync_screen_shows_ahead_and_behind(two_leads, tmp_path):
    pipe, a, _ = two_leads
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(pipe.root, "remote", "add", "origin", str(remote))
    git(pipe.root, "push", "-q", "-u", "origin", "HEAD")
    set_fields(pipe, a, ["stage=qualified"], today=TODAY)
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("y")
        await loaded(pilot)
        text = shown(app.screen.query_one("#sync-status"))
        assert "1 commit(s) to send, 0 to receive" in text
        await pilot.press("s")
        await loaded(pilot)
        assert "sent 1 commit(s) to origin/main" in shown(app.screen.query_one("#sync-result"))
    assert git(pipe.root, "rev-parse", "HEAD") == git(remote, "rev-parse", "main")


async def test_sync_screen_shows_both_values_and_resolves(tmp_path):
    from pipeline_tui.core.sync.exchange import sync
    from tests.builders import make_team

    a, (b,), lead, _ = make_team(tmp_path)
    sync(b)
    set_fields(a, lead, ["stage=qualified", "owner=alice"], today=TODAY)
    set_fields(b, lead, ["stage=lost", "owner=bob"], today=TODAY)
    sync(a)
    app = make_app(b.root, today=TODAY, watch=False)
    async with app.run_test(size=(160, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("y")
        await loaded(pilot)
        await pilot.press("s")
        await loaded(pilot)
        assert "Stopped: 2 field(s)" in shown(app.screen.query_one("#sync-result"))
        from textual.widgets import OptionList

        options = app.screen.query_one(OptionList)
        lines = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any('stage: here "lost" · on origin "qualified"' in x for x in lines)
        assert b.read(lead).data["stage"] == "lost"  # nothing changed yet
        await pilot.press("t", "o", "s")  # stage: take theirs; owner: keep ours
        await loaded(pilot)
        assert "received" in shown(app.screen.query_one("#sync-result"))
    data = b.read(lead).data
    assert (data["stage"], data["owner"]) == ("qualified", "bob")


async def test_done_key_logs_it_and_plans_the_cadence_next(two_leads):
    pipe, a, _ = two_leads
    before = commit_count(pipe.root)
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        assert app.screen.query_one(LeadTable).current.id == a  # Jane: next action "Call"
        await pilot.press("d")
        await pilot.pause()
        assert app.screen.query_one("#done-next").value == "Follow up"  # the short-range cadence
        assert app.screen.query_one("#done-due").value == "2026-11-26"
        await pilot.press(*"Called her", "enter")
        await loaded(pilot)
    assert commit_count(pipe.root) == before + 1
    lead = pipe.read(a)
    assert lead.next_action == "Follow up" and lead.next_due.isoformat() == "2026-11-26"
    assert lead.data["log"][-1]["text"] == "Done: Call. Called her"


async def test_report_screen_and_rotting_in_the_status_line(tmp_path):
    import datetime as dt

    from tests.builders import Story, build

    def at(days_ago):
        return dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(10))

    nxt = {"action": "Call", "due": TODAY}
    pipe = build(tmp_path / "p", [
        Story("stuck", {"name": "Stuck Lead", "source": "referral", "created": at(30).date(), "next": nxt},
              [(at(30), "new"), (at(20), "contacted")]),
        Story("won-one", {"name": "Won Lead", "source": "referral", "created": at(40).date()},
              [(at(40), "new"), (at(10), "won")]),
    ])
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        assert "1 rotting" in shown(app.screen.query_one("#status"))
        await pilot.press("slash", *"rotting", "enter")
        await pilot.pause()
        assert "Stuck Lead" in table_text(app) and "Won Lead" not in table_text(app)
        await pilot.press("escape", "enter")
        await pilot.pause()
        assert "20 days in contacted (limit 7): rotting" in shown(app.screen.query_one("#fields"))
        await pilot.press("escape", "r")
        await loaded(pilot)
        text = shown(app.screen.query_one("#report-body"))
        assert "referral" in text and "playbook (1/10 closed)" in text
        assert "30d" in text  # cycle of the won lead: created 40 days ago, won 10 days ago
        assert "Funnel" in text


async def test_import_screen_previews_then_imports_in_one_commit(pipe):
    from pathlib import Path

    fixture = Path(__file__).parents[1] / "fixtures" / "import" / "bad_rows_utf16.txt"
    before = commit_count(pipe.root)
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await loaded(pilot)
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one("#import-path").value = str(fixture)
        await pilot.press("enter")
        await loaded(pilot)
        text = shown(app.screen.query_one("#import-body"))
        assert "Lead Source" in text and "inbound-web" in text and "Nothing written yet" in text
        assert "Created '2026-02-30'" in text and "4 new" in text
        assert commit_count(pipe.root) == before  # a preview writes nothing
        await pilot.press("i")
        await loaded(pilot)
        assert "Imported 4 new lead(s)" in shown(app.screen.query_one("#import-body"))
        await pilot.press("escape")
        await loaded(pilot)
        assert "Good Person" in table_text(app)
    assert commit_count(pipe.root) == before + 1


async def test_a_query_is_filtered_again_when_git_tells_how_long_leads_sat(tmp_path):
    """Time in stage arrives from git after the first screen, on the same lead objects: a `rotting`
    query typed before it shows what it keeps once it is there."""
    import datetime as dt

    from pipeline_tui.core.git.stage_history import attach
    from pipeline_tui.ui.app import LeadsLoaded
    from tests.builders import Story, build

    def at(days_ago):
        return dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(10))

    pipe = build(tmp_path / "p", [
        Story("stuck", {"name": "Stuck Lead", "source": "referral", "created": at(3).date()},
              [(at(20), "new"), (at(20), "contacted")]),
    ])
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        history = app.stage_hist
        for lead in app.leads:  # as on the first screen, before the stage history is read
            lead.stage_since = None
        app.screen.leads_changed(None)
        await pilot.press("slash", *"rotting")
        await pilot.pause()
        assert "Stuck Lead" not in table_text(app)  # 3 days since it was created: not yet rotting
        attach(app.leads, history)
        app.post_message(LeadsLoaded(app.leads, set(), app.health, app.problem_list))
        await pilot.pause()
        assert "Stuck Lead" in table_text(app)
        await pilot.press("space")  # the same words again keep what they show
        await pilot.pause()
        assert "Stuck Lead" in table_text(app)


async def test_the_status_line_warns_when_the_merge_driver_is_missing(two_leads):
    """KeyProblem 15 case 9: a clone where a plain git pull would merge lead files line by line says so."""
    pipe, _, _ = two_leads
    git(pipe.root, "config", "--unset", "merge.pipeline-lead.driver")
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(260, 30)) as pilot:
        await loaded(pilot)
        assert "merge driver missing: run pipeline sync" in shown(app.screen.query_one("#status"))
    from pipeline_tui.core.git.driver import configure_merge_driver
    from pipeline_tui.core.git.repo import GitRepo

    configure_merge_driver(GitRepo(pipe.root))
    app = make_app(pipe.root, today=TODAY, watch=False)
    async with app.run_test(size=(260, 30)) as pilot:
        await loaded(pilot)
        assert "merge driver" not in shown(app.screen.query_one("#status"))
