"""The Pipeline screen: live query bar, the lead table (or a board by stage), and a status line."""

from __future__ import annotations

from collections import Counter

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.lead import Lead
from pipeline_tui.core.query import SORT_KEYS, Narrowing, compile_predicates, sort_leads, split_words
from pipeline_tui.core.safetext import visible
from pipeline_tui.ui.screens.actions import LeadActions
from pipeline_tui.ui.text import plain
from pipeline_tui.ui.widgets.lead_table import DUE_STYLES, ROTTING, LeadTable

SORT_CYCLE = ["due", "name", "company", "stage", "grade", "value", "created", "source", "owner"]


class MainScreen(LeadActions, Screen):
    """Pipeline: every lead, filtered by the query bar."""

    BINDINGS = [
        Binding("slash", "focus_query", "Query", id="main.query", tooltip="Type query words: stage:new owner:alice overdue"),
        Binding("escape", "leave_query", "Table", show=False, id="main.table"),
        Binding("s", "cycle_sort", "Sort", id="main.sort", tooltip="Sort by the next column"),
        Binding("S", "reverse_sort", "Reverse", show=False, id="main.reverse", tooltip="Reverse the sort"),
        Binding("b", "toggle_board", "Board", id="main.board", tooltip="Table or board grouped by stage"),
        Binding("q", "app.quit", "Quit", id="main.quit", tooltip="Quit"),
        *LeadActions.LEAD_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sorted: list[Lead] = []
        self.narrowing = Narrowing()  # typing on narrows the last result, not all the leads again
        self.due_of: dict[int, str] = {}  # id(lead) -> its due state, worked out once per list
        self.shown: list[Lead] = []
        self.query_error: str | None = None
        self.board = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="/ query: stage:qualified source:referral owner:alice overdue due:<7d tag:q4 acme",
                    id="query")
        yield LeadTable(self.app.today, id="leads")
        with Horizontal(id="board"):
            pass
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#board").display = False
        self.query_one(LeadTable).focus()
        self.update_status()
        if self.app.loaded:
            self.leads_changed(None)

    # --- data ---
    def leads_changed(self, changed: set[str] | None) -> None:
        table = self.query_one(LeadTable)
        pb = self.app.pipe.playbook
        self.sorted = sort_leads([x for x in self.app.leads if not x.broken], table.sort_key, pb, table.sort_reverse)
        today = self.app.today
        self.due_of = {id(x): x.due_state(today) for x in self.sorted}  # the status line counts these per key
        self.apply_query()

    def leads_refigured(self) -> None:
        """The same leads, with their time in stage now read from git: filter them again from scratch
        (`rotting` may keep others), as the typing shortcut only holds while the leads stay the same."""
        self.narrowing = Narrowing()
        self.apply_query()

    def apply_query(self) -> None:
        words = [w for w in split_words(self.query_one("#query", Input).value) if w]
        try:
            preds = compile_predicates(words, self.app.pipe.playbook, self.app.today)
            self.query_error = None
        except BadInput as exc:
            self.query_error = exc.message
            self.update_status()
            return
        self.shown = self.narrowing(self.sorted, words, preds)
        self.query_one(LeadTable).set_rows(self.shown)
        if self.board:
            self.render_board()
        self.update_status()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "query":
            self.apply_query()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "query":
            self.query_one(LeadTable).focus()

    def update_status(self) -> None:
        status = self.query_one("#status", Static)
        if not self.app.loaded:
            status.update("Loading leads…")
            return
        if self.query_error:  # the table keeps the last good words' leads, which a reload may have replaced
            status.update(plain(" " + self.query_error, style="bold red"))
            return
        total = len(self.sorted)  # every lead that reads (the broken ones are on the problems screen)
        due = Counter(map(self.due_of.get, map(id, self.shown)))  # every keystroke redraws this
        overdue, due_today, no_next = due["overdue"], due["today"], due["none"]
        table = self.query_one(LeadTable)
        text = Text()
        text.append(f" {len(self.shown):,} of {total:,} leads", style="bold")
        text.append(f" · sorted by {table.sort_key}{' ▼' if table.sort_reverse else ''}")
        text.append(" · ")
        text.append(f"{overdue} overdue", style=DUE_STYLES["overdue"] if overdue else "")
        text.append(" · ")
        text.append(f"{due_today} due today", style=DUE_STYLES["today"] if due_today else "")
        text.append(" · ")
        text.append(f"{no_next} without next action", style=DUE_STYLES["none"] if no_next else "")
        text.append(" · ")
        warnings, problems, rotting = self.app.health
        text.append(f"{rotting} rotting", style=ROTTING if rotting else "")
        text.append(" · ")
        text.append(f"{warnings} mix warning{'s' if warnings != 1 else ''} (m)", style="yellow" if warnings else "")
        text.append(" · ")
        text.append(f"{problems} problem{'s' if problems != 1 else ''} (p)", style="red" if problems else "")
        if getattr(self.app, "driver_warning", None):
            text.append(" · ")
            text.append("merge driver missing: run pipeline sync (or press y)", style="bold yellow")
        status.update(text)

    # --- actions ---
    def current_lead(self) -> Lead | None:
        return self.query_one(LeadTable).current

    def action_focus_query(self) -> None:
        # Screen.set_focus moves focus now (Widget.focus() defers it), so keys queued behind the `/`
        # by a fast typist are never taken as commands (`a` would open the Agenda).
        self.set_focus(self.query_one("#query", Input))


    def action_leave_query(self) -> None:
        self.query_one(LeadTable).focus()

    def _resort(self) -> None:
        table = self.query_one(LeadTable)
        self.sorted = sort_leads(self.sorted, table.sort_key, self.app.pipe.playbook, table.sort_reverse)
        self.apply_query()

    def action_cycle_sort(self) -> None:
        table = self.query_one(LeadTable)
        i = SORT_CYCLE.index(table.sort_key) if table.sort_key in SORT_CYCLE else -1
        table.sort_key = SORT_CYCLE[(i + 1) % len(SORT_CYCLE)]
        table.sort_reverse = False
        self._resort()

    def sort_by(self, key: str) -> None:
        assert key in SORT_KEYS
        table = self.query_one(LeadTable)
        table.sort_reverse = (not table.sort_reverse) if table.sort_key == key else False
        table.sort_key = key
        self._resort()

    def action_reverse_sort(self) -> None:
        table = self.query_one(LeadTable)
        table.sort_reverse = not table.sort_reverse
        self._resort()

    def action_toggle_board(self) -> None:
        self.board = not self.board
        self.query_one(LeadTable).display = not self.board
        self.query_one("#board").display = self.board
        if self.board:
            self.render_board()
            columns = self.query(".board-column")
            if columns:  # keep focus out of the query bar, so keys stay commands
                self.set_focus(columns.first())
        else:
            self.set_focus(self.query_one(LeadTable))

    def render_board(self) -> None:
        board = self.query_one("#board", Horizontal)
        board.remove_children()
        pb = self.app.pipe.playbook
        today = self.app.today
        columns = []
        for stage in pb.stage_names:
            leads = [x for x in self.shown if x.stage == stage]
            text = Text()
            value = sum(x.value or 0 for x in leads)
            text.append(visible(f"{stage}  {len(leads)}") + "\n", style="bold")
            text.append(f"{value:,.0f}\n\n", style="grey62")
            for lead in leads[:150]:
                state = lead.due_state(today)
                text.append(f"{lead.grade} ", style="bold")
                text.append(visible(lead.name)[:22] + "\n")
                if lead.next_due or lead.is_open:
                    due = lead.next_due.isoformat() if lead.next_due else "no next action"
                    text.append(f"  {due}\n", style=DUE_STYLES.get(state, ""))
            if len(leads) > 150:
                text.append(f"\n+{len(leads) - 150} more", style="italic")
            columns.append(VerticalScroll(Static(text), classes="board-column"))
        board.mount(*columns)

    def palette_commands(self):  # noqa: ANN201
        yield SystemCommand("Focus query", "Type query words", self.action_focus_query)
        yield SystemCommand("Board view", "Toggle the board grouped by stage", self.action_toggle_board)
        for key in SORT_CYCLE:
            yield SystemCommand(f"Sort by {key}", f"Sort the table by {key} (again: reverse)",
                                lambda k=key: self.sort_by(k))
        yield from self.lead_palette_commands()
