"""The Agenda screen: the day's work in the order of `pipeline agenda`."""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header

from pipeline_tui.core.model.lead import Lead
from pipeline_tui.core.views.agenda import build_agenda, wait_words, waiting_hours
from pipeline_tui.ui.screens.actions import LeadActionsScreen
from pipeline_tui.ui.widgets.lead_table import LeadTable


class AgendaScreen(LeadActionsScreen):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="agenda.back")]  # and the lead keys

    def compose(self) -> ComposeResult:
        yield Header()
        yield LeadTable(self.app.today, id="agenda")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Agenda"
        self.leads_changed(None)
        self.query_one(LeadTable).focus()

    def leads_refigured(self) -> None:
        self.leads_changed(None)  # the stage history arrived: the waits are measured from it

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
                # each one's wait, as `pipeline agenda` prints it (a fixed today: noon, so it reads the same)
                clock = dt.time(12) if self.app.fixed_today else dt.datetime.now().time()
                now = dt.datetime.combine(today, clock)
                for lead in section.leads:
                    notes[id(lead)] = f"waiting {wait_words(waiting_hours(lead, self.app.stage_hist, now))}"
            rows.append(heading)
            rows.extend(section.leads)
        self.query_one(LeadTable).set_rows(rows, notes=notes)
