"""A board of the leads by stage on Textual's Line API: one widget paints every column, and only the lines
on screen, so 10,000 leads cost what fits in the window (no widget per card or column; nothing is mounted
or removed when the leads change: `set_leads` only regroups them). It owns the grouping, the columns'
widths, how a line paints (measured and cut in terminal cells: a wide name such as 株式会社 keeps the
column edges in place), the cursor, and which lines repaint: a line's key is all it shows, strips are
cached by key and a change refreshes only the lines whose key changed (`widgets.lines`).

Each column is a stage of the playbook (and an "other" column for leads whose stage the playbook does not
know, when there are any): its name and count, its summed value, then two lines per card. A cursor sits
on one card; a column scrolls with it on its own. Posts `LeadTable.Opened` on enter (so the screens' lead
actions open it) and `Board.MoveRequested` on `<` / `>`; the screen does the write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from pipeline_tui.cells import cut
from pipeline_tui.core.model.lead import Lead
from pipeline_tui.ui.widgets.lead_table import DUE_STYLES, GRADE_STYLES, ROTTING, LeadTable
from pipeline_tui.ui.widgets.lines import LinePainter

HEADER_LINES = 3  # stage and count, summed value, a rule (with how many cards are above and below)
CARD_LINES = 2  # grade and name; due date (or "no next action") and the rotting marker
MIN_WIDTH = 10  # a column narrower than this: fewer columns are shown, and they scroll sideways
OTHER = "(other)"  # the title of the column of stages the playbook does not know


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_len(text))


def money(value: float, width: int) -> str:
    """A summed value in `width` cells: 1,234,567 when it fits, else 1.2M / 35k."""
    full = f"{value:,.0f}"
    if cell_len(full) <= width:
        return full
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            short = f"{value / limit:.1f}{suffix}"
            return cut(short if cell_len(short) <= width else f"{value / limit:.0f}{suffix}", width)
    return cut(full, width)


def due_text(lead: Lead, today: dt.date, width: int) -> str:
    if lead.next_due is not None:
        if width >= 10:
            return lead.next_due.isoformat()
        return lead.next_due.strftime("%m-%d" if lead.next_due.year == today.year else "%y-%m-%d")
    if lead.is_open:
        return "no next action" if width >= 14 else "none"
    return ""


class Board(Widget, can_focus=True):
    """The leads by stage, with a cursor on one card."""

    DEFAULT_CSS = """
    Board { height: 1fr; background: $surface; }
    Board > .board--header { text-style: bold; color: $text; background: $panel; }
    Board > .board--header-cursor { text-style: bold; color: $text; background: $accent 40%; }
    Board > .board--value { color: $text-muted; background: $panel; }
    Board > .board--rule { color: $text-muted; }
    Board > .board--separator { color: $panel; }
    Board > .board--cursor { background: $accent 40%; }
    Board > .board--cursor-blur { background: $accent 15%; }
    """
    COMPONENT_CLASSES = {"board--header", "board--header-cursor", "board--value", "board--rule", "board--separator",
                         "board--cursor", "board--cursor-blur"}
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("left", "column(-1)", "Left", show=False),
        Binding("right", "column(1)", "Right", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "edge(0)", "First", show=False),
        Binding("end,G", "edge(1)", "Last", show=False),
        Binding("enter", "open", "Open", id="board.open", tooltip="Open the lead under the cursor"),
        Binding("less_than_sign", "move(-1)", "Stage back", key_display="<", id="board.stage_back",
                tooltip="Move the card to the previous stage", group=Binding.Group("Move stage")),
        Binding("greater_than_sign", "move(1)", "Stage on", key_display=">", id="board.stage_on",
                tooltip="Move the card to the next stage", group=Binding.Group("Move stage")),
    ]

    class MoveRequested(Message):
        """`<` / `>` on a card: the screen moves `lead` one stage back (-1) or on (+1)."""

        def __init__(self, lead: Lead, step: int) -> None:
            self.lead = lead
            self.step = step
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.today = dt.date.today()
        self.stages: list[str | None] = []  # a column's stage; None: the "other" column
        self.columns: list[list[Lead]] = []
        self.values: list[float] = []
        self.tops: list[int] = []  # per column: the first card shown
        self.col = 0
        self.row = 0
        self.left = 0  # the first column shown (when they do not all fit)
        self.pending_moves: set[str] = set()  # lead ids whose stage move is being saved
        self._painter = LinePainter()

    # --- data ---
    def set_leads(self, leads: list[Lead], stages: list[str], today: dt.date, keep_id: str | None = None) -> None:
        """Show `leads` (in their order) in a column per stage; the cursor stays on the card of `keep_id`
        (default: the card under it now), wherever that lead is now, else at the same place."""
        current = self.current
        keep = keep_id or (current.id if current else None)
        old_stage = self.stages[self.col] if self.stages else None
        old_tops = dict(zip(self.stages, self.tops, strict=True))
        self.today = today
        by_stage: dict[str, list[Lead]] = {s: [] for s in stages}
        other: list[Lead] = []
        for lead in leads:
            column = by_stage.get(lead.stage)
            (other if column is None else column).append(lead)
        self.stages = [*stages, None] if other else list(stages)
        self.columns = [*by_stage.values(), other] if other else list(by_stage.values())
        self.values = [sum(x.value or 0 for x in column) for column in self.columns]
        self.tops = [old_tops.get(s, 0) for s in self.stages]
        found = None
        if keep is not None:
            found = next(((c, r) for c, column in enumerate(self.columns) for r, lead in enumerate(column)
                          if lead.id == keep), None)
        if found is not None:
            self.col, self.row = found
        else:
            self.col = self.stages.index(old_stage) if old_stage in self.stages else min(self.col, len(self.columns) - 1)
            self.col = max(0, self.col)
            if self.columns and not self.columns[self.col]:  # its cards went: to the nearest column with some
                near = self._nonempty(self.col, 1)
                near = near if near is not None else self._nonempty(self.col, -1)
                self.col = near if near is not None else self.col
        self._clamp()
        self._scroll_visible()
        self._refresh_changed()  # typing on in the query bar: the lines that changed (most); a lead saved: its card

    @property
    def current(self) -> Lead | None:
        if 0 <= self.col < len(self.columns) and 0 <= self.row < len(self.columns[self.col]):
            return self.columns[self.col][self.row]
        return None

    def column_of(self, lead_id: str) -> str | None:
        """The stage of the column a lead shows in (None: not shown, or in the "other" column)."""
        for stage, column in zip(self.stages, self.columns, strict=True):
            if any(x.id == lead_id for x in column):
                return stage
        return None

    # --- geometry ---
    @property
    def per_page(self) -> int:
        """Cards a column shows at once."""
        return max(1, (self.size.height - HEADER_LINES) // CARD_LINES)

    def _layout(self) -> tuple[int, list[int]]:
        """(first column shown, the widths of the columns shown); a one-cell separator between them."""
        n = len(self.columns)
        if n == 0:
            return 0, []
        width = max(1, self.size.width)
        k = max(1, min(n, (width + 1) // (MIN_WIDTH + 1)))
        left = max(0, min(self.left, n - k))
        space = width - (k - 1)
        widths = [space // k + (1 if i < space % k else 0) for i in range(k)]
        return left, widths

    def _clamp(self) -> None:
        if not self.columns:
            self.col = self.row = 0
            return
        self.col = max(0, min(self.col, len(self.columns) - 1))
        self.row = max(0, min(self.row, len(self.columns[self.col]) - 1))

    def _scroll_visible(self) -> None:
        """The cursor's card on screen: its column scrolled to it, and its column among those shown."""
        if not self.columns:
            return
        per = self.per_page
        top = self.tops[self.col]
        if self.row < top:
            top = self.row
        elif self.row >= top + per:
            top = self.row - per + 1
        self.tops[self.col] = max(0, min(top, max(0, len(self.columns[self.col]) - per)))
        for i, column in enumerate(self.columns):  # a column that shrank shows its last page, not empty space
            self.tops[i] = max(0, min(self.tops[i], max(0, len(column) - per)))
        k = len(self._layout()[1])
        if self.col < self.left:
            self.left = self.col
        elif self.col >= self.left + k:
            self.left = self.col - k + 1
        self.left = max(0, min(self.left, len(self.columns) - k))

    def _nonempty(self, start: int, step: int) -> int | None:
        i = start
        while 0 <= i < len(self.columns):
            if self.columns[i]:
                return i
            i += step
        return None

    # --- painting: a line's key is all it shows (widgets.lines); a change repaints the lines whose key changed ---
    def _line_key(self, y: int, base: Style, left: int, widths: list[int]) -> Hashable:
        """What line `y` shows now: per column shown, the few things its part of the line is painted from."""
        if not widths:
            return "blank", self.size.width, base
        styles = tuple(map(self.get_component_rich_style, ("board--header", "board--header-cursor", "board--value",
                                                           "board--rule", "board--separator")))
        cursor = self.get_component_rich_style("board--cursor" if self.has_focus else "board--cursor-blur")
        last = left + len(widths) - 1
        pieces = []
        for c in range(left, last + 1):
            column, top = self.columns[c], self.tops[c]
            if y == 0:
                pieces.append((self.stages[c], len(column), c == self.col, c == left and left > 0,
                               c == last and last < len(self.columns) - 1))
            elif y == 1:
                pieces.append(self.values[c])
            elif y == 2:
                pieces.append((top, len(column), self.per_page))
            else:
                index = top + (y - HEADER_LINES) // CARD_LINES
                if index >= len(column):
                    pieces.append(None)
                    continue
                lead, part = column[index], (y - HEADER_LINES) % CARD_LINES
                # the lead (read-only, by identity); its time in stage may be read from git later
                pieces.append((lead, part, cursor if c == self.col and index == self.row else None,
                               lead.rotting(self.today) if part else None))
        return min(y, HEADER_LINES), tuple(widths), base, styles, self.today, tuple(pieces)

    def _refresh_changed(self) -> list[int]:
        """Refresh only the lines on screen that would show something else now (see `widgets.lines`)."""
        (left, widths), base = self._layout(), self.rich_style
        keys = ((y, self._line_key(y, base, left, widths)) for y in range(self.size.height))
        return self._painter.refresh_changed(self, keys, self.size.width)

    def render_line(self, y: int) -> Strip:
        (left, widths), base = self._layout(), self.rich_style
        return self._painter.paint(y, self._line_key(y, base, left, widths), lambda: self._build(y, left, widths, base))

    def _build(self, y: int, left: int, widths: list[int], base: Style) -> Strip:
        if not widths:
            return Strip.blank(self.size.width, base)
        segments: list[Segment] = []
        separator = self.get_component_rich_style("board--separator")
        last = left + len(widths) - 1
        for i, w in enumerate(widths):
            c = left + i
            if i:
                segments.append(Segment("│", base + separator))
            segments.extend(self._column_line(c, y, w, more_left=c == left and left > 0,
                                              more_right=c == last and last < len(self.columns) - 1))
        return Strip(segments, self.size.width)

    def _column_line(self, c: int, y: int, w: int, more_left: bool, more_right: bool) -> list[Segment]:
        """Line `y` of column `c`, `w` cells wide: a pad cell either side of `w - 2` cells of text."""
        tw = max(0, w - 2)
        base = self.rich_style
        column = self.columns[c]
        if y == 0:
            style = base + self.get_component_rich_style("board--header-cursor" if c == self.col else "board--header")
            stage = self.stages[c]
            count = f"{len(column):,}"
            room = tw - cell_len(count) - 1
            text = pad(cut(stage if stage is not None else OTHER, room), room) + " " + count if room > 0 \
                else cut(count, tw)
            return [Segment(("‹" if more_left else " ") + pad(text, tw) + ("›" if more_right else " "), style)]
        if y == 1:
            style = base + self.get_component_rich_style("board--value")
            return [Segment(" " + pad(money(self.values[c], tw), tw) + " ", style)]
        top = self.tops[c]
        if y == 2:
            style = base + self.get_component_rich_style("board--rule")
            above = f"↑{top}" if top else ""
            below_n = len(column) - top - self.per_page
            below = f"↓{below_n}" if below_n > 0 else ""
            fill = tw - cell_len(above) - cell_len(below)
            text = above + "─" * fill + below if fill >= 0 else cut(above + below, tw)
            return [Segment(" " + pad(text, tw) + " ", style)]
        index = top + (y - HEADER_LINES) // CARD_LINES
        if index >= len(column):
            return [Segment(" " * w, base)]
        lead = column[index]
        if c == self.col and index == self.row:
            base = base + self.get_component_rich_style("board--cursor" if self.has_focus else "board--cursor-blur")
        if (y - HEADER_LINES) % CARD_LINES == 0:
            grade = cut(lead.grade, 1) or "·"
            return [Segment(" ", base), Segment(grade, base + GRADE_STYLES.get(lead.grade, Style())),
                    Segment(" " + pad(cut(lead.name, tw - 2), tw - 2) + " " if tw >= 2 else " " * max(0, w - 2), base)]
        rot = lead.rotting(self.today)
        mark = f" ⚑{rot[0]}d" if rot is not None else ""
        if cell_len(mark) > tw:
            mark = cut(mark.strip(), tw)
        room = tw - cell_len(mark)
        due = cut(due_text(lead, self.today, room), room)
        out = [Segment(" ", base), Segment(due, base + DUE_STYLES.get(lead.due_state(self.today), Style()))]
        gap = room - cell_len(due)
        out.append(Segment(" " * gap, base))
        if mark:
            out.append(Segment(mark, base + ROTTING))
        out.append(Segment(" ", base))
        return out

    # --- cursor ---
    def move_to(self, col: int, row: int) -> None:
        self.col, self.row = col, row
        self._clamp()
        self._scroll_visible()
        self._refresh_changed()  # the card it left and the card it is on (a column that scrolled: its lines)

    def action_cursor(self, step: int) -> None:
        self.move_to(self.col, self.row + step)

    def action_page(self, direction: int) -> None:
        self.move_to(self.col, self.row + direction * self.per_page)

    def action_edge(self, end: int) -> None:
        self.move_to(self.col, len(self.columns[self.col]) - 1 if end and self.columns else 0)

    def action_column(self, step: int) -> None:
        """To the next column with cards that way, at the same height on screen (or its last card)."""
        target = self._nonempty(self.col + step, step)
        if target is None:
            return
        on_screen = self.row - (self.tops[self.col] if self.tops else 0)
        self.move_to(target, self.tops[target] + max(0, on_screen))

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(LeadTable.Opened(self.current))

    def action_move(self, step: int) -> None:
        lead = self.current
        if lead is None:
            self.app.notify("No lead selected", severity="warning", timeout=2)
            return
        self.post_message(self.MoveRequested(lead, step))

    # --- mouse ---
    def _column_at(self, x: int) -> int | None:
        left, widths = self._layout()
        edge = 0
        for i, w in enumerate(widths):
            if edge <= x < edge + w:
                return left + i
            edge += w + 1
        return None

    def on_click(self, event) -> None:  # noqa: ANN001
        c = self._column_at(event.x)
        if c is None or event.y < HEADER_LINES:
            return
        index = self.tops[c] + (event.y - HEADER_LINES) // CARD_LINES
        if index >= len(self.columns[c]):
            return
        if (c, index) == (self.col, self.row) and event.chain >= 2:
            self.action_open()
        self.move_to(c, index)

    def _scroll_column(self, event, step: int) -> None:  # noqa: ANN001
        c = self._column_at(event.x)
        if c is None:
            return
        event.stop()
        self.tops[c] = max(0, min(self.tops[c] + step, max(0, len(self.columns[c]) - self.per_page)))
        if c == self.col and not self.tops[c] <= self.row < self.tops[c] + self.per_page:  # the cursor stays on screen
            self.row = max(self.tops[c], min(self.row, self.tops[c] + self.per_page - 1))
            self._clamp()
        self._refresh_changed()

    def on_mouse_scroll_down(self, event) -> None:  # noqa: ANN001
        self._scroll_column(event, 1)

    def on_mouse_scroll_up(self, event) -> None:  # noqa: ANN001
        self._scroll_column(event, -1)

    def on_focus(self) -> None:
        self._refresh_changed()  # the cursor's card

    on_blur = on_focus

    def on_resize(self) -> None:
        self._scroll_visible()
        self.refresh()
