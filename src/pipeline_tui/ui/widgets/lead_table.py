"""A virtual lead table on Textual's Line API: paints only the visible rows, so 50,000 leads are instant.

It owns the table's columns (which fit a width: `layout`), how a row paints (text measured and cut in
terminal cells, so a wide character such as 株 or 🚀 never shifts the columns after it), the cursor, and
which lines repaint: each line has a key of all it shows, strips are cached by key and a change refreshes
only the lines whose key changed (`widgets.lines`): a cursor move repaints two lines, not the table.

Rows are Leads, or strings that render as section headings (the Agenda uses them). The cursor skips
headings. Posts `LeadTable.Opened` on enter and `LeadTable.Highlighted` when the cursor moves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from pipeline_tui.cells import cut
from pipeline_tui.core.model.lead import Lead
from pipeline_tui.ui.widgets.lines import LinePainter

DUE_STYLES = {
    "overdue": Style(color="red", bold=True),
    "today": Style(color="green", bold=True),
    "later": Style(color="grey62"),
    "none": Style(color="gold1"),  # a 256-colour yellow: the theme draws ANSI yellow as orange (ROTTING's hue)
    "closed": Style(color="grey42"),
}
ROTTING = Style(color="dark_orange", bold=True, italic=True)  # idle in its stage past the playbook's limit
GRADE_STYLES = {"A": Style(color="green", bold=True), "B": Style(color="cyan"), "C": Style(color="gold1"),
                "D": Style(color="grey62")}


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int
    get: Callable[[Lead], str]
    align: str = "left"
    flex: bool = False


def _value(lead: Lead) -> str:
    if lead.value is None:
        return ""
    return f"{lead.value:,.0f}"


COLUMNS = [
    Column("grade", "Grade", 5, lambda x: x.qualification_label),
    Column("name", "Name", 20, lambda x: x.name),
    Column("company", "Company", 18, lambda x: x.company),
    Column("source", "Source", 11, lambda x: x.source),
    Column("stage", "Stage", 11, lambda x: x.stage),
    Column("horizon", "Hz", 5, lambda x: x.horizon),
    Column("next", "Next action", 18, lambda x: x.next_action, flex=True),
    Column("due", "Due", 10, lambda x: x.next_due.isoformat() if x.next_due else ("" if x.closed else "none")),
    Column("owner", "Owner", 8, lambda x: x.owner),
    Column("value", "Value", 8, _value, align="right"),
]


# How the table fits a narrow terminal, step by step until it fits: the least useful column goes first,
# then the two wide ones shrink, so Name, Stage, Next action, Due, Owner and Value stay on an 80-column one.
NARROWING = [("drop", "horizon"), ("drop", "source"), ("drop", "company"), ("shrink", "name", 16),
             ("shrink", "next", 14), ("drop", "grade"), ("drop", "owner"), ("drop", "value"), ("drop", "stage")]


def layout(width: int) -> list[tuple[Column, int]]:
    """The columns shown at `width` cells and their widths (the flexible one takes what is left, up to 40)."""
    cols = {c.key: c.width for c in COLUMNS}

    def total() -> int:
        return sum(cols.values()) + len(cols) + 1

    for step in NARROWING:
        if total() <= width:
            break
        if step[0] == "drop":
            cols.pop(step[1], None)
        else:
            cols[step[1]] = step[2]
    spare = width - total()
    flex = next(c.key for c in COLUMNS if c.flex)
    if spare > 0 and flex in cols:
        cols[flex] += min(spare, 40)
    return [(c, cols[c.key]) for c in COLUMNS if c.key in cols]


def _fit(text: str, width: int, align: str = "left") -> str:
    """A cell: the text cut to `width` terminal cells (`pipeline_tui.cells.cut`), padded to them on `align`'s side (a Segment
    goes to the terminal as it is, so controls are made visible there)."""
    text = cut(text, width)
    pad = " " * max(0, width - cell_len(text))
    return pad + text if align == "right" else text + pad


class LeadTable(ScrollView, can_focus=True):
    """The lead table."""

    DEFAULT_CSS = """
    LeadTable { height: 1fr; background: $surface; }
    LeadTable > .lead-table--header { text-style: bold; color: $text; background: $panel; }
    LeadTable > .lead-table--cursor { background: $accent 40%; }
    LeadTable > .lead-table--cursor-blur { background: $accent 15%; }
    LeadTable > .lead-table--section { text-style: bold; color: $warning; }
    """
    COMPONENT_CLASSES = {"lead-table--header", "lead-table--cursor", "lead-table--cursor-blur", "lead-table--section"}
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "edge(0)", "First", show=False),
        Binding("end,G", "edge(1)", "Last", show=False),
        Binding("enter", "open", "Open", id="table.open", tooltip="Open the lead under the cursor"),
    ]

    class Opened(Message):
        def __init__(self, lead: Lead) -> None:
            self.lead = lead
            super().__init__()

    class Highlighted(Message):
        def __init__(self, lead: Lead | None) -> None:
            self.lead = lead
            super().__init__()

    def __init__(self, today: dt.date, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.today = today
        self.rows: list[Lead | str] = []
        self.notes: dict[int, str] = {}
        self.cursor = 0
        self.sort_key = "due"
        self.sort_reverse = False
        self._painter = LinePainter()
        self._columns_for: int | None = None
        self._columns_cache: list[tuple[Column, int]] = []
        self._layout_key: tuple = ()

    # --- data ---
    def set_rows(self, rows: list[Lead | str], keep_id: str | None = None, notes: dict[int, str] | None = None) -> None:
        """`notes`: id(lead) -> words shown in the Next action column instead (the Agenda's "waiting 6 days")."""
        current = keep_id or (self.current.id if self.current else None)
        self.rows = rows
        self.notes = notes or {}
        self.cursor = 0
        if current:
            for i, row in enumerate(rows):
                if isinstance(row, Lead) and row.id == current:
                    self.cursor = i
                    break
        self.cursor = self._next_selectable(self.cursor, 1)
        self.virtual_size = Size(self._total_width(), len(rows) + 1)
        self._scroll_cursor_visible()
        self._refresh_changed()  # typing on in the query bar: most lines; one lead saved: its line
        self.post_message(self.Highlighted(self.current))

    @property
    def current(self) -> Lead | None:
        if 0 <= self.cursor < len(self.rows) and isinstance(self.rows[self.cursor], Lead):
            return self.rows[self.cursor]  # type: ignore[return-value]
        return None

    @property
    def lead_count(self) -> int:
        return sum(1 for r in self.rows if isinstance(r, Lead))

    def _total_width(self) -> int:
        return sum(w for _, w in self._columns()) + len(self._columns()) + 1

    def _columns(self) -> list[tuple[Column, int]]:
        width = self.scrollable_content_region.width
        if self._columns_for != width:
            self._columns_for, self._columns_cache = width, layout(width)
            self._layout_key = tuple((c.key, w) for c, w in self._columns_cache)
        return self._columns_cache

    # --- painting: a line's key is all it shows (widgets.lines); a change repaints the lines whose key changed ---
    def _line_key(self, y: int, base: Style) -> Hashable:
        """What line `y` shows now (a key of the strip cache; the strip is the full width, before scrolling)."""
        columns, layout_key = self._columns(), self._layout_key
        width = max(self.size.width, sum(w for _, w in columns) + len(columns) + 1)
        if y == 0:
            return ("header", width, layout_key, self.sort_key, self.sort_reverse,
                    self.get_component_rich_style("lead-table--header"))
        index = self.scroll_offset.y + y - 1
        if index >= len(self.rows):
            return ("blank", width, base)
        row = self.rows[index]
        if isinstance(row, str):
            return ("section", width, row, self.get_component_rich_style("lead-table--section"))
        cursor = None
        if index == self.cursor:
            cursor = self.get_component_rich_style("lead-table--cursor" if self.has_focus else "lead-table--cursor-blur")
        # the lead itself (read-only, by identity), and what it shows that may change on the same object:
        # its time in stage (`stage_since`, read from git later) decides the rotting style
        return ("lead", width, layout_key, row, base, cursor, self.notes.get(id(row)),
                row.rotting(self.today) is not None, self.today)

    def render_line(self, y: int) -> Strip:
        key = self._line_key(y, self.rich_style)
        scroll_x = self.scroll_offset.x
        return self._painter.paint(y, key, lambda: self._build(key)).crop(scroll_x, scroll_x + self.size.width)

    def _refresh_changed(self) -> list[int]:
        """Refresh only the lines on screen that would show something else now (see `widgets.lines`)."""
        base = self.rich_style
        width = max(self.virtual_size.width, self.size.width)
        return self._painter.refresh_changed(self, ((y, self._line_key(y, base)) for y in range(self.size.height)),
                                             width)

    def _build(self, key: tuple) -> Strip:
        kind, width, columns = key[0], key[1], self._columns()
        if kind == "header":
            sort_key, mark = key[3], "▼" if key[4] else "▲"
            text = " " + " ".join(_fit(c.title + (mark if c.key == sort_key else ""), w, c.align) for c, w in columns)
            return Strip([Segment(_fit(text, width), key[5])], width)
        if kind == "blank":
            return Strip.blank(width, key[2])
        if kind == "section":
            return Strip([Segment(" " + _fit(key[2], width - 1), key[3])], width)
        _, _, _, row, base, cursor, note, rotting, today = key
        if cursor is not None:
            base = base + cursor
        segments = [Segment(" ", base)]
        state = row.due_state(today)
        for c, w in columns:
            text = _fit(note if note is not None and c.key == "next" else c.get(row), w, c.align)
            style = base
            if note is not None and c.key == "next":
                style = base + DUE_STYLES["overdue"]
            elif c.key == "due" or (c.key == "next" and state in ("overdue", "none")):
                style = base + DUE_STYLES.get(state, Style())
            elif c.key == "grade":
                style = base + GRADE_STYLES.get(row.grade, Style())
            elif c.key == "stage" and rotting:
                style = base + ROTTING
            segments.append(Segment(text, style))
            segments.append(Segment(" ", base))
        used = sum(w for _, w in columns) + len(columns) + 1
        if used < width:
            segments.append(Segment(" " * (width - used), base))
        return Strip(segments, width)

    # --- cursor ---
    def _next_selectable(self, index: int, step: int) -> int:
        n = len(self.rows)
        if n == 0:
            return 0
        index = max(0, min(n - 1, index))
        i = index
        while 0 <= i < n and isinstance(self.rows[i], str):
            i += step
        if not 0 <= i < n:
            i = index
            while 0 <= i < n and isinstance(self.rows[i], str):
                i -= step
        return max(0, min(n - 1, i))

    def _scroll_cursor_visible(self) -> None:
        visible = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False)

    def move_to(self, index: int, step: int = 1) -> None:
        old = self.cursor
        self.cursor = self._next_selectable(index, step)
        self._scroll_cursor_visible()
        if old != self.cursor:
            self._refresh_changed()  # the line it left and the line it is on (all of them when it scrolled)
            self.post_message(self.Highlighted(self.current))

    def action_cursor(self, step: int) -> None:
        self.move_to(self.cursor + step, 1 if step > 0 else -1)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor + direction * max(1, self.size.height - 2), direction)

    def action_edge(self, end: int) -> None:
        self.move_to(len(self.rows) - 1 if end else 0, -1 if end else 1)

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(self.Opened(self.current))

    def on_click(self, event) -> None:  # noqa: ANN001
        y = event.y
        if y == 0:
            return
        index = int(self.scroll_y) + y - 1
        if 0 <= index < len(self.rows):
            if index == self.cursor and event.chain >= 2:
                self.action_open()
            self.move_to(index)

    def on_focus(self) -> None:
        self._refresh_changed()  # the cursor's line

    def on_blur(self) -> None:
        self._refresh_changed()

    def on_resize(self) -> None:
        self.virtual_size = Size(self._total_width(), len(self.rows) + 1)
        self.refresh()
