"""Lead actions shared by the Pipeline, Agenda and Lead screens: open, edit, plan next action, done, log."""

from __future__ import annotations

from textual.app import SystemCommand
from textual.binding import Binding

from pipeline_tui.core.model.lead import Lead


class LeadActions:
    """Mixin: a screen with a `current_lead()` gets the lead keys."""

    LEAD_BINDINGS = [
        Binding("e", "edit_lead", "Edit", id="lead.edit", tooltip="Classify and edit the lead"),
        Binding("n", "plan_next", "Next", id="lead.next", tooltip="Plan the next action"),
        Binding("l", "log_activity", "Log", id="lead.log", tooltip="Log a call (l c), email (l e), meeting (l m)"),
        Binding("d", "done_next", "Done", id="lead.done", tooltip="Mark the next action done; the cadence plans the next"),
    ]

    def current_lead(self) -> Lead | None:  # pragma: no cover - overridden
        return None

    def on_lead_table_opened(self, event) -> None:  # noqa: ANN001
        from pipeline_tui.ui.screens.lead import LeadScreen

        self.app.push_screen(LeadScreen(event.lead.id))

    def _lead_or_warn(self) -> Lead | None:
        lead = self.current_lead()
        if lead is None:
            self.app.notify("No lead selected", severity="warning", timeout=2)
        return lead

    def action_edit_lead(self) -> None:
        from pipeline_tui.ui.dialogs.edit import EditScreen

        lead = self._lead_or_warn()
        if lead is not None:  # on the file as the writes queued before this key leave it
            self.app.after_writes(lambda: self.app.push_screen(EditScreen(lead.id)))

    def action_plan_next(self) -> None:
        from pipeline_tui.ui.dialogs.edit import EditScreen

        lead = self._lead_or_warn()
        if lead is not None:
            self.app.after_writes(lambda: self.app.push_screen(EditScreen(lead.id, focus="next_action")))

    def action_done_next(self) -> None:
        from pipeline_tui.ui.dialogs.done import DoneDialog

        lead = self._lead_or_warn()
        if lead is not None:
            self.app.after_writes(lambda: self.app.push_screen(DoneDialog(lead.id)))

    def action_log_activity(self) -> None:
        from pipeline_tui.ui.dialogs.log import LogDialog

        lead = self._lead_or_warn()
        if lead is not None:
            self.app.push_screen(LogDialog(lead.id))

    def lead_palette_commands(self):  # noqa: ANN201
        yield SystemCommand("Edit lead", "Classify: source, origin, horizon, qualification, stage", self.action_edit_lead)
        yield SystemCommand("Plan next action", "Set the next action and its date", self.action_plan_next)
        yield SystemCommand("Done", "Mark the next action done and plan the next one", self.action_done_next)
        yield SystemCommand("Log activity", "Log a call, email, meeting or note", self.action_log_activity)
