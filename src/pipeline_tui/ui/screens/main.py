"""The Pipeline screen: live query bar, the lead table (or a board by stage), and a status line."""

from __future__ import annotations

from collections import Counter

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Input, Static

from pipeline_tui.core.errors import BadInput
from pipeline_tui.core.model.lead import Lead
from pipeline_tui.core.views.query import SORT_KEYS, Narrowing, compile_predicates, sort_leads, split_words
from pipeline_tui.ui.commands import Command
from pipeline_tui.ui.screens.actions import LeadActionsScreen, LeadCommands
from pipeline_tui.ui.text import plain
from pipeline_tui.ui.widgets.board import Board
from pipeline_tui.ui.widgets.lead_table import DUE_STYLES, ROTTING, LeadTable

SORT_CYCLE = ["due", "name", "company", "stage", "grade", "value", "created", "source", "owner"]

MAIN_COMMANDS = [
    Command("Focus query", "Type query words", "focus_query"),
    Command("Board view", "Toggle the board grouped by stage", "toggle_board"),
    *(Command(f"Sort by {key}", f"Sort the table by {key} (again: reverse)", f"sort_by({key!r})") for key in SORT_CYCLE),
    Command("Move to next stage", "Move the lead (the board's card, or the table's row) one stage on (>)",
            "move_stage(1)"),
    Command("Move to previous stage", "Move the lead one stage back (<)", "move_stage(-1)"),
]


class MainCommands(LeadCommands):
    def commands(self) -> list[Command]:
        return [*super().commands(), *MAIN_COMMANDS]


