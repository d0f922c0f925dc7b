"""Log an activity in two keystrokes: `l` then `c` (call), `e` (email), `m` (meeting) or `n` (note)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from pipeline_tui.ui.text import plain

KINDS = {"c": "call", "e": "email", "m": "meeting", "n": "note"}


class LogDialog(ModalScreen[None]):
    AUTO_FOCUS = None  # the kind keys must work at once; tab moves into the text field
    BINDINGS = [
        Binding("c", "log('call')", "Call"), Binding("e", "log('email')", "Email"),
        Binding("m", "log('meeting')", "Meeting"), Binding("n", "log('note')", "Note"),
        Binding("escape", "dismiss", "Cancel"), Binding("tab", "focus_text", "Add text", show=False),
    ]

    def __init__(self, lead_id: str) -> None:
        super().__init__()
        self.lead_id = lead_id

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(plain(f"Log on {self.lead_id}"), classes="title")
            yield Label("[b]c[/] call   [b]e[/] email   [b]m[/] meeting   [b]n[/] note   ·   tab: add text first")
            text = Input(placeholder="what happened (optional; enter logs a call)", id="log-text")
            text.can_focus = False  # until tab: the kind keys must log at once
            yield text

    def on_mount(self) -> None:
        self.set_focus(None)

    def action_focus_text(self) -> None:
        text = self.query_one(Input)
        text.can_focus = True
        text.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_log("call")

    def action_log(self, kind: str) -> None:
        from pipeline_tui.core.ops import log_activity

        text = self.query_one(Input).value
        app = self.app
        pipe, today = app.pipe, app.today
        app.run_change(lambda: log_activity(pipe, self.lead_id, kind, text, today=today))
        self.dismiss()
