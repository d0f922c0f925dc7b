"""The Lead screen: every field, qualification and grade, next action, activity log, and the git
history of the file with the diff of the selected commit (history is read in a worker)."""

from __future__ import annotations

import json

from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from pipeline_tui.core.model.lead import Lead
from pipeline_tui.core.model.rules import KNOWN_KEYS
from pipeline_tui.core.safetext import visible
from pipeline_tui.core.yaml.reader import plain_data
from pipeline_tui.ui.screens.actions import LeadActionsScreen
from pipeline_tui.ui.text import plain
from pipeline_tui.ui.widgets.lead_table import DUE_STYLES, ROTTING
from pipeline_tui.ui.workers import WorkerErrors, io_work


class LeadScreen(WorkerErrors, LeadActionsScreen):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="lead.back")]  # and the lead keys

    def __init__(self, lead_id: str) -> None:
        super().__init__()
        self.lead_id = lead_id
        self.history = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with VerticalScroll(id="lead-fields"):
                yield Static(id="fields")
            with VerticalScroll(id="lead-history"):
                yield Static("History (git) · ↑↓ a commit and its diff · tab: the fields", classes="title")
                yield OptionList(id="commits")
                yield Static(id="diff")
        yield Footer()

    def on_mount(self) -> None:
        self.render_lead()
        self.load_history()
        self.set_focus(self.query_one("#commits"))  # ↑↓ walk the history at once; tab reaches the fields

    def current_lead(self) -> Lead | None:
        return self.app.lead_by_id(self.lead_id)

    def leads_changed(self, changed: set[str] | None) -> None:
        if changed is None or self.lead_id in changed:
            self.render_lead()
            self.load_history()

    def leads_refigured(self) -> None:
        """The time in stage read again from git (after a save here, a stage change): said at once."""
        self.render_lead()

    def render_lead(self) -> None:
        lead = self.current_lead()
        out = self.query_one("#fields", Static)
        if lead is None:
            out.update(plain(f"{self.lead_id}: no such lead (deleted?)", style="red"))
            return
        d = lead.data
        today = self.app.today
        t = Table.grid(padding=(0, 2))
        t.add_column(style="bold grey62", justify="right")
        t.add_column()
        title = plain(lead.name, style="bold")
        if lead.company:
            title.append_text(plain(f" — {lead.company}"))
        t.add_row("", title)
        t.add_row("id", plain(lead.id))
        for key in ("title", "email", "phone", "owner"):
            if d.get(key):
                t.add_row(key, plain(d[key]))
        t.add_row("source", plain(f"{lead.source} ({lead.group}, {lead.origin}-generated)"
                                  + (f" — {d['source_detail']}" if d.get("source_detail") else "")))
        t.add_row("stage", plain(lead.stage))
        t.add_row("horizon", plain(lead.horizon))
        qual = "sales-qualified" if lead.sales_qualified else "marketing-qualified: nurture"
        t.add_row("grade", Text(f"{lead.grade}  ({qual})", style="bold"))
        q = d.get("qualification") if isinstance(d.get("qualification"), dict) else {}
        for key in ("interest", "authority", "fit", "pain"):
            if q.get(key):
                t.add_row(key, plain(q[key], multiline=key == "pain"))
        state = lead.due_state(today)
        if lead.next_action or lead.next_due:
            due = lead.next_due.isoformat() if lead.next_due else "no date"
            t.add_row("next", plain(f"{lead.next_action} — {due} ({state})", style=DUE_STYLES.get(state, "")))
        elif lead.is_open:
            t.add_row("next", Text("none — press n to plan one", style=DUE_STYLES["none"]))
        from pipeline_tui.core.views.report import outlook_lines

        for label, text, severity in outlook_lines(lead, self.app.leads, self.app.pipe.playbook, today,
                                                   self.app.stage_hist):
            t.add_row(plain(label), plain(text, style=ROTTING if severity else ""))
        for key in ("value", "created", "first_contact", "closed", "expected_close"):
            if d.get(key) not in (None, ""):
                t.add_row(key.replace("_", " "), plain(plain_data(d[key])))
        if lead.tags:
            t.add_row("tags", plain(", ".join(lead.tags)))
        for key, value in d.items():
            if key not in KNOWN_KEYS:
                shown = json.dumps(plain_data(value), ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)
                t.add_row(plain(key), plain(shown, multiline=True))
        log = d.get("log") if isinstance(d.get("log"), list) else []
        if log:
            t.add_row("", "")
            t.add_row("log", "")
            for e in log:
                if isinstance(e, dict):
                    t.add_row(plain(plain_data(e.get("date", ""))),
                              plain(f"{e.get('kind', '')}: {e.get('text', '') or ''}", multiline=True))
        for p in self.app.pipe.problems_of(lead):
            t.add_row("problem", plain(p, style="red" if p.severity == "error" else "yellow"))
        out.update(t)

    @io_work(exclusive=True, group="history")
    def load_history(self) -> None:
        from pipeline_tui.core.git.history import lead_history

        try:
            entries = lead_history(self.app.pipe, self.lead_id, limit=200)
        except Exception as exc:  # noqa: BLE001 - show, never crash
            self.app.call_from_thread(self.query_one("#diff", Static).update, plain(f"history unavailable: {exc}"))
            return
        self.app.call_from_thread(self._show_history, entries)

    def _show_history(self, entries) -> None:  # noqa: ANN001
        self.history = entries
        ol = self.query_one("#commits", OptionList)
        ol.clear_options()
        for e in entries:
            label = plain(f"{e.date[:10]} ", style="grey62")
            label.append_text(plain(f"{visible(e.author)[:12]:<12} ", style="cyan"))
            label.append_text(plain(visible(e.message.split(": ", 1)[-1])[:60]))
            ol.add_option(Option(label, id=e.commit))
        if entries:
            ol.highlighted = 0

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self.load_diff(event.option.id)

    @io_work(exclusive=True, group="diff")
    def load_diff(self, commit: str) -> None:
        from pipeline_tui.core.git.history import commit_diff

        try:
            diff = visible(commit_diff(self.app.pipe, self.lead_id, commit), multiline=True)
        except Exception as exc:  # noqa: BLE001
            diff = visible(f"diff unavailable: {exc}", multiline=True)
        self.app.call_from_thread(self.query_one("#diff", Static).update,
                                  Syntax(diff, "diff", theme="ansi_dark", word_wrap=True))
