"""The lead table measured in terminal cells and repainted line by line: wide characters (CJK, emoji) keep
every column in place; a cursor move repaints the two lines it touches, not the table; and what the
partial repaints and the strip cache leave on screen is always what a full repaint from scratch shows
(after cursor moves, a lead saved, its time in stage read later, a new sort, notes, focus, a resize)."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import App
from textual.widgets import Input

from pipeline_tui.core.model.lead import Lead
from pipeline_tui.core.model.playbook import Playbook
from pipeline_tui.ui.widgets.lead_table import ROTTING, LeadTable
from tests.conftest import TODAY

PB = Playbook()
WIDE = "株式会社テスト 🚀"


def make_lead(i: int, name: str, company: str = "Acme", stage: str = "contacted", action: str = "Call",
              due: str | None = "2026-11-25", value: int = 1000) -> Lead:
    data = {"name": name, "company": company, "source": "referral", "stage": stage, "value": value,
            "created": "2026-11-20", "owner": "alice"}
    if due is not None:
        data["next"] = {"action": action, "due": due}
    return Lead(f"lead-{i:03d}", f"leads/lead-{i:03d}.yaml", data, PB)


def leads(n: int = 30) -> list[Lead]:
    names = ["Ann", WIDE, "❤️ heart", "株式会社テスト株式会社テスト株式会社", "école", "한국어 이름", "👨‍👩‍👧 family"]
    return [make_lead(i, names[i % len(names)] + ("" if i < len(names) else f" {i}"),
                      company="株式会社テスト" if i % 3 == 0 else "Acme", action="電話する 🚀" if i % 2 else "Call")
            for i in range(n)]


class TableApp(App):
    def compose(self):  # noqa: ANN202
        yield Input(id="other")
        yield LeadTable(TODAY, id="table")


def cell_x(text: str, sub: str, last: bool = False) -> int:
    """The terminal cell where `sub` starts in `text` (its last occurrence when `last`)."""
    return cell_len(text[: text.rindex(sub) if last else text.index(sub)])


def screen(app: App) -> list[list[tuple]]:
    """What the screen shows: per line, its (text, style) runs."""
    return [[(s.text, s.style) for s in strip.simplify()] for strip in app.screen._compositor.render_strips()]


class Painted:
    """The lines a widget's `render_line` is asked for (a spy)."""

    def __init__(self, widget) -> None:  # noqa: ANN001
        self.ys: list[int] = []
        render = widget.render_line
        widget.render_line = lambda y: (self.ys.append(y), render(y))[1]


async def fresh_repaint_matches(pilot, widget) -> None:  # noqa: ANN001
    """What is on screen after partial repaints equals a repaint from scratch (no cache, every line)."""
    await pilot.pause()
    shown = screen(pilot.app)
    widget._painter.clear()
    widget.refresh()
    await pilot.pause()
    assert screen(pilot.app) == shown


async def test_wide_characters_do_not_shift_the_later_columns():
    app = TableApp()
    async with app.run_test(size=(150, 20)) as pilot:
        table = app.query_one(LeadTable)
        table.focus()
        rows = leads(12)
        table.set_rows(rows)
        await pilot.pause()
        lines = [table.render_line(y).text for y in range(1 + len(rows))]
        # a name wider than its 20 cells is cut to 19 of them (a wide character does not fit in the last
        # one: a space) and …
        assert WIDE in "".join(lines) and "株式会社テスト株式 … " in "".join(lines)
        assert all(cell_len(line) == table.size.width for line in lines)
        header = lines[0]
        for title, value in (("Name", lambda x: x.name[:3]), ("Company", lambda x: x.company),
                             ("Source", lambda x: "referral"), ("Stage", lambda x: "contacted"),
                             ("Hz", lambda x: "short"), ("Next action", lambda x: x.next_action),
                             ("Due", lambda x: "2026-11-25"), ("Owner", lambda x: "alice")):
            x = cell_x(header, title)
            for lead, line in zip(rows, lines[1:], strict=True):
                assert cell_x(line, value(lead), last=title != "Name") == x, (title, line)
        value_end = cell_len(header.rstrip())  # the Value column is right-aligned to the same edge
        assert all(cell_len(line.rstrip()) == value_end for line in lines[1:])
        # and on the screen itself, as the compositor puts the table together
        top = app.query_one(LeadTable).region.y
        shown = ["".join(text for text, _ in line) for line in screen(app)][top:top + 1 + len(rows)]
        assert shown[1:] and all(cell_x(line, "referral") == cell_x(shown[0], "Source") for line in shown[1:])
        assert all(cell_x(line, "2026-11-25") == cell_x(shown[0], "Due") for line in shown[1:])