class MainScreen(LeadActionsScreen):
    """Pipeline: every lead, filtered by the query bar."""

    COMMANDS = {MainCommands}

    BINDINGS = [
        Binding("slash", "focus_query", "Query", id="main.query", tooltip="Type query words: stage:new owner:alice overdue"),
        Binding("escape", "leave_query", "Table", show=False, id="main.table"),
        Binding("s", "cycle_sort", "Sort", id="main.sort", tooltip="Sort by the next column"),
        Binding("S", "reverse_sort", "Reverse", show=False, id="main.reverse", tooltip="Reverse the sort"),
        Binding("b", "toggle_board", "Board", id="main.board", tooltip="Table or board grouped by stage"),
        Binding("q", "app.quit", "Quit", id="main.quit", tooltip="Quit"),
    ]  # and the lead keys (LeadActionsScreen)

    def __init__(self) -> None:
        super().__init__()
        self.sorted: list[Lead] = []
        self.narrowing = Narrowing()  # typing on narrows the last result, not all the leads again
        self.due_of: dict[int, str] = {}  # id(lead) -> its due state, worked out once per list
        self.rotting_ids: set[int] = set()  # id(lead) of the rotting ones, worked out once per list
        self.shown: list[Lead] = []
        self.query_error: str | None = None
        self.board = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="/ query: stage:qualified source:referral owner:alice overdue due:<7d tag:q4 acme",
                    id="query")
        yield LeadTable(self.app.today, id="leads")
        yield Board(id="board")
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
        self.rotting_ids = self._rotting()
        self.apply_query()

    def _rotting(self) -> set[int]:
        today = self.app.today
        return {id(x) for x in self.sorted if x.rotting(today) is not None}

    def leads_refigured(self) -> None:
        """The same leads, with their time in stage now read from git: filter them again from scratch
        (`rotting` may keep others), as the typing shortcut only holds while the leads stay the same."""
        self.narrowing = Narrowing()
        self.rotting_ids = self._rotting()
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

    def on_resize(self) -> None:
        self.update_status()  # long or short words, as the width allows

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
        warnings, problems, _ = self.app.health
        rotting = sum(1 for x in self.shown if id(x) in self.rotting_ids)  # of the leads shown, like the others
        errors = sum(1 for p in self.app.problem_list or () if p.severity == "error")
        arrow = " ▼" if table.sort_reverse else ""
        n, prob = len(self.shown), problems
        parts = [  # (words, short words, fewest words or None to leave out, style): the longest that fit
            (f"{n:,} of {total:,} leads", f"{n:,}/{total:,}", f"{n}/{total}", "bold"),
            (f"sorted by {table.sort_key}{arrow}", f"by {table.sort_key}{arrow}", None, ""),
            (f"{overdue} overdue", f"{overdue} overdue", f"{overdue} overdue", DUE_STYLES["overdue"] if overdue else ""),
            (f"{due_today} due today", f"{due_today} today", f"{due_today} today",
             DUE_STYLES["today"] if due_today else ""),
            (f"{no_next} without next action", f"{no_next} no next", f"{no_next} no next",
             DUE_STYLES["none"] if no_next else ""),
            (f"{rotting} rotting", f"{rotting} rotting", f"{rotting} rot", ROTTING if rotting else ""),
            (f"{warnings} mix warning{'s' if warnings != 1 else ''} (m)", f"{warnings} mix (m)", f"{warnings} mix(m)",
             "yellow" if warnings else ""),
            (f"{prob} problem{'s' if prob != 1 else ''} (p)", f"{prob} problems (p)", f"{prob} prob(p)",  # as p lists
             "red" if errors else "yellow" if prob else ""),
        ]
        if self.app.driver_warning:
            parts.append(("merge driver missing: run pipeline sync (or press y)", "no merge driver (y)",
                          "no driver(y)", "bold yellow"))
        width = (status.size.width or self.app.size.width) - 1
        for tier, sep in ((0, " · "), (1, "·"), (2, "·")):
            words = [(p[tier], p[3]) for p in parts if p[tier] is not None]
            if tier == 2 or sum(len(w) for w, _ in words) + len(sep) * (len(words) - 1) <= width:
                break
        text = Text(" ")
        for i, (word, style) in enumerate(words):
            if i:
                text.append(sep)
            text.append(word, style=style)
        status.update(text)

    # --- actions ---
    def current_lead(self) -> Lead | None:
        """The card under the board's cursor when the board is shown, else the table's row."""
        if self.board:
            return self.query_one(Board).current
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

    def action_sort_by(self, key: str) -> None:
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
        table, board = self.query_one(LeadTable), self.query_one(Board)
        table.display = not self.board
        board.display = self.board
        if self.board:  # the board opens on the lead the table was on, and takes the keys
            self.render_board(keep_id=table.current.id if table.current else None)
            self.set_focus(board)
        else:  # and back: the table on the card the board was on
            lead = board.current
            if lead is not None:
                index = next((i for i, row in enumerate(table.rows) if row is lead), None)
                if index is not None:
                    table.move_to(index)
            self.set_focus(table)

    def render_board(self, keep_id: str | None = None) -> None:
        """The board shows the leads the query bar keeps (`shown`), in the table's order."""
        self.query_one(Board).set_leads(self.shown, self.app.pipe.playbook.stage_names, self.app.today,
                                        keep_id=keep_id)

    # --- the board ---
    def on_descendant_focus(self, event) -> None:  # noqa: ANN001
        """With the board shown, focus meant for the hidden table (enter or escape in the query bar) goes to
        the board, so the arrows move the cursor that the lead keys act on."""
        if self.board and isinstance(event.widget, LeadTable):
            self.set_focus(self.query_one(Board))

    def on_board_move_requested(self, message: Board.MoveRequested) -> None:
        self.move_stage(message.step, message.lead)

    def action_move_stage(self, step: int) -> None:
        self.move_stage(step)

    def move_stage(self, step: int, lead: Lead | None = None) -> None:
        """The lead one stage back (-1) or on (+1), saved and committed like the Edit form's stage, once
        the writes queued before (an earlier `>`) have landed: from the stage they left, checked against
        the file as read then, so a file changed meanwhile is never overwritten."""
        lead = lead or self._lead_or_warn()
        if lead is not None:
            lead_id = lead.id
            self.app.after_writes(lambda: self._move_now(step, self.app.lead_by_id(lead_id) or lead))

    def _move_now(self, step: int, lead: Lead) -> None:
        from pipeline_tui.core.changes.leads import set_fields
        from pipeline_tui.core.errors import PipelineError

        app = self.app
        stages = app.pipe.playbook.stage_names
        if lead.stage not in stages:
            app.notify(f"{lead.name}: its stage {lead.stage!r} is not in the playbook; press e to choose one",
                       severity="warning", timeout=4)
            return
        i = stages.index(lead.stage) + step
        if not 0 <= i < len(stages):
            app.notify(f"Not moved: {lead.name} is in the {'first' if step < 0 else 'last'} stage ({lead.stage})",
                       severity="warning", timeout=3)
            return
        pending = self.query_one(Board).pending_moves
        try:
            fresh, raw = app.pipe.read_raw(lead.id)
        except PipelineError as exc:
            app.notify(exc.one_line(), title="Not moved", severity="error", timeout=8)
            return
        if fresh.stage != lead.stage:  # changed behind the board's back: the reload shows it, then move
            app.notify(f"Not moved: {lead.name} is in {fresh.stage} on disk now; reloading", severity="warning",
                       timeout=4)
            app.check_disk()
            return
        target, lead_id, today = stages[i], lead.id, app.today
        pending.add(lead_id)

        def change():  # noqa: ANN202 - in the write worker
            try:
                return set_fields(app.pipe, lead_id, [f"stage={target}"], today=today, expect_bytes=raw)
            except BaseException:
                pending.discard(lead_id)
                raise

        # done runs once the save's LeadsLoaded is queued: the pending mark goes after the board shows it
        app.run_change(change, done=lambda _change: app.call_later(lambda: pending.discard(lead_id)))
