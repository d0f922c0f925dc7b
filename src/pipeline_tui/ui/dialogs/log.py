"""Log an activity in two keystrokes: `l` then `c` (call), `e` (email), `m` (meeting) or `n` (note).

With words: Tab (a call) or the capital letter (C, E, M, N) moves into the text field, where the letters
are text; up and down change the kind shown beside it, and Enter logs that kind with the text.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from pipeline_tui.ui.text import plain

KINDS = {"c": "call", "e": "email", "m": "meeting", "n": "note"}
ORDER = list(KINDS.values())


class LogDialog(ModalScreen[None]):
    AUTO_FOCUS = None  # the kind keys must work at once; tab moves into the text field
    BINDINGS = [
        Binding("c", "log('call')", "Call"), Binding("e", "log('email')", "Email"),
        Binding("m", "log('meeting')", "Meeting"), Binding("n", "log('note')", "Note"),
        Binding("C", "with_text('call')", "Call with text", show=False),
        Binding("E", "with_text('email')", "Email with text", show=False),
        Binding("M", "with_text('meeting')", "Meeting with text", show=False),
        Binding("N", "with_text('note')", "Note with text", show=False),
        Binding("up", "turn_kind(-1)", "Kind", show=False), Binding("down", "turn_kind(1)", "Kind", show=False),
        Binding("escape", "dismiss", "Cancel"), Binding("tab", "with_text('call')", "Add text", show=False),
    ]

    def __init__(self, lead_id: str) -> None:
        super().__init__()
        self.lead_id = lead_id
        self.kind = "call"

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(plain(f"Log on {self.lead_id}"), classes="title")
            yield Label("[b]c[/] call   [b]e[/] email   [b]m[/] meeting   [b]n[/] note   ·   "
                        "[b]tab[/] or [b]C E M N[/]: with text")
            with Horizontal(id="log-row"):
                yield Label("", id="log-kind")
                text = Input(placeholder="what happened (enter logs it)", id="log-text")
                text.can_focus = False  # until tab: the kind keys must log at once
                yield text

    def on_mount(self) -> None:
        self.set_focus(None)
        self._show_kind()

    def _show_kind(self) -> None:
        writing = self.query_one(Input).can_focus
        self.query_one("#log-kind", Label).update(f"{self.kind} ↑↓" if writing else "")

    def action_with_text(self, kind: str) -> None:
        text = self.query_one(Input)
        if text.has_focus:  # Tab or a capital inside the field: the field's own keys (Tab does nothing)
            return
        self.kind = kind
        text.can_focus = True
        self.set_focus(text)  # at once: the next key typed is text
        self._show_kind()

    def action_turn_kind(self, step: int) -> None:
        if self.query_one(Input).can_focus:
            self.kind = ORDER[(ORDER.index(self.kind) + step) % len(ORDER)]
            self._show_kind()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_log(self.kind)

    def action_log(self, kind: str) -> None:
        from pipeline_tui.core.changes.activities import log_activity

        text = self.query_one(Input).value
        if kind == "note" and not text.strip():  # a note is its words: write them first
            self.action_with_text("note")
            return
        app = self.app
        pipe, today = app.pipe, app.today
        app.run_change(lambda: log_activity(pipe, self.lead_id, kind, text, today=today))
        self.dismiss()
