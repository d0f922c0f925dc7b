"""Mark the next action done (`d`): log it, and plan the next one, prefilled by the playbook's cadence."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from pipeline_tui.core.dates import DATE_HELP
from pipeline_tui.core.safetext import show
from pipeline_tui.ui.text import plain


class DoneDialog(ModalScreen[None]):
    BINDINGS = [Binding("escape", "dismiss", "Cancel")]

    def __init__(self, lead_id: str) -> None:
        super().__init__()
        self.lead_id = lead_id

    def compose(self) -> ComposeResult:
        from pipeline_tui.core.changes.activities import propose_next

        app = self.app
        lead = app.lead_by_id(self.lead_id)
        data = lead.data if lead is not None else {}
        done = lead.next_action if lead is not None and lead.next_action else "(no next action planned)"
        proposal = propose_next(app.pipe, data, app.today)
        horizon = lead.horizon if lead is not None else "short"
        with Vertical(id="dialog"):
            yield Label(Text.assemble(plain(f"Done on {self.lead_id}: "), plain(done, style="bold")), classes="title")
            with Horizontal(classes="field"):
                yield Label("what", classes="field-label")
                yield Input(placeholder="what happened (optional)", id="done-text")
            with Horizontal(classes="field"):
                yield Label("kind", classes="field-label")
                yield Input("note", placeholder="call, email, meeting, note", id="done-kind")
            if proposal is None:
                yield Label("The lead is closed: its next action is cleared.", classes="field-error")
            else:
                action, due = proposal
                yield Label(plain(f"Next, as the {horizon}-range cadence proposes (edit to change):"),
                            classes="field-error")
                with Horizontal(classes="field"):
                    yield Label("next", classes="field-label")
                    yield Input(show(action), id="done-next")
                with Horizontal(classes="field"):
                    yield Label("due", classes="field-label")
                    yield Input(due.isoformat(), placeholder=DATE_HELP, id="done-due")
            yield Label("enter saves and commits · tab moves · escape cancels", classes="field-error")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#done-text", Input))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        from pipeline_tui.core.changes.activities import complete_next

        text = self.query_one("#done-text", Input).value
        kind = self.query_one("#done-kind", Input).value.strip() or "note"
        nxt = self.query("#done-next")
        action = nxt.first(Input).value if nxt else None
        due = self.query_one("#done-due", Input).value if nxt else None
        app = self.app
        pipe, today, lead_id = app.pipe, app.today, self.lead_id
        app.run_change(lambda: complete_next(pipe, lead_id, text, kind, action, due, today=today))
        self.dismiss()

