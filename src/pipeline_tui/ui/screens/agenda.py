"""The Agenda screen: the day's work in the order of `pipeline agenda`."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header

from pipeline_tui.core.agenda import age_days, build_agenda
from pipeline_tui.core.lead import Lead
from pipeline_tui.ui.screens.actions import LeadActions
from pipeline_tui.ui.widgets.lead_table import LeadTable


class AgendaScreen(LeadActions, Screen):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="agenda.back"), *LeadActions.LEAD_BINDINGS]

    def compose(self) -> ComposeResult:
        yield Header()
        yield LeadTable(self.app.today, id="agenda")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Agenda"
        self.leads_changed(None)
        self.query_one(LeadTable).focus()

    def current_lead(self) -> Lead | None:
        return self.query_one(LeadTable).current

    def leads_changed(self, changed: set[str] | None) -> None:
        today = self.app.today
        rows: list = []
        notes: dict[int, str] = {}
        for section in build_agenda(self.app.leads, self.app.pipe.playbook, today):
            heading = f"{section.name} ({len(section.leads)})"
            if section.name == "Uncontacted requests" and section.leads:
                heading += " — answer first, the longest waiting at the top"
                for lead in section.leads:  # each one's wait, as `pipeline agenda` prints it
                    days = age_days(lead, today) or 0
                    notes[id(lead)] = f"waiting {days} day{'' if days == 1 else 's'}"
            rows.append(heading)
            rows.extend(section.leads)
        self.query_one(LeadTable).set_rows(rows, notes=notes)