async def test_moving_the_cursor_repaints_only_the_two_lines_it_touches():
    app = TableApp()
    async with app.run_test(size=(150, 30)) as pilot:
        table = app.query_one(LeadTable)
        table.focus()
        table.set_rows(leads(60))
        await pilot.pause()
        painted = Painted(table)
        for key, lines in (("down", {1, 2}), ("down", {2, 3}), ("up", {2, 3}), ("j", {2, 3})):
            painted.ys.clear()
            await pilot.press(key)
            await pilot.pause()
            assert set(painted.ys) == lines, key  # the line the cursor left, the line it is on
        await fresh_repaint_matches(pilot, table)
        built = table._painter.built
        app.query_one("#other").focus()  # Textual repaints a widget that loses focus: from the cache, but
        await pilot.pause()  # for the cursor's line, which changes (to the blurred cursor)
        assert table._painter.built == built + 1
        await fresh_repaint_matches(pilot, table)
        table.focus()
        await pilot.pause()
        await fresh_repaint_matches(pilot, table)
        painted.ys.clear()
        await pilot.press("end")  # it scrolls: then every line moves, and is painted
        await pilot.pause()
        assert len(set(painted.ys)) > 20
        await fresh_repaint_matches(pilot, table)
        assert table.current.id == "lead-059"


async def test_a_lead_saved_repaints_its_line_and_stale_strips_are_never_shown():
    app = TableApp()
    async with app.run_test(size=(150, 30)) as pilot:
        table = app.query_one(LeadTable)
        table.focus()
        rows = leads(40)
        for _ in range(2):  # the first rows bring the scrollbar, which narrows the table: then the second
            table.set_rows(rows)
            await pilot.pause()
        painted = Painted(table)
        # one lead saved: a new Lead object in its place (the others are the same objects)
        rows = [*rows[:5], make_lead(5, "Renamed 株式会社", stage="proposal"), *rows[6:]]
        table.set_rows(rows)
        await pilot.pause()
        assert set(painted.ys) == {6}
        assert "Renamed 株式会社" in table.render_line(6).text
        await fresh_repaint_matches(pilot, table)
        # its time in stage read from git later (the same object): the stage turns rotting
        lead = rows[3]
        stage = table.render_line(4)
        assert not any(s.style and s.style.italic for s in stage if s.text.strip() == "contacted")
        lead.stage_since = TODAY.replace(year=2025)
        painted.ys.clear()
        table.set_rows(list(rows))
        await pilot.pause()
        assert set(painted.ys) == {4}
        styles = {s.text.strip(): s.style for s in table.render_line(4) if s.text.strip()}
        assert styles["contacted"].color == ROTTING.color and styles["contacted"].italic
        await fresh_repaint_matches(pilot, table)
        # a new sort: the header's mark moves (the screen sets sort_key, then the rows)
        table.sort_key, table.sort_reverse = "name", True
        table.set_rows(sorted(rows, key=lambda x: x.name, reverse=True))
        await pilot.pause()
        assert "Name▼" in table.render_line(0).text
        await fresh_repaint_matches(pilot, table)
        # the Agenda's notes and section headings
        table.set_rows(["Overdue", *rows[:10], "Later", *rows[10:]], notes={id(rows[2]): "waiting 6 days"})
        await pilot.pause()
        assert "waiting 6 days" in "".join(table.render_line(y).text for y in range(table.size.height))
        await fresh_repaint_matches(pilot, table)
        # a narrower terminal: other columns, other widths
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        header = table.render_line(0).text
        assert "Company" not in header and cell_len(header) == 80
        await fresh_repaint_matches(pilot, table)
        await pilot.press("pagedown", "down", "up")
        await fresh_repaint_matches(pilot, table)


async def test_a_repaint_of_the_whole_table_comes_from_the_strip_cache():
    app = TableApp()
    async with app.run_test(size=(150, 30)) as pilot:
        table = app.query_one(LeadTable)
        table.set_rows(leads(60))
        await pilot.pause()
        built = table._painter.built
        table.refresh()  # a screen on top went away, say: nothing changed
        await pilot.pause()
        assert table._painter.built == built
        await pilot.press("pagedown", "pageup")  # scrolled away and back: only the cursor's lines are new
        await pilot.pause()
        assert table._painter.built - built <= 4
