"""The base of the screens that act on one lead (Pipeline, Agenda, Lead): the lead keys (edit, plan the
next action, log, done) and their palette commands, and opening the lead a table or the board opens."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding

from pipeline_tui.core.model.lead import Lead
from pipeline_tui.ui.commands import Command, ScreenCommands
from pipeline_tui.ui.screens.leads_view import LeadsView

LEAD_BINDINGS = [
    Binding("e", "edit_lead", "Edit", id="lead.edit", tooltip="Classify and edit the lead"),
    Binding("n", "plan_next", "Next", id="lead.next", tooltip="Plan the next action"),
    Binding("l", "log_activity", "Log", id="lead.log", tooltip="Log a call (l c), email (l e), meeting (l m)"),
    Binding("d", "done_next", "Done", id="lead.done", tooltip="Mark the next action done; the cadence plans the next"),
]

LEAD_COMMANDS = [
    Command("Edit lead", "Classify: source, origin, horizon, qualification, stage", "edit_lead"),
    Command("Plan next action", "Set the next action and its date", "plan_next"),
    Command("Done", "Mark the next action done and plan the next one", "done_next"),
    Command("Log activity", "Log a call, email, meeting or note", "log_activity"),
]


class LeadCommands(ScreenCommands):
    def commands(self) -> list[Command]:
        return LEAD_COMMANDS


class LeadActionsScreen(LeadsView):
    """A screen whose `current_lead()` the lead keys act on. Each subclass inherits the keys, after its own
    (so the footer shows the screen's own keys first), and the commands (`LeadCommands`)."""

    COMMANDS = {LeadCommands}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        own = cls.__dict__.get("BINDINGS", [])
        cls.BINDINGS = [*own, *(b for b in LEAD_BINDINGS if b not in own)]  # before Textual merges them
        super().__init_subclass__(**kwargs)

    def current_lead(self) -> Lead | None:  # pragma: no cover - overridden
        return None

    def on_lead_table_opened(self, event) -> None:  # noqa: ANN001 - LeadTable.Opened, from the table or the board
        self.app.open_lead(event.lead.id)  # type: ignore[attr-defined]

    def _lead_or_warn(self) -> Lead | None:
        lead = self.current_lead()
        if lead is None:
            self.app.notify("No lead selected", severity="warning", timeout=2)
        return lead

    def action_edit_lead(self) -> None:
        self._open_form(focus=None)

    def action_plan_next(self) -> None:
        self._open_form(focus="next_action")

    def _open_form(self, focus: str | None) -> None:
        from pipeline_tui.ui.dialogs.edit import EditScreen

        lead = self._lead_or_warn()
        if lead is not None:  # on the file as the writes queued before this key leave it
            EditScreen.open(self.app, lead.id, focus=focus)

    def action_done_next(self) -> None:
        from pipeline_tui.ui.dialogs.done import DoneDialog

        lead = self._lead_or_warn()
        if lead is not None:
            self.app.after_writes(lambda: self.app.push_screen(DoneDialog(lead.id)))  # type: ignore[attr-defined]

    def action_log_activity(self) -> None:
        from pipeline_tui.ui.dialogs.log import LogDialog

        lead = self._lead_or_warn()
        if lead is not None:
            self.app.push_screen(LogDialog(lead.id))
